"""Scheduled runs (issue 5): the runs record, the run lock and the jobs of a business day.

``bank.runs.models`` holds the ``runs`` table, ``bank.runs.lock`` the lock that keeps two runs
from working at once and ``bank.runs.jobs`` the jobs themselves (repayments, savings interest,
close day). The business days they follow are in ``bank.calendar``.
"""
