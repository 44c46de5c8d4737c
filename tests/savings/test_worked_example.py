"""A worked example: deposits, a withdrawal, a transfer, a large withdrawal with four eyes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from bank import clock
from bank.approvals import service as approvals
from bank.approvals.models import ApprovalStatus
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.payment_orders.models import OrderState, PaymentOrder
from bank.savings import service as savings

from .factories import THRESHOLD, VALID_IBAN, balance, main_balance


def test_a_year_of_bookings_balances_to_the_cent(session, bank_setup, teller, second_teller):
    anna_acct = bank_setup["anna_account"]
    bram_acct = bank_setup["bram_account"]
    with clock.frozen(dt.date(2026, 11, 28)):
        savings.deposit(session, anna_acct, "1234.56", key="k1", actor=teller, value_date=dt.date(2026, 2, 1))
        savings.deposit(
            session, anna_acct, Decimal("20000.00"), key="k2", actor=teller, value_date=dt.date(2026, 3, 1)
        )
        savings.deposit(session, bram_acct, "500", key="k3", actor=teller)
        out = savings.withdraw(
            session,
            anna_acct,
            "234.56",
            key="k4",
            actor=teller,
            approval_threshold=THRESHOLD,
            description="Cash for rent",
        )
        assert out.entry is not None and not out.needs_approval
        assert VALID_IBAN in out.entry.memo
        savings.transfer(session, anna_acct, bram_acct, "1000.00", key="k5", actor=teller, description="Gift")
        big = savings.withdraw(
            session, anna_acct, "12500.00", key="k6", actor=teller, approval_threshold=THRESHOLD
        )
        assert big.needs_approval
        session.commit()
        # Nothing has left yet: the request waits.
        assert balance(session, anna_acct) == Decimal("20000.00")
        approvals.approve(session, big.approval, actor=second_teller)
        session.commit()

    assert big.approval.status is ApprovalStatus.APPROVED
    assert big.approval.result_entry_id is not None
    assert balance(session, anna_acct) == Decimal("7500.00")
    assert balance(session, bram_acct) == Decimal("1500.00")
    assert main_balance(session, chart.MEMBER_DEPOSITS) == Decimal("9000.00")
    # 21 234,56 + 500 came in; the 234,56 + 12 500 withdrawn are payment orders in transit (1090)
    # until the clearing bank's statement shows them leave 1000.
    assert main_balance(session, chart.SETTLEMENT) == Decimal("21734.56")
    assert main_balance(session, chart.PAYMENTS_IN_TRANSIT) == Decimal("-12734.56")
    in_transit = session.scalars(select(PaymentOrder).order_by(PaymentOrder.id)).all()
    assert [(o.amount, o.creditor_iban, o.state) for o in in_transit] == [
        (Decimal("234.56"), VALID_IBAN, OrderState.ORDERED),
        (Decimal("12500.00"), VALID_IBAN, OrderState.ORDERED),
    ]
    assert ledger_queries.verify(session) == []
