"""The month-end run: hand-calculated expected losses, stages, the allowance entry, reruns,
the movement table, and a write-off that uses the allowance (to the cent)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bank import clock
from bank.actor import Actor
from bank.approvals import service as approvals
from bank.collateral import service as collateral
from bank.errors import ValidationError
from bank.ledger import chart
from bank.ledger.models import JournalEntry, Posting, Side
from bank.ledger.service import account_by_code
from bank.loans import servicing
from bank.loans.models import LoanStatus
from bank.provisioning import jobs, queries, service
from bank.provisioning.models import ProvisionMonth, RiskFlagKind, StageReason

from .conftest import OFFICER, D, World

M = Decimal


def exposure_of(world: World, loan) -> Decimal:
    world.session.expire_all()
    balances = [
        world.bank.balance(a)
        for a in (loan.principal_account_id, loan.interest_account_id, loan.fees_account_id)
    ]
    return sum(balances, M("0"))


def test_hand_calculated_losses_and_the_allowance_entry(world: World):
    world.set_table(D(2027, 1, 1))
    plain = world.loan("12345.67", D(2027, 1, 15))  # no grade: the table's default, C
    good = world.loan("20000.00", D(2027, 1, 20), grade="A", name="Fietsenmakerij De Spaak")
    risky = world.loan("8000.00", D(2027, 1, 25), grade="E", name="Buurtkeuken Oost")

    outcome = world.provision(D(2027, 1, 31))
    assert outcome.worked

    stored = {p.loan_id: p for p, _n in queries.results(world.session, D(2027, 1, 31))}
    # 12 345.67 x 0.0175 x 0.40 = 86.41969 -> 86.42 (grade C by default, stage 1, unsecured)
    assert stored[plain.id].grade == "C" and stored[plain.id].grade_defaulted
    assert stored[plain.id].exposure == M("12345.67")
    assert stored[plain.id].ecl == M("86.42")
    # 20 000.00 x 0.005 x 0.40 = 40.00
    assert stored[good.id].grade == "A" and not stored[good.id].grade_defaulted
    assert stored[good.id].ecl == M("40.00")
    # 8 000.00 x 0.06 x 0.40 = 192.00
    assert stored[risky.id].ecl == M("192.00")
    assert {p.stage for p in stored.values()} == {1}
    assert all(p.reason is StageReason.CURRENT for p in stored.values())

    # Only the change is posted: Dr 5100 / Cr 1190 318.42, key provision:2027-01-31.
    assert world.allowance() == M("318.42")
    assert world.impairment() == M("318.42")
    month = queries.month(world.session, D(2027, 1, 31))
    assert month is not None and month.total_ecl == M("318.42") and month.allowance_before == M("0.00")
    entry = world.session.get(JournalEntry, month.entry_id)
    assert entry.idempotency_key == "provision:2027-01-31"
    assert outcome.run.amount_in == M("318.42") and outcome.run.items_count == 3


def test_secured_loan_uses_the_collateral_cover(world: World, monkeypatch: pytest.MonkeyPatch):
    world.set_table(D(2027, 1, 1))
    loan = world.loan("12345.67", D(2027, 1, 15))
    unsecured = world.loan("5000.00", D(2027, 1, 15), name="Buurtkeuken Oost")
    asked = {}

    def cover(session, exposures, on):
        asked.update(exposures)
        return {loan.id: M("5000.00")}

    monkeypatch.setattr("bank.provisioning.cover.cover_by_loan", cover)
    world.provision(D(2027, 1, 31))
    assert asked == {loan.id: M("12345.67"), unsecured.id: M("5000.00")}
    stored = {p.loan_id: p for p, _n in queries.results(world.session, D(2027, 1, 31))}
    # (12 345.67 - 5 000.00) x 0.0175 = 128.549225 -> 128.55; LGD 7 345.67 / 12 345.67
    assert stored[loan.id].ecl == M("128.55")
    assert stored[loan.id].cover == M("5000.00")
    assert stored[loan.id].lgd == M("0.59499970")
    # Nothing registered: the unsecured LGD. 5 000.00 x 0.0175 x 0.40 = 35.00
    assert stored[unsecured.id].cover is None and stored[unsecured.id].ecl == M("35.00")


def test_stages_move_with_arrears_and_the_credit_officers_flags(world: World):
    world.set_table(D(2027, 1, 1))
    behind = world.loan("8000.00", D(2027, 1, 10), grade="B")
    watched = world.loan("6000.00", D(2027, 1, 10), grade="B", name="Fietsenmakerij De Spaak")
    impaired = world.loan("4000.00", D(2027, 1, 10), grade="B", name="Buurtkeuken Oost")
    # The first borrower's money is gone: nothing is collected from the first instalment on.
    member_account = behind.repayment_account
    world.bank.withdraw(
        member_account, str(world.bank.balance(member_account.ledger_account_id)), D(2027, 1, 11)
    )

    service.flag_loan(
        world.session,
        watched.id,
        RiskFlagKind.WATCHLIST,
        reason="Turnover fell by half",
        actor=OFFICER,
        on=D(2027, 2, 20),
    )
    world.session.commit()
    for month_end in (D(2027, 1, 31), D(2027, 2, 28), D(2027, 3, 31), D(2027, 5, 31)):
        world.bank.run(month_end)
        if month_end == D(2027, 3, 31):
            service.flag_loan(
                world.session,
                impaired.id,
                "credit_impaired",
                reason="Bankruptcy filed",
                actor=OFFICER,
                on=D(2027, 3, 20),
            )
            world.session.commit()
        world.provision(month_end)

    def stage(month_end, loan):
        return world.stored(month_end)[loan.id][0]

    # First instalment due 10 Feb, never paid: 18 days at Feb's end, 49 at March's, 110 at May's.
    assert [stage(d, behind) for d in (D(2027, 1, 31), D(2027, 2, 28), D(2027, 3, 31), D(2027, 5, 31))] == [
        1,
        1,
        2,
        3,
    ]
    provision = queries.latest_provision(world.session, behind.id)
    assert provision.days_past_due == 110 and provision.reason is StageReason.ARREARS
    # 110 days: lifetime PD 1 x LGD 0.40 of the whole exposure.
    assert provision.ecl == (provision.exposure * M("0.4")).quantize(M("0.01"))
    assert provision.exposure == exposure_of(world, behind)
    assert [stage(d, watched) for d in (D(2027, 1, 31), D(2027, 2, 28))] == [1, 2]
    assert queries.latest_provision(world.session, watched.id).reason is StageReason.WATCHLIST
    assert [stage(d, impaired) for d in (D(2027, 2, 28), D(2027, 3, 31))] == [1, 3]

    # Lifting the watchlist flag brings the loan back to stage 1 at the next month-end.
    (flag,) = queries.current_flags(world.session, watched.id)
    service.clear_flag(world.session, flag.id, reason="Turnover recovered", actor=OFFICER, on=D(2027, 6, 2))
    world.session.commit()
    world.bank.run(D(2027, 6, 30))
    world.provision(D(2027, 6, 30))
    assert stage(D(2027, 6, 30), watched) == 1
    # After every run the allowance is exactly the sum of the stored losses.
    total = sum((ecl for _s, ecl in world.stored(D(2027, 6, 30)).values()), M("0"))
    assert world.allowance() == total


def test_rerun_posts_nothing_and_returns_what_was_stored(world: World):
    world.set_table(D(2027, 1, 1))
    world.loan("12345.67", D(2027, 1, 15))
    first = world.provision(D(2027, 1, 31))
    assert first.worked
    again = world.provision(D(2027, 1, 31))
    assert not again.worked
    # A run on a later day of the same month finds the month-end done and does nothing.
    later = world.provision(D(2027, 2, 3))
    assert later.worked and later.run.items_count == 0
    month = service.provision_month_end(world.session, D(2027, 1, 31), actor=OFFICER)
    assert month.total_ecl == M("86.42")
    keys = world.session.scalars(
        select(JournalEntry.idempotency_key).where(JournalEntry.idempotency_key.like("provision:%"))
    ).all()
    assert keys == ["provision:2027-01-31"]
    assert world.session.scalar(select(func.count()).select_from(ProvisionMonth)) == 1
    assert world.allowance() == M("86.42")


def test_allowance_released_when_loans_are_repaid(world: World):
    world.set_table(D(2027, 1, 1))
    loan = world.loan("12345.67", D(2027, 1, 15))
    other = world.loan("2000.00", D(2027, 1, 15), name="Buurtkeuken Oost")
    world.provision(D(2027, 1, 31))
    assert world.allowance() == M("86.42") + M("14.00")
    # The second loan is paid off early: its 14.00 is released at February's end.
    world.bank.deposit(other.repayment_account, "100.00", D(2027, 2, 5))
    servicing.pay_off(world.session, other, on=D(2027, 2, 5), key="payoff-1", actor=world.bank.actor)
    world.session.commit()
    world.session.expire_all()
    world.provision(D(2027, 2, 28))
    assert other.id not in world.stored(D(2027, 2, 28))
    month = queries.month(world.session, D(2027, 2, 28))
    move = queries.movement(world.session, D(2027, 1, 31), D(2027, 2, 28))
    assert move.amount("opening") == M("100.42")
    assert move.amount("closing") == month.total_ecl == world.allowance()
    assert move.amount("releases") == M("-14.00")
    assert move.amount("remeasurement") == month.total_ecl - M("100.42") + M("14.00")
    assert world.stored(D(2027, 2, 28))[loan.id][1] == month.total_ecl


def test_movement_table_adds_up_per_stage_and_in_total(world: World):
    world.set_table(D(2027, 1, 1))
    a = world.loan("8000.00", D(2027, 1, 10), grade="B")
    world.loan("6000.00", D(2027, 1, 10), grade="C", name="Fietsenmakerij De Spaak")
    world.bank.withdraw(
        a.repayment_account, str(world.bank.balance(a.repayment_account.ledger_account_id)), D(2027, 1, 11)
    )
    world.bank.run(D(2027, 1, 31))
    world.provision(D(2027, 1, 31))
    late = world.loan("3000.00", D(2027, 2, 12), grade="D", name="Buurtkeuken Oost")
    for day in (D(2027, 2, 28), D(2027, 3, 31)):
        world.bank.run(day)
        world.provision(day)
    move = queries.movement(world.session, D(2027, 1, 31), D(2027, 3, 31))
    for stage in (1, 2, 3):
        moved = sum((move.amount(row, stage) for row in queries.MOVEMENT_ROWS[1:-1]), M("0"))
        assert move.amount("opening", stage) + moved == move.amount("closing", stage)
    # The late loan is new; the first moved from stage 1 to stage 2 (49 days at March's end).
    assert move.amount("new_loans") == world.stored(D(2027, 3, 31))[late.id][1]
    before, after = world.stored(D(2027, 1, 31))[a.id], world.stored(D(2027, 3, 31))[a.id]
    assert (before[0], after[0]) == (1, 2)
    assert move.amount("transfers", 1) == -before[1] and move.amount("transfers", 2) == after[1]
    assert move.amount("opening") == queries.month(world.session, D(2027, 1, 31)).total_ecl
    assert move.amount("closing") == world.allowance()


def test_write_off_uses_the_allowance_first(world: World, make_user):
    world.set_table(D(2027, 1, 1))
    loan = world.loan("8000.00", D(2027, 1, 10), grade="B")
    world.bank.withdraw(
        loan.repayment_account,
        str(world.bank.balance(loan.repayment_account.ledger_account_id)),
        D(2027, 1, 11),
    )
    for day in (D(2027, 1, 31), D(2027, 2, 28), D(2027, 3, 31), D(2027, 4, 30), D(2027, 5, 31)):
        world.bank.run(day)
        world.provision(day)
    provision = queries.latest_provision(world.session, loan.id)
    assert provision.stage == 3
    held = provision.ecl
    exposure = servicing.loan_exposure(world.session, loan)
    assert held == (provision.exposure * M("0.4")).quantize(M("0.01"))
    assert world.allowance() == held
    impairment_before = world.impairment()
    world.session.commit()

    admin, officer = make_user("admin"), make_user("credit_officer")
    with clock.frozen(D(2027, 6, 10)):  # written off in June, before June's month-end
        approval = servicing.request_write_off(
            world.session,
            loan,
            reason="Bankruptcy",
            key="wo-1",
            actor=Actor(user_id=admin.id, label=admin.email, role="admin"),
        )
        world.session.commit()
        approvals.approve(
            world.session,
            approval,
            actor=Actor(user_id=officer.id, label=officer.email, role="credit_officer"),
        )
        world.session.commit()
        world.session.expire_all()
        assert world.session.get(type(loan), loan.id).status is LoanStatus.WRITTEN_OFF

    entry = world.session.scalar(
        select(JournalEntry).where(JournalEntry.idempotency_key == f"writeoff:{loan.id}")
    )
    allowance = account_by_code(world.session, chart.LOAN_LOSS_ALLOWANCE).id
    expense = account_by_code(world.session, chart.IMPAIRMENT_EXPENSE).id
    lines = {
        (p.account_id, p.side): p.amount
        for p in world.session.scalars(select(Posting).where(Posting.entry_id == entry.id))
    }
    assert lines[allowance, Side.DEBIT] == held
    assert lines[expense, Side.DEBIT] == exposure - held
    assert sum((amount for (_a, side), amount in lines.items() if side is Side.CREDIT), M("0")) == exposure
    assert world.allowance() == M("0.00")
    # Only what the allowance did not hold is a new expense (the loan had no pool).
    assert world.impairment() == impairment_before + exposure - held

    # June's end: the loan is gone; the movement table shows the allowance it used.
    world.provision(D(2027, 6, 30))
    move = queries.movement(world.session, D(2027, 5, 31), D(2027, 6, 30))
    assert move.amount("write_offs") == -held
    assert move.amount("releases") == M("0.00")
    assert move.amount("closing") == M("0.00") == world.allowance()


def test_no_table_refuses_the_command_and_the_close_day_provisions_nothing(world: World):
    world.loan("12345.67", D(2027, 1, 15))
    with pytest.raises(ValidationError) as refused:
        world.provision(D(2027, 1, 31))
    assert "date" in refused.value.fields
    world.session.rollback()
    assert queries.months(world.session) == []


def test_the_collateral_register_sets_the_loss_given_default(world: World):
    world.set_table(D(2027, 1, 1))
    covered = world.loan("12345.67", D(2027, 1, 15))
    world.loan("5000.00", D(2027, 1, 15), name="Buurtkeuken Oost")
    collateral.register_item(
        world.session,
        {
            "kind": "municipal_guarantee",
            "guarantor_name": "Gemeente Amsterdam",
            "cover_percentage": "50",
            "cover_cap": "4000.00",
        },
        actor=OFFICER,
        loan=covered,
        today=D(2027, 1, 15),
    )
    world.session.commit()
    world.provision(D(2027, 1, 31))
    stored = {p.loan_id: p for p, _n in queries.results(world.session, D(2027, 1, 31))}
    # Half of 12 345.67, capped at 4 000.00: (12 345.67 - 4 000.00) x 0.0175 = 146.049225 -> 146.05
    assert stored[covered.id].cover == M("4000.00")
    assert stored[covered.id].ecl == M("146.05")
    assert world.allowance() == M("146.05") + M("35.00")


def test_a_month_ending_on_a_weekend_is_provisioned_on_its_last_business_day(world: World):
    # July 2027 ends on a Saturday: Friday 30 July's run provisions 31 July, dated the 31st.
    assert jobs.month_ends_due(D(2027, 7, 30)) == [D(2027, 6, 30), D(2027, 7, 31)]
    assert jobs.month_ends_due(D(2027, 7, 29)) == [D(2027, 6, 30)]
    assert jobs.month_ends_due(D(2027, 8, 2)) == [D(2027, 7, 31)]
    world.set_table(D(2027, 1, 1))
    world.loan("12345.67", D(2027, 7, 5))
    outcome = world.provision(D(2027, 7, 30))
    assert outcome.run.items_count == 1
    month = queries.month(world.session, D(2027, 7, 31))
    entry = world.session.get(JournalEntry, month.entry_id)
    assert entry.value_date == D(2027, 7, 31) and month.total_ecl == M("86.42")
