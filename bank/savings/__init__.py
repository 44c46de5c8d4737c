"""Deposit accounts (spaarrekeningen) and the savings products they are opened from (L3).

``service`` books deposits, withdrawals and transfers through the ledger; ``queries`` reads;
``interest`` accrues savings interest daily and posts it at month end (the job the runs call).
"""
