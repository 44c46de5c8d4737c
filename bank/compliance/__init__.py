"""Compliance (issue 17): sanctions and PEP lists and the screening of members against them.

``lists`` reads the list files the bank is given (no network), ``screening`` matches names
against them. Both are pure: plain data in, plain data out, no session and no Flask.
"""
