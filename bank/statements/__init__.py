"""Statements: what a bank owes its members in writing (issue 6).

``builder`` turns ledger data into plain views, ``pdf`` renders a view to bytes (pure, no
database), ``service`` stores the monthly statements once, immutable with a checksum.
"""
