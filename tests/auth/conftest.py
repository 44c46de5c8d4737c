"""The log-in tests' helpers: the second factor switched on, a user enrolled, a code that is wrong.

A member with savings and the mailed links come from the security replays' world
(``tests/security/conftest.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pyotp
import pytest
from flask import Flask
from security.conftest import mailed_link, saver  # noqa: F401

from bank.auth.models import User
from bank.extensions import db

#: The password conftest.make_user gives every user.
PASSWORD = "correct horse battery staple"


@pytest.fixture
def totp_required(app: Flask) -> Iterator[None]:
    app.config["STAFF_TOTP_REQUIRED"] = True
    yield
    app.config["STAFF_TOTP_REQUIRED"] = False


def enrolled(user: User) -> str:
    """Give ``user`` a second factor (as an enrolment link would) and return the secret."""
    secret = pyotp.random_base32()
    with db.unit_of_work(db.new_session()) as session:
        session.get(User, user.id).totp_secret = secret
    return secret


def wrong_code(secret: str) -> str:
    """A code that is not valid now nor within the tolerated drift either side."""
    totp = pyotp.TOTP(secret)
    valid = {totp.at(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=s)) for s in range(-90, 91, 30)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)
