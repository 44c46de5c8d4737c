"""Four-eyes approvals (vier-ogenprincipe), generic over the kind of request (L3).

A maker records a request (a large withdrawal, a share redemption, later a disbursement or
a write-off); a *different* staff member approves or rejects it. On approval the handler
registered for the request's kind carries it out in the same transaction.
"""
