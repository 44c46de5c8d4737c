"""Booking a loan: the one place where a loan, its ledger accounts and its schedule are born.

``book_loan`` is called through ``bank.lending.disbursement.book_funded_loan`` (the
disbursement approval, the demo, tests), which then lets a pool fund the loan: loans know no
pools. It copies the product version's terms onto the loan, opens the loan's three ledger child
accounts, stores schedule version 1 from the engine and posts the disbursement and the
arrangement fee, all in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bank import audit, clock
from bank.actor import Actor
from bank.compliance import gate
from bank.errors import N_, Message, ValidationError
from bank.ledger import chart
from bank.ledger.service import account_by_code, credit, debit, open_child_account, post
from bank.loans import accrual
from bank.loans.models import Instalment, InstalmentStatus, Loan, LoanStatus, ScheduleVersion
from bank.loans.products_models import LoanProduct
from bank.loans.schedule import Schedule, ScheduleTerms, build_schedule
from bank.members.models import Member
from bank.money import money
from bank.payment_orders import service as payment_orders
from bank.payment_orders.models import OrderSource
from bank.savings.models import DepositAccount, DepositAccountStatus


def terms_for(
    product: LoanProduct,
    *,
    principal: Decimal,
    term_periods: int,
    disbursed_on: dt.date,
    grace_periods: int = 0,
    first_due_on: dt.date | None = None,
    rate_annual: Decimal | None = None,
) -> ScheduleTerms:
    """Schedule terms for a loan on ``product``, checked against the product's bounds.

    ``rate_annual`` may differ from the product's (the committee can set the rate); the bounds of
    amount, term and grace are the product's and a breach names the field and the bound.
    """
    errors: dict[str, str] = {}
    if not product.amount_min <= principal <= product.amount_max:
        errors["principal"] = Message(
            N_("must be between %(amount_min)s and %(amount_max)s for %(code)s"),
            amount_min=product.amount_min,
            amount_max=product.amount_max,
            code=product.code,
        )
    term_months = term_periods * product.frequency.months
    if not product.term_min_months <= term_months <= product.term_max_months:
        errors["term"] = Message(
            N_("must be between %(term_min_months)s and %(term_max_months)s months for %(code)s"),
            term_min_months=product.term_min_months,
            term_max_months=product.term_max_months,
            code=product.code,
        )
    if grace_periods > product.max_grace_periods:
        errors["grace_principal"] = Message(
            N_("must be at most %(max_grace_periods)s periods for %(code)s"),
            max_grace_periods=product.max_grace_periods,
            code=product.code,
        )
    if errors:
        raise ValidationError(errors)
    return ScheduleTerms(
        principal=money(principal),
        rate_annual=product.rate_annual if rate_annual is None else rate_annual,
        term=term_periods,
        method=product.method,
        frequency=product.frequency,
        disbursed_on=disbursed_on,
        first_due_on=first_due_on,
        grace_principal=grace_periods,
        instalment_multiple=product.instalment_multiple,
        day_count=product.day_count,
        fees=product.arrangement_fee(money(principal)),
    )


def _next_loan_number(session: Session, year: int) -> str:
    prefix = f"WL-{year}-"
    count = session.scalar(select(func.count()).select_from(Loan).where(Loan.number.like(f"{prefix}%"))) or 0
    return f"{prefix}{count + 1:04d}"


def book_loan(
    session: Session,
    *,
    borrower: Member,
    product: LoanProduct,
    principal: Decimal,
    term_periods: int,
    disbursed_on: dt.date,
    repayment_account: DepositAccount,
    actor: Actor,
    key: str,
    grace_periods: int = 0,
    first_due_on: dt.date | None = None,
    rate_annual: Decimal | None = None,
    paid_to_iban: str | None = None,
    paid_to_name: str | None = None,
) -> Loan:
    """Create and disburse a loan; idempotent on ``key`` (a second call returns the same loan).

    Disbursement: Dr the loan's principal account / Cr the borrower's deposit account, or
    Cr the settlement account when paid to a third party (a notary) whose IBAN and name are
    recorded. The arrangement fee: Dr the borrower's deposit account / Cr fee income.
    """
    ledger_key = f"disburse:{key}"
    existing = session.scalar(
        select(Loan)
        .join(ScheduleVersion, ScheduleVersion.loan_id == Loan.id)
        .where(ScheduleVersion.note == ledger_key)
    )
    if existing is not None:
        return existing
    if repayment_account.member_id != borrower.id:
        raise ValidationError("repayment_account", N_("must belong to the borrower"))
    gate.require_clear(session, borrower.id, gate.Purpose.DISBURSE, field="borrower")
    if repayment_account.status is not DepositAccountStatus.OPEN:
        raise ValidationError("repayment_account", N_("must be open"))
    if (paid_to_iban is None) != (paid_to_name is None):
        raise ValidationError("paid_to_name", N_("a third-party payment needs both the IBAN and the name"))
    terms = terms_for(
        product,
        principal=principal,
        term_periods=term_periods,
        disbursed_on=disbursed_on,
        grace_periods=grace_periods,
        first_due_on=first_due_on,
        rate_annual=rate_annual,
    )
    schedule = build_schedule(terms)
    number = _next_loan_number(session, disbursed_on.year)
    principal_account = open_child_account(session, chart.LOAN_PRINCIPAL, number, f"Principal {number}")
    interest_account = open_child_account(session, chart.INTEREST_RECEIVABLE, number, f"Interest {number}")
    fees_account = open_child_account(session, chart.FEES_RECEIVABLE, number, f"Fees and penalties {number}")
    loan = Loan(
        number=number,
        status=LoanStatus.ACTIVE,
        borrower_id=borrower.id,
        product_id=product.id,
        purpose=product.purpose,
        principal=terms.principal,
        rate_annual=terms.rate_annual,
        method=terms.method,
        frequency=terms.frequency,
        term_periods=terms.term,
        grace_periods=terms.grace_principal,
        instalment_multiple=terms.instalment_multiple,
        day_count=terms.day_count,
        arrangement_fee=terms.fees,
        late_fee=product.late_fee,
        penalty_rate_annual=product.penalty_rate_annual,
        tolerance_days=product.tolerance_days,
        allocation_order=product.allocation_order,
        disbursed_on=disbursed_on,
        first_due_on=schedule.instalments[0].due_on,
        repayment_account_id=repayment_account.id,
        principal_account_id=principal_account.id,
        interest_account_id=interest_account.id,
        fees_account_id=fees_account.id,
        paid_to_iban=paid_to_iban,
        paid_to_name=paid_to_name,
        schedule_version=1,
    )
    session.add(loan)
    session.flush()
    store_schedule(session, loan, schedule, version=1, reason="disbursement", note=ledger_key, actor=actor)
    memo = f"Disbursement of loan {number}" + (f" to {paid_to_name} ({paid_to_iban})" if paid_to_iban else "")
    if paid_to_iban and paid_to_name:
        # Paid to a third party (the notary) by SEPA transfer: a payment order, Dr principal /
        # Cr 1090 payments in transit, which the statement clears against 1000.
        payment_orders.order_payment(
            session,
            key=ledger_key,
            kind="loan_disbursement",
            source=OrderSource.DISBURSEMENT,
            paying_account_id=principal_account.id,
            amount=terms.principal,
            creditor_name=paid_to_name[:70],
            iban=paid_to_iban,
            remittance=f"Wijkbank lening {number}",
            execution_on=max(disbursed_on, clock.today()),
            actor=actor,
            memo=memo,
            member=borrower,
            value_date=disbursed_on,
        )
    else:
        post(
            session,
            ledger_key,
            "loan_disbursement",
            [
                debit(principal_account, terms.principal),
                credit(repayment_account.ledger_account_id, terms.principal),
            ],
            disbursed_on,
            actor,
            memo,
        )
    if terms.fees > 0:
        post(
            session,
            f"arrangement-fee:{key}",
            "loan_fee",
            [
                debit(repayment_account.ledger_account_id, terms.fees),
                credit(account_by_code(session, chart.FEE_INCOME).id, terms.fees),
            ],
            disbursed_on,
            actor,
            f"Arrangement fee of loan {number}",
        )
    audit.record(
        session,
        actor,
        "loan.disburse",
        "loan",
        loan.id,
        after={
            "number": number,
            "principal": terms.principal,
            "borrower": borrower.id,
            "product": product.code,
        },
    )
    return loan


def store_schedule(
    session: Session,
    loan: Loan,
    schedule: Schedule,
    *,
    version: int,
    reason: str,
    actor: Actor,
    note: str = "",
    number_offset: int = 0,
) -> ScheduleVersion:
    """Store a schedule version's instalments (numbers continue after ``number_offset``)."""
    row = ScheduleVersion(
        loan_id=loan.id,
        version=version,
        reason=reason,
        effective_from=schedule.instalments[0].due_on,
        note=note,
        created_by_id=actor.user_id,
    )
    session.add(row)
    session.add_all(
        Instalment(
            loan_id=loan.id,
            schedule_version=version,
            number=number_offset + item.number,
            due_on=item.due_on,
            principal_due=item.principal,
            interest_due=item.interest,
            balance_after=item.balance_after,
            status=InstalmentStatus.OPEN,
        )
        for item in schedule.instalments
    )
    session.flush()
    if version > 1:
        first_new = session.scalar(
            select(Instalment)
            .where(Instalment.loan_id == loan.id, Instalment.schedule_version == version)
            .order_by(Instalment.number)
            .limit(1)
        )
        assert first_new is not None
        # What accrued on the replaced running instalment now belongs to the new one.
        accrual.carry_to_new_schedule(session, loan, first_new)
    return row


def replace_schedule(
    session: Session,
    loan: Loan,
    replaced: Sequence[Instalment],
    schedule: Schedule,
    *,
    reason: str,
    actor: Actor,
    note: str = "",
) -> tuple[ScheduleVersion, list[Instalment]]:
    """Supersede the open instalments ``replaced`` with ``schedule`` as the loan's next version.

    The one way a running loan gets a new schedule (a prepayment, forbearance): the new
    instalments continue the numbering and keep the due dates of those they replace (the engine
    re-anchors on the first one; month-end clipping could move a 31st to a 30th). The caller
    then sets the running period's accrual right (``accrual.settle``).
    """
    for item in replaced:
        item.status = InstalmentStatus.SUPERSEDED
    version = loan.schedule_version + 1
    row = store_schedule(
        session,
        loan,
        schedule,
        version=version,
        reason=reason,
        actor=actor,
        note=note,
        number_offset=replaced[0].number - 1,
    )
    new_items = list(
        session.scalars(
            select(Instalment)
            .where(Instalment.loan_id == loan.id, Instalment.schedule_version == version)
            .order_by(Instalment.number)
        )
    )
    for new_item, old_item in zip(new_items, replaced, strict=False):
        new_item.due_on = old_item.due_on
    loan.schedule_version = version
    session.flush()
    return row, new_items


def interest_only_ahead(loan: Loan, future: Sequence[Instalment]) -> int:
    """How many of the instalments still to come, from the first, repay no principal.

    What is left of the loan's grace period or of a payment holiday (forbearance): a rebuilt
    schedule keeps them interest only. The last instalment always repays, so it never counts.
    """
    count = 0
    for item in future[:-1]:
        if item.principal_due > 0:
            break
        count += 1
    return count
