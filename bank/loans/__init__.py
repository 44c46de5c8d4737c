"""Loans (L3): products, the pure amortisation engine (``schedule``), and later applications and servicing.

``schedule`` is pure maths (no database, no Flask); ``products_models`` holds the loan product
versions, ``products`` the services and queries that write and read them.
"""
