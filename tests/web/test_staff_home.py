"""Staff land on their work: each role's home lists what waits for that role, and only that."""

from __future__ import annotations

import re

from flask.testing import FlaskClient


def _sections(client: FlaskClient) -> dict[str, str]:
    page = client.get("/staff/").get_data(as_text=True)
    return dict(re.findall(r'<section class="card" id="queue-([a-z]+)">(.*?)</section>', page, re.S))


def test_each_role_sees_its_part_of_the_queue(client, login_as, make_user):
    # Tellers cannot open the outbox (members' mail), so their home does not offer it; they
    # release and send the payout files, so those are on it.
    login_as("teller")
    assert set(_sections(client)) == {"approvals", "applicants", "payouts"}
    client.post("/logout")
    login_as("credit_officer")
    assert set(_sections(client)) == {"approvals", "applications", "agenda", "arrears", "mail", "collections"}
    client.post("/logout")
    login_as("admin")
    assert set(_sections(client)) == {
        "approvals",
        "applicants",
        "applications",
        "agenda",
        "arrears",
        "runs",
        "mail",
        "collections",
        "payouts",
    }
    client.post("/logout")
    login_as("committee")
    assert set(_sections(client)) == {"agenda"}


def test_the_queue_holds_the_waiting_work_and_says_who_may_decide(client, login_as, session, make_user):
    from savings import factories

    from bank.savings import service as savings

    maker_user = make_user("teller")
    maker = factories.Actor(user_id=maker_user.id, label=maker_user.email, role="teller")
    product = factories.product(session)
    anna = factories.member(session, last_name="Anna")
    account = factories.account(session, anna, product)
    savings.deposit(session, account, "20000", key="d", actor=maker)
    request = savings.withdraw(
        session, account, "15000", key="big", actor=maker, approval_threshold=factories.THRESHOLD
    )
    session.commit()
    login_as(user=maker_user)
    own = _sections(client)["approvals"]
    assert f"#approval-{request.approval.id}" in own and "You made this request" in own
    client.post("/logout")
    login_as("teller")
    other = _sections(client)["approvals"]
    assert "You may approve or reject this request" in other and 'class="hint may-decide"' in other
    client.post("/logout")
    login_as("credit_officer")
    officer = _sections(client)["approvals"]
    assert "you cannot approve or reject it" in officer


def test_the_desk_sees_who_registered_and_what_they_still_need(client, login_as, session, make_user):
    import datetime as dt

    from savings import factories

    from bank.auth.service import actor_for
    from bank.members import service as members

    desk = make_user("teller")
    checked = factories.member(session, last_name="Jansen")
    unchecked = factories.member(session, last_name="Pietersen")
    members.record_identity_check(
        session,
        checked,
        actor=actor_for(session.merge(desk)),
        document_kind="passport",
        document_number_last4="1234",
        checked_on=dt.date(2026, 3, 2),
    )
    session.commit()
    login_as(user=desk)
    waiting = _sections(client)["applicants"]
    assert '<span class="badge">2</span>' in waiting
    first, second = waiting.split("<li>")[1:]
    assert f'href="/staff/members/{checked.id}">Test Jansen</a>' in first
    assert "Identity checked; a member once their first share is paid." in first
    assert f'href="/staff/members/{unchecked.id}">Test Pietersen</a>' in second
    assert "Check their identity, then take their first share." in second
