"""Staff pages: loans, a loan's schedule versions and forms, arrears, runs and starting a run."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bank import day as business_day
from bank.extensions import db
from bank.loans.models import LoanStatus
from bank.runs.lock import run_lock
from bank.web.staff import runs as runs_views

D = dt.date


@pytest.fixture(autouse=True)
def _release_request_sessions(app):
    """The app fixture keeps one app context per test: end each request's transaction (SQLite lock)."""
    app.teardown_request(lambda _exc: db.remove())


@pytest.fixture
def late_loan(bank):
    member, account = bank.borrower("Fietsenmakerij De Spaak")
    loan = bank.book(member, account, "12000.00", 12, D(2026, 1, 15))
    bank.withdraw(account, str(bank.balance(account.ledger_account_id)), D(2026, 1, 16))
    bank.deposit(account, "500.00", D(2026, 2, 1))
    return loan, account


def test_loan_pages_show_schedule_arrears_quote_and_runs(bank, client, login_as, late_loan):
    loan, _account = late_loan
    bank.close_days(D(2026, 1, 16), D(2026, 3, 20))
    loan_id, number = loan.id, loan.number
    bank.session.commit()  # SQLite: the test session must hold no transaction during requests
    login_as("admin")
    page = client.get("/staff/loans").get_data(as_text=True)
    assert number in page
    detail = client.get(f"/staff/loans/{loan_id}")
    assert detail.status_code == 200
    html = detail.get_data(as_text=True)
    assert "Version 1" in html and "Payoff quote" in html
    assert "days past due" in html
    arrears = client.get("/staff/arrears").get_data(as_text=True)
    assert number in arrears
    runs_page = client.get("/staff/runs").get_data(as_text=True)
    assert "2026" in runs_page
    run_id = bank.run(D(2026, 3, 20)).id
    bank.session.commit()
    shortfall = client.get(f"/staff/runs/{run_id}").get_data(as_text=True)
    assert number in shortfall
    quote_early = client.get(f"/staff/loans/{loan_id}?on=2026-01-20").get_data(as_text=True)
    assert "must not be before" in quote_early


def test_prepayment_form_books_a_new_version_and_refuses_too_much(bank, client, login_as):
    member, account = bank.borrower()
    bank.deposit(account, "20000.00", D(2026, 1, 5))
    loan = bank.book(member, account, "12000.00", 12, D(2026, 1, 15))
    bank.close_days(D(2026, 1, 16), D(2026, 4, 20))
    loan_id = loan.id
    bank.session.commit()
    login_as("teller")
    from bank import clock

    with clock.frozen(D(2026, 4, 20)):
        too_much = client.post(
            f"/staff/loans/{loan_id}/prepay",
            data={"amount": "50000", "mode": "shorten_term", "form_key": "k1"},
        )
        assert too_much.status_code == 422
        assert "outstanding principal" in too_much.get_data(as_text=True)
        done = client.post(
            f"/staff/loans/{loan_id}/prepay",
            data={"amount": "2000,00", "mode": "lower_instalment", "form_key": "k2"},
        )
        assert done.status_code == 302
        again = client.post(
            f"/staff/loans/{loan_id}/prepay",
            data={"amount": "2000,00", "mode": "lower_instalment", "form_key": "k2"},
        )
        assert again.status_code == 302
        html = client.get(f"/staff/loans/{loan_id}").get_data(as_text=True)
    assert "Version 2" in html and "Version 1" in html
    assert len(bank.instalments(loan, version=2)) == 9
    assert bank.balance(loan.principal_account_id) == Decimal("12000.00") - Decimal("2867.05") - Decimal(
        "2000.00"
    )


def test_write_off_form_proposes_and_only_a_second_person_approves(
    bank, client, login_as, late_loan, make_user
):
    loan, _account = late_loan
    bank.close_days(D(2026, 1, 16), D(2026, 3, 20))
    loan_id = loan.id
    bank.session.commit()
    login_as("teller")
    assert (
        client.post(f"/staff/loans/{loan_id}/write-off", data={"reason": "x", "form_key": "w"}).status_code
        == 403
    )
    client.get("/logout")
    admin = login_as("admin")
    response = client.post(f"/staff/loans/{loan_id}/write-off", data={"reason": "", "form_key": "w0"})
    assert response.status_code == 422 and "is required" in response.get_data(as_text=True)
    response = client.post(f"/staff/loans/{loan_id}/write-off", data={"reason": "Bankrupt", "form_key": "w1"})
    assert response.status_code == 302
    from bank.actor import Actor
    from bank.approvals import service as approvals
    from bank.approvals.models import Approval

    approval = bank.session.query(Approval).one()
    bank.session.commit()
    maker = Actor(user_id=admin.id, label=admin.email, role="admin")
    with pytest.raises(Exception, match="four eyes"):
        approvals.approve(bank.session, approval, actor=maker)
    bank.session.rollback()
    teller_user = make_user("teller")
    with pytest.raises(Exception, match="only credit_officer or admin"):
        approvals.approve(
            bank.session, approval, actor=Actor(user_id=teller_user.id, label="t", role="teller")
        )
    bank.session.rollback()
    checker_user = make_user("credit_officer")
    approvals.approve(
        bank.session, approval, actor=Actor(user_id=checker_user.id, label="c", role="credit_officer")
    )
    bank.session.commit()
    bank.session.refresh(loan)
    assert loan.status is LoanStatus.WRITTEN_OFF
    bank.session.commit()
    page = client.get(f"/staff/loans/{loan_id}").get_data(as_text=True)
    assert "Recovery" in page


def test_starting_a_run_launches_it_and_is_refused_while_one_runs(
    bank, client, login_as, late_loan, monkeypatch
):
    launched = []

    def run_now(job, run_date):
        launched.append((job, run_date))
        business_day.close_day(db, run_date, started_by="web")

    monkeypatch.setattr(runs_views, "launch", run_now)
    login_as("admin")
    bank.session.commit()
    response = client.post("/staff/runs/start", data={"job": "close_day", "date": "2026-02-16"})
    assert response.status_code == 302
    assert launched == [("close_day", D(2026, 2, 16))]
    with run_lock(db.engine):
        busy = client.post("/staff/runs/start", data={"job": "close_day", "date": "2026-02-17"})
    assert busy.status_code == 409 and "in progress" in busy.get_data(as_text=True)
    future = client.post("/staff/runs/start", data={"job": "repayments", "date": "2030-01-01"})
    assert future.status_code == 422 and "future" in future.get_data(as_text=True)
    assert len(launched) == 1
