"""Member shares (ledenkapitaal): share classes and one holding per member per class (L3).

A holding's number of shares is its ledger balance divided by the nominal value, so the
ledger stays the single record of what a member owns.
"""
