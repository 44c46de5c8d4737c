"""Demo step: the clearing bank's statement of every business day of the year, imported.

Runs after the servicing year and the year's payout batches, when every movement of the
settlement account 1000 is in the ledger. The demo's clearing bank writes a CAMT.053 for each
business day with what left and entered the bank's account that day (a movement on a weekend
shows on the next business day's statement): the direct debits it collected and the ones that
came back, with their end-to-end ids; the credit transfers it paid; everything else the tellers
keyed. A teller imports them one by one, in their series, as the back office does each morning:
what was booked already is recognised and booked nothing more (``our_collection``,
``our_return``, ``our_payout``, ``booked_by_hand``), so the ledger keeps its year. The last two
weeks bring what only a statement can: members' transfers quoting their account's RF reference
or sent from their own IBAN, booked on their accounts, and a handful of receipts and one bank
charge nobody recognises, waiting in the suspense queue (one above the four-eyes limit). One
deposit a teller keyed three days ago never reached the bank, so the reconciliation of the last
days shows a difference and the item that explains it.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

import config as settings
from bank import clock
from bank.auth.service import actor_for
from bank.calendar import business_days, next_business_day
from bank.demo.context import DemoContext
from bank.ledger import chart
from bank.ledger.models import JournalEntry, Posting, Side
from bank.ledger.service import account_by_code
from bank.loans.models import Loan
from bank.members.models import MemberKind
from bank.payment_orders.models import PaymentOrder
from bank.payments import references, statement_import
from bank.payments.batch_models import PaymentBatchItem
from bank.payments.camt_writer import Transaction, write_camt053
from bank.savings.models import DepositAccount, DepositAccountStatus

TELLER = "balie@wijkbank.example"
#: Strangers' IBANs (valid check digits) for what nobody at the bank recognises.
STRANGER_IBANS = ("NL63TRIO0212345678", "NL66ASNB0707070707", "NL02ABNA0123456789")
#: (business days before yesterday, amount, name, IBAN index, remittance): the suspense queue.
UNRECOGNISED: tuple[tuple[int, Decimal, str, int | None, str | None], ...] = (
    (8, Decimal("35.00"), "J. de Wit", 0, "contributie"),
    (6, Decimal("120.00"), "Stichting Buurtfeest Noord", 1, "bijdrage buurtfeest"),
    (3, Decimal("1250.00"), "Gemeente Rotterdam", 2, "subsidie 2026 kenmerk 88213"),
    (1, Decimal("-12.50"), "ABN AMRO Bank N.V.", None, "Kosten betalingsverkeer november"),
)


def import_the_year(session: Session, context: DemoContext) -> None:
    today = clock.today()
    yesterday = today - dt.timedelta(days=1)
    days = list(business_days(context.opened_on, yesterday))
    if not days or not context.deposit_accounts:
        return
    teller = actor_for(context.users[TELLER])
    iban = settings.DEMO_SETTLEMENT_IBANS[0]
    config = {"SETTLEMENT_IBANS": settings.DEMO_SETTLEMENT_IBANS, "UPLOAD_DIR": context.upload_folder()}
    by_day = _the_year_on_statements(session, days, keep_off=_never_arrived(session, days, teller.label))
    for day, lines in _only_on_statements(session, context, days).items():
        by_day[day].extend(lines)
    balance = Decimal("0.00")
    with tempfile.TemporaryDirectory() as folder:
        for sequence, day in enumerate(days, start=1):
            path = Path(folder) / f"camt053-{day.isoformat()}.xml"
            with path.open("w", encoding="utf-8") as out:
                balance = write_camt053(
                    out,
                    [[line] for line in by_day.get(day, [])],
                    opening=balance,
                    statement_id=f"WB-{day:%Y%m%d}",
                    iban=iban,
                    booked_on=day,
                    sequence=sequence,
                )
            # Each statement is imported the morning after its day (never after today).
            with clock.frozen(min(today, next_business_day(day + dt.timedelta(days=1)))):
                result = statement_import.import_statement(
                    session, path, actor=teller, settings=config, original_name=path.name
                )
            if result.refused:
                refusal = result.statement_import.refusal
                raise RuntimeError(f"the demo statement of {day} was refused: {refusal}")


def _statement_day(value_date: dt.date, days: set[dt.date]) -> dt.date:
    return value_date if value_date in days else next_business_day(value_date)


def _the_year_on_statements(
    session: Session, days: list[dt.date], *, keep_off: int | None
) -> defaultdict[dt.date, list[Transaction]]:
    """Every movement of 1000 up to the last statement day, on the statement of its day."""
    settlement = account_by_code(session, chart.SETTLEMENT).id
    on_days = set(days)
    by_day: defaultdict[dt.date, list[Transaction]] = defaultdict(list)
    rows = session.execute(
        select(
            Posting.side,
            Posting.amount,
            JournalEntry.id,
            JournalEntry.idempotency_key,
            JournalEntry.value_date,
            JournalEntry.memo,
        )
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(Posting.account_id == settlement, JournalEntry.value_date <= days[-1])
        .order_by(JournalEntry.value_date, JournalEntry.id)
    )
    items = {
        item.end_to_end_id: item
        for item in session.scalars(select(PaymentBatchItem).options(selectinload(PaymentBatchItem.mandate)))
    }
    orders = {order.end_to_end_id: order for order in session.scalars(select(PaymentOrder))}
    for side, amount, entry_id, key, value_date, memo in rows:
        day = _statement_day(value_date, on_days)
        if entry_id == keep_off or day > days[-1]:
            continue
        signed = amount if side is Side.DEBIT else -amount
        by_day[day].append(
            _direct_debit(key, signed, items)
            or _payout(key, signed, orders)
            or Transaction(signed, remittance=(memo or None) and memo[:140])
        )
    return by_day


def _payout(key: str, signed: Decimal, orders: dict[str, PaymentOrder]) -> Transaction | None:
    """A credit transfer of ours that left: its end-to-end id, to whom, and what it said."""
    prefix, _, end_to_end_id = key.partition(":")
    order = orders.get(end_to_end_id)
    if prefix != "payout-settle" or order is None:
        return None
    return Transaction(
        signed,
        end_to_end_id=end_to_end_id,
        counterparty_name=order.creditor_name,
        counterparty_iban=order.creditor_iban,
        remittance=order.remittance or None,
    )


def _direct_debit(key: str, signed: Decimal, items: dict[str, PaymentBatchItem]) -> Transaction | None:
    """A direct debit of ours on the statement: its end-to-end id and mandate (and, for one that
    came back, the reason), as the clearing bank reports them."""
    prefix, _, end_to_end_id = key.partition(":")
    item = items.get(end_to_end_id)
    if prefix not in ("collection-settle", "collection-return") or item is None:
        return None
    return Transaction(
        signed,
        end_to_end_id=end_to_end_id,
        mandate_id=item.mandate_reference,
        counterparty_name=item.mandate.debtor_name,
        counterparty_iban=item.mandate.iban,
        return_reason=item.return_reason if prefix == "collection-return" else None,
        reversal=prefix == "collection-return",
    )


def _never_arrived(session: Session, days: list[dt.date], teller_label: str) -> int | None:
    """A deposit a teller keyed in the last days that the clearing bank never shows."""
    settlement = account_by_code(session, chart.SETTLEMENT).id
    return session.scalar(
        select(JournalEntry.id)
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .where(
            Posting.account_id == settlement,
            Posting.side == Side.DEBIT,
            JournalEntry.kind == "deposit",
            JournalEntry.value_date.between(days[-3], days[-1]),
        )
        .order_by(JournalEntry.value_date, JournalEntry.id)
        .limit(1)
    )


def _only_on_statements(
    session: Session, context: DemoContext, days: list[dt.date]
) -> dict[dt.date, list[Transaction]]:
    """What the last two weeks bring that nobody keyed: members' transfers and the unrecognised."""
    lines: dict[dt.date, list[Transaction]] = defaultdict(list)
    savers = [
        account
        for account in context.deposit_accounts.values()
        if account.member.kind is MemberKind.PERSON and not _repays_a_loan(session, account)
    ]
    # One saver sends from her own IBAN without a reference (her one account takes it), the
    # others quote their account's RF reference from another bank account.
    own_iban = next((a for a in savers if a.member.external_iban and _only_account(session, a)), None)
    quoting = [a for a in savers if a is not own_iban][:2]
    for offset, account, amount in zip((9, 2), quoting, (Decimal("150.00"), Decimal("400.00")), strict=False):
        reference = references.format(references.creditor_reference(account))
        lines[days[max(0, len(days) - 1 - offset)]].append(
            Transaction(
                amount,
                counterparty_name=account.member.full_name,
                counterparty_iban=STRANGER_IBANS[0],
                remittance=f"Sparen o.v.v. {reference}",
            )
        )
    if own_iban is not None:
        lines[days[max(0, len(days) - 6)]].append(
            Transaction(
                Decimal("75.00"),
                counterparty_name=own_iban.member.full_name,
                counterparty_iban=own_iban.member.external_iban,
                remittance="Sparen",
            )
        )
    for before, amount, name, iban_index, remittance in UNRECOGNISED:
        lines[days[max(0, len(days) - 1 - before)]].append(
            Transaction(
                amount,
                counterparty_name=name,
                counterparty_iban=None if iban_index is None else STRANGER_IBANS[iban_index],
                remittance=remittance,
            )
        )
    return lines


def _repays_a_loan(session: Session, account: DepositAccount) -> bool:
    return session.scalar(select(Loan.id).where(Loan.repayment_account_id == account.id).limit(1)) is not None


def _only_account(session: Session, account: DepositAccount) -> bool:
    """The member has no other open account (so money from their IBAN can only be for this one)."""
    others = session.scalar(
        select(DepositAccount.id)
        .where(
            DepositAccount.member_id == account.member_id,
            DepositAccount.id != account.id,
            DepositAccount.status != DepositAccountStatus.CLOSED,
        )
        .limit(1)
    )
    return others is None
