"""Loan applications (L3): drafts, submission, the transition table, review, attachments.

``service`` writes, ``queries`` reads, ``attachments`` checks and stores uploads, ``letters``
renders decision letters. The four-eyes payout is ``bank.lending.disbursement``.
"""
