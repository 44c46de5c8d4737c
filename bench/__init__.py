"""Benchmarks: each module runs as ``python -m bench.NAME`` and prints one JSON object (DESIGN.md)."""
