"""Investment pools (issue 7): members put savings to work in the neighbourhood's loans (L3).

``service`` subscribes, queues and pays withdrawals; ``funding`` records a pool's share of a loan
at disbursement; ``distribution`` pays quarterly returns; ``losses`` absorbs a written-off pool
loan (first-loss buffer, then participants); ``queries`` reads the figures pages show.
"""
