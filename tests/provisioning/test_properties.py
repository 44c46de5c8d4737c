"""Property: whatever the months bring (new PD tables, flags set and lifted, repayment runs or
none), after every month-end run account 1190 holds exactly the sum of the stored per-loan
expected losses, every entry balances, and the movement table adds up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bank import clock
from bank.errors import ValidationError
from bank.ledger import queries as ledger_queries
from bank.provisioning import queries, service
from bank.provisioning.models import GRADES, LoanProvision

from .conftest import OFFICER, World

probability = st.decimals(min_value=0, max_value=1, places=4)
month = st.fixed_dictionaries(
    {
        "table": st.one_of(st.none(), st.lists(probability, min_size=15, max_size=15)),
        "flags": st.lists(
            st.sampled_from(["watchlist", "credit_impaired", "lift", None]), min_size=4, max_size=4
        ),
        "repay": st.booleans(),
    }
)


def _next_month_end(day: dt.date) -> dt.date:
    following = (day + dt.timedelta(days=32)).replace(day=1)
    return (following + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(months=st.lists(month, min_size=1, max_size=3))
def test_the_allowance_always_equals_the_stored_losses(world: World, months):
    with clock.frozen(dt.date(2031, 12, 31)):
        session = world.session
        if not queries.pd_tables(session):
            world.set_table(dt.date(2027, 1, 1))
            for index, grade in enumerate(("A", "C", "E", None)):
                world.loan(
                    f"{5000 + 1234 * index}.{index}7", dt.date(2027, 1, 10), grade=grade, name=f"Coop {index}"
                )
        loans = sorted(p.loan_id for p in session.query(LoanProvision).all()) or [1, 2, 3, 4]
        last = queries.months(session)
        month_end = _next_month_end(last[0].month_end) if last else dt.date(2027, 1, 31)
        for plan in months:
            if plan["table"] is not None and queries.table_in_force(
                session, month_end
            ).effective_on < month_end.replace(day=1):
                values = iter(plan["table"])
                table = {grade: tuple(str(next(values)) for _stage in range(3)) for grade in GRADES}
                world.set_table(month_end.replace(day=1), table)
            for loan_id, action in zip(loans, plan["flags"], strict=False):
                standing = queries.current_flags(session, loan_id)
                if action == "lift" and standing:
                    service.clear_flag(session, standing[0].id, reason="better", actor=OFFICER, on=month_end)
                elif action in ("watchlist", "credit_impaired") and not any(
                    f.kind == action for f in standing
                ):
                    try:
                        service.flag_loan(session, loan_id, action, reason="why", actor=OFFICER, on=month_end)
                    except ValidationError:  # a loan repaid meanwhile cannot be flagged
                        session.rollback()
                        continue
                session.commit()
            if plan["repay"]:
                world.bank.run(month_end)
            previous = queries.month_before(session, month_end)
            world.provision(month_end)
            stored = session.query(LoanProvision).filter(LoanProvision.month_end == month_end).all()
            assert world.allowance() == sum((p.ecl for p in stored), Decimal("0.00"))
            move = queries.movement(session, previous.month_end if previous else None, month_end)
            assert move.amount("closing") == world.allowance()
            assert ledger_queries.verify(session) == []
            session.commit()
            month_end = _next_month_end(month_end)
