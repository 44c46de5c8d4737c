"""A statement line a teller booked by hand before the statement came (matching.booked_by_hand).

Tellers key transfers from the online banking; when the statement brings the same money it must
point at that entry and book nothing more, and a line that names an account (its sender's IBAN,
its RF reference) takes only that account's entry. A withdrawal is a payment order (Dr the
account / Cr 1090, bank.payment_orders), not money booked on 1000: its line carries the order's
end-to-end id and the payout matcher settles it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from bank import clock
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.payments import payouts, references
from bank.payments.camt_writer import BANK_IBAN, Transaction
from bank.payments.statement_models import BankStatementLine, LineStatus
from bank.savings import service as savings

from . import statement_world as sw
from .statement_world import ANNA_IBAN, STRANGER_IBAN

D = Decimal


@pytest.fixture
def bank(session):
    built = sw.build(session)
    session.commit()
    return built


def _keyed(session, bank) -> dict[str, object]:
    """Bram's 250.00 is keyed first (the older entry), then Anna's 250.00 and her withdrawal,
    whose payout file is sent."""
    with clock.frozen(sw.FIRST_DAY - dt.timedelta(days=1)):
        bram = savings.deposit(session, bank.bram_accounts[0], "250.00", key="hand:bram", actor=sw.TELLER)
    with clock.frozen(sw.FIRST_DAY):
        anna = savings.deposit(session, bank.anna_account, "250.00", key="hand:anna", actor=sw.TELLER)
        savings.withdraw(
            session, bank.anna_account, "80.00", key="hand:anna-out", actor=sw.TELLER, approval_threshold=None
        )
        payer = payouts.payer_from_settings({"SETTLEMENT_IBANS": (BANK_IBAN,)})
        batch = payouts.prepare_payouts(session, sw.FIRST_DAY, sw.TELLER, payer=payer).batch
        assert batch is not None
        payouts.export_payout_batch(session, batch, actor=sw.TELLER)
        [item] = batch.items
    session.commit()
    return {"bram": bram.entry.id, "anna": anna.entry.id, "anna_out": item.order.end_to_end_id}


def _lines(session) -> list[BankStatementLine]:
    return list(session.scalars(select(BankStatementLine).order_by(BankStatementLine.id)))


def test_money_booked_by_hand_is_pointed_at_not_booked_again(session, app, bank, tmp_path) -> None:
    keyed = _keyed(session, bank)
    before_entries = sw.entry_count(session)
    path = sw.write(
        tmp_path,
        [
            # Names Anna (her IBAN): her entry, though Bram's of the same amount is older.
            Transaction(D("250.00"), None, None, "A. Jansen", ANNA_IBAN, "inleg"),
            # Names nobody: the one hand-booked 250.00 left, Bram's.
            Transaction(D("250.00"), None, None, "Contant gestort", STRANGER_IBAN, None),
            # A third 250.00: nothing booked by hand is left for it, so it waits in suspense.
            Transaction(D("250.00"), None, None, "Onbekend", STRANGER_IBAN, None),
            # Anna's withdrawal to her own IBAN, money out with its payout's end-to-end id.
            Transaction(D("-80.00"), str(keyed["anna_out"]), None, "A. Jansen", ANNA_IBAN, "opname"),
        ],
    )
    result = sw.run_import(session, app, path)
    session.commit()

    assert not result.refused
    assert dict(result.by_matcher) == {"by_hand": 2, "payout": 1, "suspense": 1}
    lines = _lines(session)
    assert [(line.matched_by, line.matched_type, line.journal_entry_id) for line in lines[:2]] == [
        ("by_hand", "journal_entry", keyed["anna"]),
        ("by_hand", "journal_entry", keyed["bram"]),
    ]
    assert lines[3].matched_by == "payout" and lines[3].status is LineStatus.MATCHED
    assert lines[2].status is LineStatus.SUSPENSE
    # The suspense line and the payout's settlement (Dr 1090 / Cr 1000) booked: two entries,
    # 250.00 on 1095, nothing left in transit, the members untouched.
    assert sw.entry_count(session) == before_entries + 2
    assert sw.balance(session, sw.SUSPENSE) == D("-250.00")
    assert sw.balance(session, chart.PAYMENTS_IN_TRANSIT) == D("0.00")
    assert ledger_queries.balance(session, bank.anna_account.ledger_account_id) == D("170.00")
    assert ledger_queries.balance(session, bank.bram_accounts[0].ledger_account_id) == D("250.00")


def test_an_entry_explained_once_is_not_explained_again(session, app, bank, tmp_path) -> None:
    _keyed(session, bank)
    first = sw.write(tmp_path, [Transaction(D("250.00"), None, None, "A. Jansen", ANNA_IBAN, "inleg")])
    assert dict(sw.run_import(session, app, first).by_matcher) == {"by_hand": 1}
    session.commit()
    # The next day Anna transfers 250.00 again: her hand-booked entry is explained already, so
    # this is new money, booked to her one account by her IBAN.
    second = sw.write(
        tmp_path,
        [Transaction(D("250.00"), None, None, "A. Jansen", ANNA_IBAN, "inleg")],
        sequence=2,
        opening=D("1250.00"),
        booked_on=sw.FIRST_DAY + dt.timedelta(days=1),
    )
    result = sw.run_import(session, app, second)
    session.commit()
    assert dict(result.by_matcher) == {"member_iban": 1}
    assert ledger_queries.balance(session, bank.anna_account.ledger_account_id) == D("420.00")


def test_a_reference_to_another_account_is_not_that_entry(session, app, bank, tmp_path) -> None:
    keyed = _keyed(session, bank)
    # Cash keyed for Bram, but the line quotes Anna's RF reference: not Bram's entry; Anna's own
    # 250.00 is hers, and the line takes it.
    reference = references.creditor_reference(bank.anna_account)
    path = sw.write(tmp_path, [Transaction(D("250.00"), None, None, "Iemand", STRANGER_IBAN, reference)])
    result = sw.run_import(session, app, path)
    session.commit()
    [line] = _lines(session)
    assert (line.matched_by, line.journal_entry_id) == ("by_hand", keyed["anna"])
    assert dict(result.by_matcher) == {"by_hand": 1}


def test_too_old_an_entry_is_not_it(session, app, bank, tmp_path) -> None:
    with clock.frozen(sw.FIRST_DAY - dt.timedelta(days=10)):
        savings.deposit(session, bank.anna_account, "99.00", key="hand:old", actor=sw.TELLER)
    session.commit()
    path = sw.write(tmp_path, [Transaction(D("99.00"), None, None, "Onbekend", STRANGER_IBAN, None)])
    result = sw.run_import(session, app, path)
    session.commit()
    assert dict(result.by_matcher) == {"suspense": 1}
