"""Who reaches which page: a permission decision on every view, members never reach /staff."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bank.audit.models import AuditEvent
from bank.extensions import db


def concrete_path(rule) -> str:
    """A URL for a rule, with 1 for every converter (the decorators refuse before any lookup)."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", "1", rule.rule)


def staff_rules(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if str(getattr(view, "_permission", "")).startswith("staff"):
            yield rule


def method_of(rule) -> str:
    return "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]


def test_every_view_carries_a_permission_decision(app):
    undecided = sorted(
        f"{rule.rule} ({rule.endpoint})"
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and not hasattr(app.view_functions[rule.endpoint], "_permission")
    )
    assert undecided == [], "views without @staff_required/@member_required/@authenticated/@public"


def test_all_staff_pages_are_under_a_staff_decision(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/staff"):
            assert str(app.view_functions[rule.endpoint]._permission).startswith("staff:"), rule.rule


def test_anonymous_visitors_are_sent_to_log_in_from_every_staff_page(app, client):
    rules = list(staff_rules(app))
    assert len(rules) >= 10
    for rule in rules:
        response = client.open(concrete_path(rule), method=method_of(rule))
        assert response.status_code == 302, rule.rule
        assert response.headers["Location"].startswith("/login"), rule.rule


def test_members_are_refused_every_staff_page_and_each_refusal_is_audited(app, client, login_as):
    member = login_as("member")
    rules = list(staff_rules(app))
    for rule in rules:
        response = client.open(concrete_path(rule), method=method_of(rule))
        assert response.status_code == 403, rule.rule
    with db.new_session() as session:
        refusals = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "permission.refused", AuditEvent.actor_id == member.id
            )
        ).all()
    assert len(refusals) == len(rules)
    assert refusals[0].ip_address == "127.0.0.1"
    assert refusals[0].actor_label == member.email
    assert any(event.detail == "/staff/ needs staff" for event in refusals)


def test_a_teller_is_refused_an_admin_page_and_it_is_audited(client, login_as):
    teller = login_as("teller")
    assert client.get("/staff/").status_code == 200
    assert client.get("/staff/audit").status_code == 403
    with db.new_session() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "permission.refused"))
    assert (event.actor_id, event.detail) == (teller.id, "/staff/audit needs admin")


def test_an_admin_passes_every_staff_role_check(client, login_as):
    login_as("admin")
    assert client.get("/staff/audit").status_code == 200
    assert client.get("/staff/ledger/trial-balance").status_code == 200


@pytest.mark.parametrize("role", ["teller", "admin", "credit_officer", "committee"])
def test_staff_are_refused_the_member_portal(app, client, login_as, role):
    if "portal.dashboard" not in app.view_functions:
        pytest.fail("the member portal is part of the app")
    login_as(role)
    assert client.get("/portal/").status_code == 403
