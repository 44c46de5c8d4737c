"""Money in and out through the clearing bank: SEPA mandates, collections (pain.008), payouts
(pain.001), the clearing bank's statements (CAMT.053, MT940) and their reconciliation.

Account 1000 is the bank's settlement account at its clearing bank; nothing enters or leaves
Wijkbank except through it. This package is where a movement on 1000 is explained: which
mandate collected it, which payment order paid it, which statement line showed it. It sits
above ``lending`` because a payout pays what the features booked (withdrawals, disbursements,
share redemptions, pool payouts) and a collection feeds the loans' repayment accounts.
"""
