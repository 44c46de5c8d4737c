"""Payment orders: money the bank pays out by SEPA credit transfer (issue 14).

A withdrawal to a member's own IBAN, a loan paid to a notary, a share redeemed, a pool
withdrawal or distribution: each used to credit the settlement account 1000 with the IBAN in a
memo, as if the money had left the moment it was booked. Now each becomes an order: the paying
account is debited and 1090 "payments in transit" credited when it is ordered; the order waits
there until a pain.001 file carries it (``bank.payments.payouts``) and the clearing bank's
statement shows it left (Dr 1090 / Cr 1000) or came back (reversed to the paying account).

The package sits below savings, shares, loans and pools because they order payments; the files
and batches that carry the orders are the payments package's, above them all.
"""
