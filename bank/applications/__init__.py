"""Loan applications (L3): drafts, submission, the transition table, review, attachments, disbursement.

``service`` writes, ``queries`` reads, ``attachments`` checks and stores uploads, ``letters``
renders decision letters, ``disbursement`` prepares and carries out the four-eyes payout.
"""
