"""Operator commands, one module per subject; see ``bank.cli``."""
