"""Statement data (L3): plain views built from the ledger, rendered by :mod:`bank.statements.pdf`.

Every amount on a statement comes from postings: the opening balance is the ledger balance the
day before the period, each line is one posting with the running balance after it, and the
closing balance is the ledger balance on the last day. The views are frozen dataclasses of
Decimals, dates and strings, so the renderer needs no database and a test can compare a view
with the ledger to the cent.

Public API (used by the portal, the staff pages, the month-end job and the benchmark):

* :func:`account_statement` (session, account, date_from, date_to) -> :class:`AccountStatementView`
* :func:`loan_statement` (session, loan, as_of) -> :class:`LoanStatementView`
* :func:`annual_statement` (session, member, year) -> :class:`AnnualStatementView`
* :func:`check_period` for forms: refuses periods that end before they start or lie in the future.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, joinedload

from bank import clock
from bank.db import MoneyType
from bank.errors import N_, ValidationError
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger import rules as ledger_rules
from bank.ledger.models import AccountType, JournalEntry, LedgerAccount, Posting, Side
from bank.loans.accrual import ACCRUAL_KIND
from bank.loans.models import Instalment, InstalmentStatus, Loan
from bank.members.models import Member
from bank.money import ZERO
from bank.pools.models import Distribution, Participation, Pool
from bank.savings.models import DepositAccount
from bank.shares.models import ShareHolding


@dataclass(frozen=True)
class Letterhead:
    """Who the statement is from (printed on the first page and in every footer)."""

    name: str = "Wijkbank U.A."
    tagline_nl: str = "Coöperatieve wijkbank · van en voor de buurt"
    tagline_en: str = "Cooperative neighbourhood bank · of and for the neighbourhood"
    address_lines: tuple[str, ...] = ("Dapperstraat 1", "1093 BS Amsterdam")
    contact: str = "info@wijkbank.example · 020 123 45 67"
    registration: str = "KvK 12345678 · BIC WIJKNL2A"

    def tagline(self, language: str) -> str:
        return self.tagline_en if language == "en" else self.tagline_nl


LETTERHEAD = Letterhead()


@dataclass(frozen=True)
class Addressee:
    """The member as written on the envelope window."""

    member_number: int
    name: str
    address_lines: tuple[str, ...]
    language: str


@dataclass(frozen=True)
class StatementLine:
    """One posting on an account statement."""

    value_date: dt.date
    description: str
    counterparty: str
    #: Money out ("Af"); None when the line is money in.
    debit: Decimal | None
    #: Money in ("Bij"); None when the line is money out.
    credit: Decimal | None
    #: The account balance after this line.
    running_balance: Decimal
    entry_id: int


@dataclass(frozen=True)
class AccountStatementView:
    letterhead: Letterhead
    language: str
    addressee: Addressee
    account_number: str
    account_number_formatted: str
    product_name: str
    date_from: dt.date
    date_to: dt.date
    opening_balance: Decimal
    lines: tuple[StatementLine, ...]
    closing_balance: Decimal
    total_debit: Decimal
    total_credit: Decimal
    produced_on: dt.date

    def __post_init__(self) -> None:
        # The statement's own arithmetic must close: opening + in - out == closing.
        assert self.opening_balance + self.total_credit - self.total_debit == self.closing_balance, (
            "statement does not add up"
        )


@dataclass(frozen=True)
class ScheduleRow:
    number: int
    due_on: dt.date
    principal_due: Decimal
    interest_due: Decimal
    #: Late fees and penalty interest charged on the instalment.
    charges_due: Decimal
    total_due: Decimal
    total_paid: Decimal
    #: "paid", "partly_paid", "overdue", "open" or "written_off".
    state: str
    paid_on: dt.date | None


@dataclass(frozen=True)
class LoanPayment:
    value_date: dt.date
    description: str
    principal: Decimal
    interest: Decimal
    charges: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.charges


@dataclass(frozen=True)
class LoanStatementView:
    letterhead: Letterhead
    language: str
    addressee: Addressee
    loan_number: str
    product_name: str
    purpose: str
    principal: Decimal
    rate_annual: Decimal
    method: str
    frequency: str
    term_periods: int
    disbursed_on: dt.date
    as_of: dt.date
    schedule: tuple[ScheduleRow, ...]
    payments: tuple[LoanPayment, ...]
    #: Ledger balance of the loan's principal account on ``as_of``.
    outstanding_principal: Decimal
    #: What fell due before ``as_of`` and is still unpaid (principal, interest, charges).
    arrears_amount: Decimal
    #: Days since the oldest unpaid due date (0 when not in arrears).
    days_past_due: int
    produced_on: dt.date

    @property
    def total_paid(self) -> Decimal:
        return sum((p.total for p in self.payments), ZERO)


@dataclass(frozen=True)
class AnnualAccountRow:
    account_number_formatted: str
    product_name: str
    balance_start: Decimal
    balance_end: Decimal
    interest_received: Decimal


@dataclass(frozen=True)
class AnnualLoanRow:
    loan_number: str
    outstanding_start: Decimal
    outstanding_end: Decimal
    interest_paid: Decimal


@dataclass(frozen=True)
class AnnualShareRow:
    share_class: str
    shares: int
    amount: Decimal


@dataclass(frozen=True)
class AnnualStatementView:
    letterhead: Letterhead
    language: str
    addressee: Addressee
    year: int
    accounts: tuple[AnnualAccountRow, ...]
    loans: tuple[AnnualLoanRow, ...]
    shares: tuple[AnnualShareRow, ...]
    produced_on: dt.date = field(default_factory=clock.today)

    @property
    def total_start(self) -> Decimal:
        return sum((a.balance_start for a in self.accounts), ZERO)

    @property
    def total_end(self) -> Decimal:
        return sum((a.balance_end for a in self.accounts), ZERO)

    @property
    def interest_received(self) -> Decimal:
        return sum((a.interest_received for a in self.accounts), ZERO)

    @property
    def interest_paid(self) -> Decimal:
        return sum((loan.interest_paid for loan in self.loans), ZERO)

    @property
    def shares_amount(self) -> Decimal:
        return sum((s.amount for s in self.shares), ZERO)


# ---------------------------------------------------------------------------------------------
# Input checks


def check_period(date_from: dt.date | None, date_to: dt.date | None, *, today: dt.date | None = None) -> None:
    """Refuse a statement period that is missing, ends before it starts or lies in the future.

    Raises :class:`ValidationError` naming ``date_from`` or ``date_to`` and the rule.
    """
    today = today or clock.today()
    if date_from is None:
        raise ValidationError("date_from", N_("is required (a date like 2026-10-01)"))
    if date_to is None:
        raise ValidationError("date_to", N_("is required (a date like 2026-10-31)"))
    if date_from > today:
        raise ValidationError("date_from", N_("must not lie in the future (today is %(today)s)"), today=today)
    if date_to > today:
        raise ValidationError("date_to", N_("must not lie in the future (today is %(today)s)"), today=today)
    if date_to < date_from:
        raise ValidationError(
            "date_to", N_("must not be before date_from (the period ends before it starts)")
        )


def parse_date(text: str | None, *, field: str) -> dt.date | None:
    """A date typed as ``2026-10-31`` or ``31-10-2026``; empty is None; anything else names the field."""
    raw = (text or "").strip()
    if not raw:
        return None
    for pattern in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    raise ValidationError(field, N_("must be a date like 2026-10-31 or 31-10-2026"))


# ---------------------------------------------------------------------------------------------
# Shared pieces


def addressee_of(member: Member) -> Addressee:
    street = " ".join(part for part in (member.street, member.house_number) if part)
    town = "  ".join(part for part in (member.postcode, member.city) if part)
    return Addressee(
        member_number=member.number,
        name=member.full_name,
        address_lines=tuple(line for line in (street, town) if line),
        language=member.language if member.language in ("nl", "en") else "nl",
    )


#: How the kind of an entry reads on a statement, per language.
KIND_LABELS: dict[str, tuple[str, str]] = {
    "deposit": ("Storting", "Deposit"),
    "cash_deposit": ("Storting contant", "Cash deposit"),
    "withdrawal": ("Opname", "Withdrawal"),
    "transfer": ("Overboeking", "Transfer"),
    "loan_disbursement": ("Uitbetaling lening", "Loan disbursement"),
    "loan_fee": ("Afsluitkosten lening", "Loan arrangement fee"),
    "loan_collection": ("Termijn lening", "Loan instalment"),
    "direct_debit": ("Incasso", "Direct debit"),
    "statement_receipt": ("Overboeking ontvangen", "Transfer received"),
    "statement_suspense": ("Tussenrekening (te verdelen post)", "Suspense (unmatched item)"),
    "suspense_assign": ("Toegewezen van de tussenrekening", "Assigned from suspense"),
    "suspense_return": ("Teruggestort aan de afzender", "Sent back to the sender"),
    "direct_debit_return": ("Incasso teruggeboekt", "Direct debit returned"),
    "direct_debit_return_fee": ("Storneringskosten", "Return fee"),
    "loan_unapply": ("Termijnbetaling teruggenomen", "Instalment payment taken back"),
    "loan_interest_accrual": ("Rente lening", "Loan interest"),
    "loan_penalty": ("Boeterente", "Penalty interest"),
    "loan_late_fee": ("Aanmaningskosten", "Late fee"),
    "loan_payoff": ("Volledige aflossing lening", "Loan paid off"),
    "loan_write_off": ("Afboeking lening", "Loan write-off"),
    "collection": ("Termijn lening", "Loan instalment"),
    "loan_repayment": ("Aflossing lening", "Loan repayment"),
    "loan_prepayment": ("Vervroegde aflossing", "Loan prepayment"),
    "late_fee": ("Aanmaningskosten", "Late fee"),
    "savings_interest": ("Rente", "Interest"),
    "interest": ("Rente", "Interest"),
    "shares_issue": ("Aankoop aandelen", "Member shares bought"),
    "shares_redemption": ("Terugbetaling aandelen", "Member shares redeemed"),
    "seed_capital": ("Startkapitaal van de gemeente", "Municipal seed capital"),
    "reversal": ("Correctie", "Correction"),
    "loan_recovery": ("Ontvangst op afgeboekte lening", "Recovery on a written-off loan"),
    "pool_subscription": ("Inleg investeringspool", "Money into an investment pool"),
    "pool_withdrawal": ("Opname uit investeringspool", "Withdrawal from an investment pool"),
    "pool_distribution": ("Rendement investeringspool", "Investment pool returns"),
    "pool_loss_buffer": ("Eerste-verliesbuffer gebruikt", "First-loss buffer used"),
}

#: The ledger kind of a pool's quarterly distribution (bank.pools.distribution.DISTRIBUTION_KIND).
POOL_DISTRIBUTION_KIND = "pool_distribution"

_SHARE_COUNT = re.compile(r"(\d+) member share")
_LOAN_NUMBER = re.compile(r"WL-\d{4}-\d{4}")
_MONTH = re.compile(r"(\d{2})-(\d{4})")
_POOL_MEMO = re.compile(
    r"(?:Returns of pool (?P<name>.+), (?P<start>\d{4}-\d{2}-\d{2}) to (?P<end>\d{4}-\d{2}-\d{2})"
    r"|Subscription to pool (?P<sub>\S+)|Withdrawal from pool (?P<out>\S+))"
)
_ACCOUNTS_ARROW = re.compile(r"\d{4} \d{4} \d{2} → \d{4} \d{4} \d{2}")


def kind_label(kind: str, language: str) -> str:
    labels = KIND_LABELS.get(kind)
    if labels is None:
        return kind.replace("_", " ").capitalize()
    return labels[1] if language == "en" else labels[0]


def month_name(month: int, year: int, language: str) -> str:
    """ "november 2026" (nl) / "November 2026" (en): a month as a statement line names it."""
    return format_date(dt.date(year, month, 1), "LLLL yyyy", locale="en" if language == "en" else "nl")


def _statement_date(text: str, language: str) -> str:
    day = dt.date.fromisoformat(text)
    return day.isoformat() if language == "en" else day.strftime("%d-%m-%Y")


def _group_iban(iban: str) -> str:
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def describe(kind: str, memo: str, language: str) -> tuple[str, str | None]:
    """(description, IBAN found in the memo) for a statement line.

    The services write memos in English ("Withdrawal · to NL91…"); the statement leads with
    the kind in the member's language and keeps only what the memo adds beyond the default
    word (a typed description, a loan number), moving a payout IBAN to the counterparty.
    """
    label = kind_label(kind, language)
    iban = None
    if kind in ("shares_issue", "shares_redemption"):
        # "3 member share(s) A à 25.00" / "Redemption of 3 member share(s) A · to NL…": the count.
        count = _SHARE_COUNT.search(memo or "")
        payout = re.search(r"to ([A-Z]{2}\d{2}[A-Z0-9]{8,30})", memo or "")
        if count:
            singular, plural = ("share", "shares") if language == "en" else ("aandeel", "aandelen")
            word = singular if count.group(1) == "1" else plural
            return f"{label} · {count.group(1)} {word}", payout.group(1) if payout else None
    if kind.startswith("loan_") and kind in KIND_LABELS:
        # The services' loan memos are English sentences around the loan number; the number is
        # what the member needs next to the word in their own language.
        loan_number = _LOAN_NUMBER.search(memo or "")
        if loan_number:
            return f"{label} {loan_number.group(0)}", None
    if kind.startswith("pool_"):
        # "Returns of pool Grondfonds, 2026-07-01 to 2026-09-30" / "Subscription to pool GRONDFONDS".
        pool = _POOL_MEMO.fullmatch((memo or "").strip())
        if pool and pool.group("name"):
            start, end = (_statement_date(pool.group(n), language) for n in ("start", "end"))
            return f"{label} {pool.group('name')} {start} – {end}", None
        if pool:
            return f"{label} {pool.group('sub') or pool.group('out')}", None
    parts = [part.strip() for part in (memo or "").split("·")]
    kept = []
    english_default = KIND_LABELS.get(kind, ("", kind.replace("_", " ")))[1].lower()
    for part in parts:
        if not part:
            continue
        match = re.fullmatch(r"to ([A-Z]{2}\d{2}[A-Z0-9]{8,30})", part)
        if match:
            iban = match.group(1)
            continue
        if part.lower() in (english_default, kind.replace("_", " ").lower(), label.lower()):
            continue
        if english_default and part.lower().startswith(english_default + " "):
            # "Interest 10-2026" -> "Rente oktober 2026": the English word replaced, a month named.
            rest = part[len(english_default) + 1 :]
            month = _MONTH.fullmatch(rest)
            if month and 1 <= int(month.group(1)) <= 12:
                rest = month_name(int(month.group(1)), int(month.group(2)), language)
            label = f"{label} {rest}"
            continue
        if _ACCOUNTS_ARROW.fullmatch(part):
            continue  # "1000 0001 61 → 1000 0002 58": the counterparty column already says it
        kept.append(part)
    description = label if not kept else f"{label} · {' · '.join(kept)}"
    return description, iban


def counterparty_labels(session: Session, ledger_account_ids: Iterable[int], language: str) -> dict[int, str]:
    """A readable name for each ledger account that can stand opposite a member's account.

    Four queries at most for any number of lines: deposit accounts (member and number), loans,
    share holdings, and the bank's own accounts.
    """
    ids = set(ledger_account_ids)
    labels: dict[int, str] = {}
    if not ids:
        return labels
    en = language == "en"
    for account in session.scalars(
        select(DepositAccount)
        .options(joinedload(DepositAccount.member))
        .where(DepositAccount.ledger_account_id.in_(ids))
    ):
        labels[account.ledger_account_id] = f"{account.member.full_name} ({account.formatted_number})"
    remaining = ids - labels.keys()
    if remaining:
        for loan_number, *account_ids in session.execute(
            select(
                Loan.number, Loan.principal_account_id, Loan.interest_account_id, Loan.fees_account_id
            ).where(
                or_(
                    Loan.principal_account_id.in_(remaining),
                    Loan.interest_account_id.in_(remaining),
                    Loan.fees_account_id.in_(remaining),
                )
            )
        ):
            for account_id in account_ids:
                if account_id in remaining:
                    labels[account_id] = f"{'Loan' if en else 'Lening'} {loan_number}"
        remaining = ids - labels.keys()
    if remaining:
        for (account_id,) in session.execute(
            select(ShareHolding.ledger_account_id).where(ShareHolding.ledger_account_id.in_(remaining))
        ):
            labels[account_id] = "Member share capital" if en else "Ledenkapitaal"
        remaining = ids - labels.keys()
    if remaining:
        # A pool participation (2100-<pool>-<member>) reads as its pool, in the same query.
        for account_id, code, pool_name in session.execute(
            select(LedgerAccount.id, LedgerAccount.code, Pool.name)
            .outerjoin(Participation, Participation.ledger_account_id == LedgerAccount.id)
            .outerjoin(Pool, Pool.id == Participation.pool_id)
            .where(LedgerAccount.id.in_(remaining))
        ):
            main = code.split("-", 1)[0]
            if pool_name:
                labels[account_id] = pool_name
            elif main in (chart.SAVINGS_INTEREST_EXPENSE, chart.INTEREST_INCOME):
                labels[account_id] = "Wijkbank (interest)" if en else "Wijkbank (rente)"
            elif main == chart.FEE_INCOME:
                labels[account_id] = "Wijkbank (fees)" if en else "Wijkbank (kosten)"
            else:
                labels[account_id] = "Wijkbank"
    return labels


@dataclass(frozen=True)
class _RawLine:
    posting_id: int
    entry_id: int
    value_date: dt.date
    side: Side
    amount: Decimal
    kind: str
    memo: str


def _period_postings(
    session: Session, account_id: int, date_from: dt.date, date_to: dt.date
) -> list[_RawLine]:
    """The account's postings in the period in (value date, id) order: one index range scan."""
    rows = session.execute(
        select(
            Posting.id,
            Posting.entry_id,
            Posting.value_date,
            Posting.side,
            Posting.amount,
            JournalEntry.kind,
            JournalEntry.memo,
        )
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(
            Posting.account_id == account_id,
            Posting.value_date >= date_from,
            Posting.value_date <= date_to,
        )
        .order_by(Posting.value_date, Posting.id)
    ).all()
    return [_RawLine(*row) for row in rows]


def _counter_accounts(
    session: Session, entry_ids: list[int], account_id: int
) -> dict[tuple[int, Side], list[int]]:
    """The other accounts of each entry, by (entry, side): only the opposite side is a counterparty.

    A pool distribution credits every participant in one entry; reading all the entry's other
    accounts as counterparties named each member's neighbours on their statement.
    """
    counter: dict[tuple[int, Side], list[int]] = {}
    for start in range(0, len(entry_ids), 500):
        chunk = entry_ids[start : start + 500]
        for entry_id, other, side in session.execute(
            select(Posting.entry_id, Posting.account_id, Posting.side)
            .where(Posting.entry_id.in_(chunk), Posting.account_id != account_id)
            .order_by(Posting.id)
        ):
            counter.setdefault((entry_id, side), []).append(other)
    return counter


def pool_names_by_entry(session: Session, entry_ids: Iterable[int]) -> dict[int, str]:
    """The pool each distribution entry paid out of: its counterparty for a participant.

    The entry's other side is the bank's shared returns account, which cannot tell one pool
    from another; the distribution row can.
    """
    ids = set(entry_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Distribution.entry_id, Pool.name)
        .join(Pool, Pool.id == Distribution.pool_id)
        .where(Distribution.entry_id.in_(ids))
    )
    return {entry_id: name for entry_id, name in rows if entry_id is not None}


def normal_balance(session: Session, account_id: int, account_type: AccountType, as_of: dt.date) -> Decimal:
    """Balance on the account's normal side at the end of ``as_of``, summed from postings."""
    net = ledger_queries.summed_net_debit(session, [account_id], as_of)
    return ledger_rules.normal_balance(account_type.debit_normal, net)


# ---------------------------------------------------------------------------------------------
# Account statement


def account_statement(
    session: Session,
    account: DepositAccount,
    date_from: dt.date,
    date_to: dt.date,
    *,
    language: str | None = None,
    today: dt.date | None = None,
    label_cache: dict[tuple[int, str], str] | None = None,
) -> AccountStatementView:
    """The statement of a deposit account for a period (both days included).

    ``label_cache`` lets a batch (the month-end run) share counterparty names between
    statements: the bank's own accounts then cost one look-up per run, not one per statement.

    ``language`` defaults to the member's. Periods ending before they start or lying in the
    future are refused with a :class:`ValidationError` naming the field.
    """
    check_period(date_from, date_to, today=today)
    member = account.member
    language = language or (member.language if member.language in ("nl", "en") else "nl")
    ledger_account = session.get(LedgerAccount, account.ledger_account_id)
    assert ledger_account is not None
    grows_on_debit = ledger_account.type.debit_normal
    opening = normal_balance(
        session, ledger_account.id, ledger_account.type, date_from - dt.timedelta(days=1)
    )
    raw_lines = _period_postings(session, ledger_account.id, date_from, date_to)
    counter = _counter_accounts(session, sorted({line.entry_id for line in raw_lines}), ledger_account.id)
    pools = pool_names_by_entry(
        session, {line.entry_id for line in raw_lines if line.kind == POOL_DISTRIBUTION_KIND}
    )
    wanted = {i for line in raw_lines for i in counter.get((line.entry_id, line.side.opposite), ())}
    if label_cache is None:
        names = counterparty_labels(session, wanted, language)
    else:
        missing = {i for i in wanted if (i, language) not in label_cache}
        for account_id, label in counterparty_labels(session, missing, language).items():
            label_cache[(account_id, language)] = label
        names = {i: label_cache[(i, language)] for i in wanted if (i, language) in label_cache}
    running = opening
    total_in = ZERO
    total_out = ZERO
    lines = []
    for raw in raw_lines:
        money_in = (raw.side is Side.DEBIT) == grows_on_debit
        if money_in:
            running += raw.amount
            total_in += raw.amount
        else:
            running -= raw.amount
            total_out += raw.amount
        description, iban = describe(raw.kind, raw.memo, language)
        others = counter.get((raw.entry_id, raw.side.opposite), [])
        if iban:
            counterparty = _group_iban(iban)
        elif raw.entry_id in pools:
            counterparty = pools[raw.entry_id]
        else:
            counterparty = " / ".join(dict.fromkeys(names.get(i, "Wijkbank") for i in others)) or "Wijkbank"
        lines.append(
            StatementLine(
                value_date=raw.value_date,
                description=description,
                counterparty=counterparty,
                debit=None if money_in else raw.amount,
                credit=raw.amount if money_in else None,
                running_balance=running,
                entry_id=raw.entry_id,
            )
        )
    product = account.product
    return AccountStatementView(
        letterhead=LETTERHEAD,
        language=language,
        addressee=addressee_of(member),
        account_number=account.number,
        account_number_formatted=account.formatted_number,
        product_name=product.name(language),
        date_from=date_from,
        date_to=date_to,
        opening_balance=opening,
        lines=tuple(lines),
        closing_balance=running,
        total_debit=total_out,
        total_credit=total_in,
        produced_on=today or clock.today(),
    )


# ---------------------------------------------------------------------------------------------
# Loan statement

_METHOD_LABELS = {
    "annuity": ("annuïtair", "annuity"),
    "linear": ("lineair", "linear"),
    "bullet": ("aflossingsvrij", "bullet (interest only)"),
}
_FREQUENCY_LABELS = {"monthly": ("per maand", "monthly"), "quarterly": ("per kwartaal", "quarterly")}
_PURPOSE_LABELS = {
    "coop_startup": ("Start coöperatie", "Co-op startup"),
    "land_trust_purchase": ("Aankoop community land trust", "Community land trust purchase"),
    "association": ("Vereniging", "Association"),
    "housing_coop": ("Wooncoöperatie", "Housing co-op"),
    "other": ("Overig", "Other"),
}


def _label(table: dict[str, tuple[str, str]], key: str, language: str) -> str:
    pair = table.get(key)
    if pair is None:
        return key.replace("_", " ")
    return pair[1] if language == "en" else pair[0]


def purpose_label(purpose: str, language: str) -> str:
    return _label(_PURPOSE_LABELS, purpose, language)


def instalment_state(instalment: Instalment, as_of: dt.date) -> str:
    """paid / written_off / overdue (due before as_of, not fully paid) / partly_paid / open."""
    if instalment.status is InstalmentStatus.PAID or (
        instalment.total_due > 0 and instalment.total_paid >= instalment.total_due
    ):
        return "paid"
    if instalment.status is InstalmentStatus.WRITTEN_OFF:
        return "written_off"
    if instalment.due_on < as_of:
        return "overdue"
    if instalment.total_paid > 0:
        return "partly_paid"
    return "open"


def schedule_in_force(session: Session, loan: Loan) -> list[Instalment]:
    """The instalments that count: every version's rows except those superseded, by due date."""
    return list(
        session.scalars(
            select(Instalment)
            .where(Instalment.loan_id == loan.id, Instalment.status != InstalmentStatus.SUPERSEDED)
            .order_by(Instalment.due_on, Instalment.number)
        )
    )


def loan_arrears(instalments: Iterable[Instalment], as_of: dt.date) -> tuple[Decimal, int]:
    """(amount in arrears, days past due of the oldest unpaid instalment) on ``as_of``."""
    amount = ZERO
    oldest: dt.date | None = None
    for instalment in instalments:
        if instalment.status in (InstalmentStatus.SUPERSEDED, InstalmentStatus.WRITTEN_OFF):
            continue
        if instalment.due_on < as_of and instalment.outstanding > 0:
            amount += instalment.outstanding
            if oldest is None or instalment.due_on < oldest:
                oldest = instalment.due_on
    return amount, (as_of - oldest).days if oldest else 0


def loan_statement(
    session: Session,
    loan: Loan,
    as_of: dt.date,
    *,
    language: str | None = None,
    today: dt.date | None = None,
) -> LoanStatementView:
    """A loan's terms, schedule (paid/unpaid), payments, outstanding principal and arrears."""
    today = today or clock.today()
    if as_of > today:
        raise ValidationError("as_of", N_("must not lie in the future (today is %(today)s)"), today=today)
    if as_of < loan.disbursed_on:
        raise ValidationError(
            "as_of",
            N_("must not be before the disbursement on %(disbursed_on)s"),
            disbursed_on=loan.disbursed_on,
        )
    member = loan.borrower
    language = language or (member.language if member.language in ("nl", "en") else "nl")
    instalments = schedule_in_force(session, loan)
    schedule = tuple(
        ScheduleRow(
            number=i.number,
            due_on=i.due_on,
            principal_due=i.principal_due,
            interest_due=i.interest_due,
            charges_due=i.fees_due + i.penalties_due,
            total_due=i.total_due,
            total_paid=i.total_paid,
            state=instalment_state(i, as_of),
            paid_on=i.paid_on,
        )
        for i in instalments
    )
    payments = _loan_payments(session, loan, as_of, language)
    principal_account = session.get(LedgerAccount, loan.principal_account_id)
    assert principal_account is not None
    outstanding = normal_balance(session, principal_account.id, principal_account.type, as_of)
    arrears_amount, days_past_due = loan_arrears(instalments, as_of)
    product = loan.product
    return LoanStatementView(
        letterhead=LETTERHEAD,
        language=language,
        addressee=addressee_of(member),
        loan_number=loan.number,
        product_name=product.name_en if language == "en" else product.name_nl,
        purpose=purpose_label(loan.purpose.value, language),
        principal=loan.principal,
        rate_annual=loan.rate_annual,
        method=_label(_METHOD_LABELS, loan.method.value, language),
        frequency=_label(_FREQUENCY_LABELS, loan.frequency.value, language),
        term_periods=loan.term_periods,
        disbursed_on=loan.disbursed_on,
        as_of=as_of,
        schedule=schedule,
        payments=payments,
        outstanding_principal=outstanding,
        arrears_amount=arrears_amount,
        days_past_due=days_past_due,
        produced_on=today,
    )


def _loan_payments(session: Session, loan: Loan, as_of: dt.date, language: str) -> tuple[LoanPayment, ...]:
    """Entries that reduced the loan's principal, interest or charges, from the borrower's side.

    A payment is an entry that credits the loan's accounts while debiting money (the borrower's
    deposit account or the settlement account): write-offs (debit impairment) are not payments.
    """
    loan_accounts = {
        loan.principal_account_id: "principal",
        loan.interest_account_id: "interest",
        loan.fees_account_id: "charges",
    }
    impairment = session.scalar(
        select(LedgerAccount.id).where(LedgerAccount.code == chart.IMPAIRMENT_EXPENSE)
    )
    rows = session.execute(
        select(
            Posting.entry_id,
            Posting.account_id,
            Posting.amount,
            JournalEntry.value_date,
            JournalEntry.kind,
            JournalEntry.memo,
        )
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(
            Posting.account_id.in_(list(loan_accounts)),
            Posting.side == Side.CREDIT,
            Posting.value_date <= as_of,
            # A settled accrual (a prepayment lowered the period's interest) is no payment.
            JournalEntry.kind != ACCRUAL_KIND,
        )
        .order_by(Posting.value_date, Posting.entry_id)
    ).all()
    written_off: set[int] = set()
    entry_ids = sorted({row.entry_id for row in rows})
    if entry_ids and impairment is not None:
        written_off = set(
            session.scalars(
                select(Posting.entry_id).where(
                    Posting.entry_id.in_(entry_ids), Posting.account_id == impairment
                )
            )
        )
    payments: dict[int, dict[str, Any]] = {}
    for row in rows:
        if row.entry_id in written_off:
            continue
        payment = payments.setdefault(
            row.entry_id,
            {
                "value_date": row.value_date,
                "description": describe(row.kind, row.memo, language)[0],
                "principal": ZERO,
                "interest": ZERO,
                "charges": ZERO,
            },
        )
        part = loan_accounts[row.account_id]
        payment[part] = payment[part] + row.amount
    return tuple(LoanPayment(**p) for p in payments.values())


# ---------------------------------------------------------------------------------------------
# Annual statement (jaaroverzicht)


def annual_statement(
    session: Session,
    member: Member,
    year: int,
    *,
    language: str | None = None,
    today: dt.date | None = None,
) -> AnnualStatementView:
    """Balances on 1 January and 31 December, interest received and paid, shares held.

    "Balance on 1 January" is the balance at the start of that day (the end of 31 December of
    the year before), as the tax return asks. Interest received is what the savings interest
    expense account (5000) paid into the member's accounts in the year; interest paid is what
    the member paid off the loans' interest accounts, write-offs excluded.
    """
    today = today or clock.today()
    if year < 2000 or year > today.year:
        raise ValidationError("year", N_("must be between 2000 and %(year)s"), year=today.year)
    language = language or (member.language if member.language in ("nl", "en") else "nl")
    start = dt.date(year, 1, 1)
    end = dt.date(year, 12, 31)
    accounts = list(
        session.scalars(
            select(DepositAccount)
            .options(joinedload(DepositAccount.product))
            .where(DepositAccount.member_id == member.id, DepositAccount.opened_on <= end)
            .order_by(DepositAccount.number)
        )
    )
    ledger_ids = [a.ledger_account_id for a in accounts]
    start_balances = _liability_balances(session, ledger_ids, start - dt.timedelta(days=1))
    end_balances = _liability_balances(session, ledger_ids, end)
    interest = _interest_received(session, ledger_ids, start, end)
    account_rows = tuple(
        AnnualAccountRow(
            account_number_formatted=a.formatted_number,
            product_name=a.product.name(language),
            balance_start=start_balances.get(a.ledger_account_id, ZERO),
            balance_end=end_balances.get(a.ledger_account_id, ZERO),
            interest_received=interest.get(a.ledger_account_id, ZERO),
        )
        for a in accounts
    )
    loans = list(
        session.scalars(
            select(Loan).where(Loan.borrower_id == member.id, Loan.disbursed_on <= end).order_by(Loan.number)
        )
    )
    loan_rows = []
    for loan in loans:
        loan_rows.append(
            AnnualLoanRow(
                loan_number=loan.number,
                outstanding_start=-_net_credit(
                    session, [loan.principal_account_id], None, start - dt.timedelta(1)
                ),
                outstanding_end=-_net_credit(session, [loan.principal_account_id], None, end),
                interest_paid=_interest_paid(session, loan, start, end),
            )
        )
    holdings = list(
        session.scalars(
            select(ShareHolding)
            .options(joinedload(ShareHolding.share_class))
            .where(ShareHolding.member_id == member.id)
            .order_by(ShareHolding.share_class_id)
        )
    )
    holding_balances = _liability_balances(session, [h.ledger_account_id for h in holdings], end)
    share_rows = []
    for holding in holdings:
        amount = holding_balances.get(holding.ledger_account_id, ZERO)
        share_rows.append(
            AnnualShareRow(
                share_class=holding.share_class.name,
                shares=int(amount / holding.share_class.nominal_value),
                amount=amount,
            )
        )
    return AnnualStatementView(
        letterhead=LETTERHEAD,
        language=language,
        addressee=addressee_of(member),
        year=year,
        accounts=account_rows,
        loans=tuple(loan_rows),
        shares=tuple(share_rows),
        produced_on=today,
    )


def _net_credit(
    session: Session, account_ids: list[int], date_from: dt.date | None, date_to: dt.date
) -> Decimal:
    """Credits minus debits of the accounts (optionally from a date) up to ``date_to``."""
    if not account_ids:
        return ZERO
    signed = case((Posting.side == Side.CREDIT, Posting.amount), else_=-Posting.amount)
    conditions = [Posting.account_id.in_(account_ids), Posting.value_date <= date_to]
    if date_from is not None:
        conditions.append(Posting.value_date >= date_from)
    value = session.scalar(select(func.coalesce(func.sum(signed, type_=MoneyType()), 0)).where(*conditions))
    return Decimal(value or 0).quantize(Decimal("0.01"))


def _liability_balances(session: Session, account_ids: list[int], as_of: dt.date) -> dict[int, Decimal]:
    """Credit-normal balances (deposits, share capital) of many accounts on a date, one query."""
    if not account_ids:
        return {}
    signed = case((Posting.side == Side.CREDIT, Posting.amount), else_=-Posting.amount)
    rows = session.execute(
        select(Posting.account_id, func.sum(signed, type_=MoneyType()))
        .where(Posting.account_id.in_(account_ids), Posting.value_date <= as_of)
        .group_by(Posting.account_id)
    ).all()
    return {account_id: Decimal(total or 0).quantize(Decimal("0.01")) for account_id, total in rows}


def _interest_received(
    session: Session, account_ids: list[int], start: dt.date, end: dt.date
) -> dict[int, Decimal]:
    """Credits to the member's accounts in entries that debit savings interest expense (5000)."""
    if not account_ids:
        return {}
    expense = session.scalar(
        select(LedgerAccount.id).where(LedgerAccount.code == chart.SAVINGS_INTEREST_EXPENSE)
    )
    other = Posting.__table__.alias("other")
    signed = case((Posting.side == Side.CREDIT, Posting.amount), else_=-Posting.amount)
    rows = session.execute(
        select(Posting.account_id, func.sum(signed, type_=MoneyType()))
        .where(
            Posting.account_id.in_(account_ids),
            Posting.value_date >= start,
            Posting.value_date <= end,
            select(other.c.id)
            .where(and_(other.c.entry_id == Posting.entry_id, other.c.account_id == expense))
            .exists(),
        )
        .group_by(Posting.account_id)
    ).all()
    return {account_id: Decimal(total or 0).quantize(Decimal("0.01")) for account_id, total in rows}


def _interest_paid(session: Session, loan: Loan, start: dt.date, end: dt.date) -> Decimal:
    """Interest the borrower paid in the year: credits to the loan's interest account, write-offs excluded."""
    payments = _loan_payments(session, loan, end, "en")
    return sum((p.interest for p in payments if start <= p.value_date <= end), ZERO)
