"""The bank's reports for staff and the board: read-only queries over the ledger and the loans."""
