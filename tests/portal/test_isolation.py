"""A member never sees another member's data: every portal URL with an id, walked from the URL map.

For each ``/portal`` rule with an integer argument the test fills in an id of Bram's (another
member) and expects 404 while logged in as Anna, then fills in Anna's own id (or her
organisation's) and expects the page to work. A new portal URL with an id argument this test
does not know fails it, so nobody adds a page without this proof.
"""

from __future__ import annotations

import pytest
from flask import Flask

from bank.actor import system
from bank.errors import NotFound
from bank.members.models import Member
from bank.portal import queries
from bank.privacy import service as privacy
from bank.privacy.models import RequestChannel

from .conftest import fresh_session


def _ids(world, *, own: bool) -> dict[str, int]:
    if own:
        return {
            "account_id": world.coop_account.id,
            "loan_id": world.coop_loan.id,
            "member_id": world.coop.id,
            "application_id": None,  # Anna has none; the 404 half is what matters for applications
            "statement_id": None,
            "mandate_id": None,  # Anna has none; tests/payments/test_pages.py opens a member's own
            "letter_id": None,  # Anna has none; tests/arrears/test_pages.py opens a borrower's own
        }
    return {
        "account_id": world.bram_account.id,
        "loan_id": world.bram_loan.id,
        "member_id": world.bram.id,
        "application_id": world.bram_application.id,
        "statement_id": world.bram_statement.id,
        "change_id": world.bram_change.id,
        "attachment_id": world.bram_attachment.id,
        "mandate_id": world.bram_mandate.id,
        "letter_id": world.bram_letter.id,
    }


def _portal_rules(app: Flask):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/portal") or not rule.arguments:
            continue
        converters = {name: type(conv).__name__ for name, conv in rule._converters.items()}
        int_args = sorted(name for name, kind in converters.items() if kind == "IntegerConverter")
        if int_args:
            yield rule, int_args


def _brams_erasure_request(world) -> int:
    """Bram asked what the bank keeps about him (issue 17): his answer is his alone."""
    session = fresh_session()
    try:
        bram = session.get(Member, world.bram.id)
        answered = privacy.request_erasure(session, bram, actor=system("test"), channel=RequestChannel.STAFF)
        session.commit()
        return answered.id
    finally:
        session.close()


def test_every_portal_url_with_an_id_gives_404_for_another_members_id(app, as_anna, world):
    foreign = _ids(world, own=False) | {"request_id": _brams_erasure_request(world)}
    checked = []
    for rule, int_args in _portal_rules(app):
        unknown = [name for name in int_args if name not in foreign]
        assert not unknown, f"{rule.rule}: teach this test an id of another member for {unknown}"
        values = {name: foreign[name] for name in int_args}
        url = rule.build(values, append_unknown=False)[1]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = as_anna.open(url + "?year=2026&from=2026-01-01&to=2026-01-31", method=method, data={})
            assert response.status_code == 404, f"{method} {url} gave {response.status_code}"
            body = response.get_data(as_text=True)
            assert "Geheim" not in body and world.bram_account.number not in body
            checked.append(f"{method} {rule.rule}")
    # The pages this issue builds are all in the walk (applications add theirs).
    for expected in (
        "GET /portal/accounts/<int:account_id>",
        "GET /portal/loans/<int:loan_id>",
        "GET /portal/loans/<int:loan_id>/statement.pdf",
        "GET /portal/accounts/<int:account_id>/statement.pdf",
        "GET /portal/statements/<int:statement_id>.pdf",
        "GET /portal/members/<int:member_id>/annual-statement.pdf",
        "GET /portal/my-data/erasure/<int:request_id>",
    ):
        assert expected in checked


def test_the_same_urls_work_with_the_members_own_ids(app, as_anna, world):
    own = _ids(world, own=True)
    opened = []
    for rule, int_args in _portal_rules(app):
        if "GET" not in (rule.methods or set()) or any(own.get(name) is None for name in int_args):
            continue
        url = rule.build({name: own[name] for name in int_args}, append_unknown=False)[1]
        response = as_anna.get(url + "?year=2026&from=2026-01-01&to=2026-01-31")
        assert response.status_code == 200, f"GET {url} gave {response.status_code}"
        opened.append(rule.rule)
    # The 404s above are not an accident of bad ids: the organisation's own pages open.
    assert len(opened) >= 5, opened


def test_the_statement_form_refuses_another_members_account_in_its_parameter(as_anna, world):
    response = as_anna.get(
        f"/portal/statements/period?account={world.bram_account.id}&from=2026-01-01&to=2026-01-31"
    )
    assert response.status_code == 404


def test_queries_look_everything_up_through_the_member(app, world):
    session = fresh_session()
    try:
        assert queries.account_for(session, world.anna.id, world.coop_account.id).id == world.coop_account.id
        with pytest.raises(NotFound):
            queries.account_for(session, world.anna.id, world.bram_account.id)
        with pytest.raises(NotFound):
            queries.loan_for(session, world.anna.id, world.bram_loan.id)
        with pytest.raises(NotFound):
            queries.application_for(session, world.anna.id, world.bram_application.id)
        # Bram does not represent the co-op: its loan is not his to see.
        with pytest.raises(NotFound):
            queries.loan_for(session, world.bram.id, world.coop_loan.id)
    finally:
        session.close()


def test_staff_cannot_open_the_portal_and_members_cannot_open_the_back_office(client, login_as, as_anna):
    assert as_anna.get("/staff/").status_code == 403
    as_anna.post("/logout")
    login_as("teller")
    assert client.get("/portal/").status_code == 403
