"""The general ledger: chart of accounts, journal entries and postings (L2).

``service.post()`` is the only writer of money; everything else reads.
"""
