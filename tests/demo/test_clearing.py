"""The clearing bank in the demo: a statement for every business day of the year, imported in its
series; what tellers keyed is recognised and booked once; the last weeks bring members' transfers
and a handful of items in suspense; one keyed deposit never arrived, and the ledger says so."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from sqlalchemy import func, select

from bank import clock, demo
from bank.calendar import business_days
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger.models import JournalEntry, Posting
from bank.ledger.service import account_by_code
from bank.payments.statement_models import (
    BankStatement,
    BankStatementLine,
    ImportStatus,
    LineStatus,
    StatementImport,
)

#: A fixed "today" so the story is the same on every day the suite runs.
TODAY = dt.date(2026, 11, 27)


def test_the_clearing_step_comes_after_the_servicing_year_and_the_payouts_before_the_statements():
    steps = [step for _name, step in demo.STEPS]
    clearing = steps.index(demo.clearing.import_the_year)
    assert steps.index(demo.servicing.load_servicing) < clearing
    assert steps.index(demo.payouts.pay_the_year_by_batch) == clearing - 1
    assert steps.index(demo.statements.produce_statements) == clearing + 1


def test_a_year_of_statements_books_only_what_nobody_keyed(session, tmp_path):
    context = demo.DemoContext(statement_dir=str(tmp_path / "pdf"), upload_dir=str(tmp_path / "uploads"))
    with clock.frozen(TODAY):
        context.opened_on = TODAY.replace(year=TODAY.year - 1)
        for step in (demo.staff.load_staff, demo.members.load_members, demo.money.load_money):
            step(session, context)
            session.flush()
        settlement = account_by_code(session, chart.SETTLEMENT)
        keyed_entries = session.scalar(select(func.count()).select_from(JournalEntry))
        demo.clearing.import_the_year(session, context)
        session.flush()

    days = list(business_days(context.opened_on, TODAY - dt.timedelta(days=1)))
    imports = session.scalars(select(StatementImport).order_by(StatementImport.id)).all()
    assert len(imports) == len(days) and {i.status for i in imports} == {ImportStatus.BOOKED}
    statements = session.scalars(select(BankStatement).order_by(BankStatement.sequence)).all()
    assert [s.sequence for s in statements] == list(range(1, len(days) + 1))
    assert [s.closing_on for s in statements] == days
    # Each statement opens with the one before's closing balance.
    for before, after in itertools.pairwise(statements):
        assert after.opening_balance == before.closing_balance

    lines = session.scalars(select(BankStatementLine)).all()
    by_matcher: dict[str, int] = {}
    for line in lines:
        by_matcher[line.matched_by] = by_matcher.get(line.matched_by, 0) + 1
    # Two savers quote their RF reference, one sends from her own IBAN; four items nobody knows.
    assert by_matcher.pop("reference") == 2
    assert by_matcher.pop("member_iban") == 1
    assert by_matcher.pop("suspense") == 4
    assert set(by_matcher) == {"by_hand"} and by_matcher["by_hand"] > 200
    # Only those seven lines booked anything new.
    assert session.scalar(select(func.count()).select_from(JournalEntry)) == keyed_entries + 7
    suspense = [line for line in lines if line.status is LineStatus.SUSPENSE]
    assert sorted(line.amount for line in suspense) == [
        Decimal("-12.50"),
        Decimal("35.00"),
        Decimal("120.00"),
        Decimal("1250.00"),
    ]
    assert ledger_queries.balance(session, account_by_code(session, chart.SUSPENSE).id) == Decimal("-1392.50")

    # The ledger's 1000 is ahead of the last statement by exactly the deposit that never arrived.
    last = statements[-1]
    [missing] = session.execute(
        select(JournalEntry.id, JournalEntry.value_date)
        .where(JournalEntry.kind == "deposit", JournalEntry.value_date.between(days[-3], days[-1]))
        .order_by(JournalEntry.value_date, JournalEntry.id)
        .limit(1)
    ).all()
    explained = session.scalars(select(BankStatementLine.journal_entry_id)).all()
    assert missing.id not in explained
    ledger_1000 = ledger_queries.balance(session, settlement.id, last.closing_on)
    missing_amount = session.scalar(
        select(Posting.amount).where(Posting.entry_id == missing.id, Posting.account_id == settlement.id)
    )
    assert missing_amount is not None and missing_amount > 0
    assert ledger_1000 - last.closing_balance == missing_amount
