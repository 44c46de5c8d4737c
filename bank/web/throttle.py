"""Throttling of log-in, second factor, password reset and invitations (issue 13, item 9).

Flask-Limiter counts in ``RATELIMIT_STORAGE_URI``: Redis in production (every worker sees the
same counts), memory in development and tests. Two kinds of limit, on purpose:

* per client address: an attacker's address is slowed (429) long before it has tried many
  accounts, and a spray of one password over many accounts never locks any of them;
* per account (the submitted address, or the logged-in user): at most a few guesses per account
  whoever sends them. These key on what was typed, known or not, so a limit says nothing about
  whether an address has a log-in.

Failed log-ins are what count (a right password costs nothing), so a household or an office
behind one address is not slowed by its own successful log-ins. A limited answer is the bank's
own 429 page in the reader's language, or JSON under ``/api/``.
"""

from __future__ import annotations

from flask import Response, request
from flask_login import current_user
from limits import parse

from bank.extensions import limiter

#: Failed log-ins from one client address (staff and portal share /login).
LOGIN_PER_ADDRESS = "10 per minute;50 per hour"
#: Second-factor codes sent (a right code is one post): per address, and per log-in whatever the address.
SECOND_FACTOR_PER_ADDRESS = "20 per 15 minutes"
SECOND_FACTOR_PER_USER = "10 per 15 minutes"
#: Reset requests: per address, and per typed e-mail address (a mailbox gets at most 3 an hour).
RESET_REQUEST_PER_ADDRESS = "5 per minute;20 per hour"
RESET_REQUEST_PER_EMAIL = "3 per hour"
#: Setting a password through an invitation or reset link, and the staff second-factor set-up.
TOKEN_FORM_PER_ADDRESS = "10 per 15 minutes"
#: Invitations sent from the back office: per member, and per staff log-in.
INVITE_PER_MEMBER = "3 per hour"
INVITE_PER_USER = "30 per hour"
#: The public schedule calculator of the API.
API_PER_ADDRESS = "60 per minute"
#: Failed log-ins per typed address that count as a lock-out (as the account lock: 5 in 15 minutes).
LOCKOUT_FAILURES = parse("5 per 15 minutes")


def client_address() -> str:
    """The client's address (behind ``PROXY_HOPS`` proxies, the one they forwarded)."""
    return request.remote_addr or "unknown"


def typed_email() -> str:
    """The e-mail address as submitted, normalised the way log-in looks it up."""
    return "email:" + (request.form.get("email") or "").strip().lower()[:254]


def logged_in_user() -> str:
    """The half-logged-in user of the second-factor step (the address when nobody is)."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return client_address()


def invited_member() -> str:
    return f"member:{(request.view_args or {}).get('member_id')}"


def failed_log_in(response: Response) -> bool:
    return response.status_code == 401


def count_unknown_failure(email: str) -> bool:
    """Count a failed log-in for an address without a log-in; True when it is now "locked".

    A known account locks in the database after five failures; an unknown address gets the
    same lock-out message after the same five, so the message does not tell them apart.
    """
    if not (limiter.enabled and limiter.initialized):
        return False
    key = email.strip().lower()[:254]
    limiter.limiter.hit(LOCKOUT_FAILURES, "login-lockout", key)
    return not limiter.limiter.test(LOCKOUT_FAILURES, "login-lockout", key)
