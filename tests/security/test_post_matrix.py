"""Issue 13: every POST route against every role, not only the GET walk of test_access.py.

The table comes from the app's URL map and each view's declared permission (``_permission``):
a combination the declaration forbids must answer 401, 403, 404 or a redirect to log in and must
not change a thing (no journal entry, no row anywhere; only the refusal itself is audited). A
combination it allows may refuse the empty form, but never with a 5xx.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bank import clock
from bank.actor import STAFF_ROLES
from bank.audit.models import AuditEvent
from bank.auth.models import User
from bank.extensions import db
from bank.ledger.models import JournalEntry
from bank.models import metadata

from .conftest import Saver

PASSWORD = "correct horse battery staple"
ROLES = ("anonymous", *sorted(STAFF_ROLES), "member")
#: Audit actions a refused request may leave (the refusal and nothing else).
REFUSAL_ACTIONS = {"permission.refused"}


def concrete_path(rule) -> str:  # type: ignore[no-untyped-def]
    """A URL for a rule: 1 for a number, a plausible word for the rest (refusals come first)."""
    return re.sub(r"<(?:([^:<>]+):)?([^<>]+)>", lambda m: "1" if m.group(1) == "int" else "x", rule.rule)


def post_rules(app: Flask) -> list:  # type: ignore[type-arg]
    return sorted(
        (r for r in app.url_map.iter_rules() if "POST" in r.methods and r.endpoint != "static"),
        key=lambda r: r.rule,
    )


def forbidden(permission: str, role: str) -> bool:
    """Whether the view's declaration refuses ``role`` (admins pass every staff role check)."""
    if permission == "public":
        return False
    if permission == "authenticated":
        return role == "anonymous"
    if permission == "member":
        return role != "member"
    assert permission.startswith("staff:"), permission
    allowed = permission.removeprefix("staff:").split(",")
    if role == "anonymous" or role == "member":
        return True
    return not (role in allowed or role == "admin")


def fingerprint() -> dict[str, object]:
    """Every row of every table (the audit log without refusals): any change to the data shows here."""
    with db.new_session() as s:
        rows: dict[str, object] = {
            table.name: sorted(repr(tuple(row)) for row in s.execute(select(table)))
            for table in metadata.sorted_tables
            if table.name != "audit_events"
        }
        rows["audit_events (not refusals)"] = s.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action.notin_(REFUSAL_ACTIONS))
        )
        rows["journal entries"] = s.scalar(select(func.count()).select_from(JournalEntry))
    return rows


@dataclass
class Browser:
    """One role's browser; it logs in again when a request (log-out, say) ended its session."""

    app: Flask
    role: str
    make_user: Callable[..., User]
    member_id: int | None
    client: FlaskClient = field(init=False)
    user: User | None = None

    def __post_init__(self) -> None:
        self.client = self.app.test_client()
        self.log_in()

    def log_in(self) -> None:
        if self.role == "anonymous":
            return
        extra = {"member_id": self.member_id} if self.role == "member" else {}
        self.user = self.make_user(self.role, **extra)
        self.client = self.app.test_client()
        answer = self.client.post("/login", data={"email": self.user.email, "password": PASSWORD})
        assert answer.status_code == 302, answer.get_data(as_text=True)
        self.version = self._row().session_version

    def _row(self) -> User:
        with db.new_session() as s:
            row = s.get(User, self.user.id)  # type: ignore[union-attr]
            s.expunge(row)
            return row

    def ready(self) -> FlaskClient:
        if self.user is not None:
            row = self._row()
            locked = row.locked_until is not None and row.locked_until > clock.now_utc()
            if row.session_version != self.version or not row.is_active or locked:
                self.log_in()
        return self.client


def _refused(response) -> bool:  # type: ignore[no-untyped-def]
    if response.status_code in (401, 403, 404):
        return True
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_every_post_route_against_every_role(app, make_user, saver: Saver):
    make_user("teller", email="filler@test.example")  # user 1 is nobody's own log-in
    browsers = {role: Browser(app, role, make_user, saver.member.id) for role in ROLES}
    rules = post_rules(app)
    assert len(rules) >= 70
    leaks: list[str] = []
    crashes: list[str] = []
    checked = {"forbidden": 0, "allowed": 0}
    for rule in rules:
        permission = str(app.view_functions[rule.endpoint]._permission)
        path = concrete_path(rule)
        for role in ROLES:
            client = browsers[role].ready()
            if forbidden(permission, role):
                checked["forbidden"] += 1
                before = fingerprint()
                response = client.post(path, data={})
                after = fingerprint()
                if not _refused(response):
                    leaks.append(f"{role} POST {path} ({permission}): {response.status_code}")
                changed = sorted(k for k in before if before[k] != after[k])
                if changed:
                    leaks.append(f"{role} POST {path} changed {changed}")
            else:
                checked["allowed"] += 1
                response = client.post(path, data={})
                if response.status_code >= 500:
                    crashes.append(f"{role} POST {path}: {response.status_code}")
    assert leaks == []
    assert crashes == []
    # The table is real: both kinds of combination occur many times.
    assert checked["forbidden"] >= 200 and checked["allowed"] >= 100, checked


def test_the_table_knows_the_declarations():
    """The truth table itself, on the declarations that matter most."""
    assert forbidden("staff:admin", "teller") and not forbidden("staff:admin", "admin")
    assert forbidden("staff:committee", "teller") and not forbidden("staff:committee", "admin")
    assert forbidden("staff:teller,admin", "member") and forbidden("staff:teller,admin", "anonymous")
    assert forbidden("member", "admin") and not forbidden("member", "member")
    assert forbidden("authenticated", "anonymous") and not forbidden("public", "anonymous")
