"""A loan's two moments that reach beyond the loans package: paid out, and written off.

``disbursement`` pays an approved application out under four eyes: the loan is booked
(``bank.loans.service.book_loan``) and the open pool of its purpose funds what it can
(``bank.pools.funding``). ``write_off`` carries out an approved write-off: the loan's entry and
closing (``bank.loans.servicing``), between them the pools' share of the loss
(``bank.pools.losses``). Loans know no pools; this package, above loans, pools, applications and
the committee, composes them (DEVELOPERS.md, "Floors").
"""
