"""A small bank for the portal tests, built through the real services.

Anna is a person-member with savings and member shares, and the treasurer of a co-op bakery
that has its own account and a loan (four instalments paid, later ones overdue). Bram is
another member with his own account, loan, application, stored statement and pending change:
everything the portal must never show Anna.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from loans.product_factories import fixed_fee, make_loan_product
from savings import factories
from savings.factories import deposit
from sqlalchemy.orm import Session

from bank.actor import Actor, system
from bank.applications.models import ApplicationStatus, Attachment, AttachmentKind, LoanApplication
from bank.arrears.models import ArrearsEpisode, LetterKind, ReminderLetter
from bank.ledger import chart
from bank.ledger import service as ledger
from bank.loans.models import InstalmentStatus, Loan
from bank.loans.products_models import LoanProduct
from bank.loans.service import book_loan
from bank.members import service as members
from bank.members.models import Member
from bank.payments.models import Mandate, MandateScheme
from bank.portal.models import ChangeStatus, ProfileChange
from bank.savings.models import DepositAccount
from bank.shares import service as shares
from bank.statements import service as statements
from bank.statements.models import StoredStatement

TELLER = Actor(user_id=None, label="system:test-teller", role="teller")
SETUP = system("test-setup")
IBAN = "NL91ABNA0417164300"
NEW_IBAN = "NL02ABNA0123456789"


@dataclass
class World:
    anna: Member
    anna_account: DepositAccount
    bram: Member
    bram_account: DepositAccount
    coop: Member
    coop_account: DepositAccount
    coop_loan: Loan
    bram_loan: Loan
    bram_application: LoanApplication
    bram_statement: StoredStatement
    bram_change: ProfileChange
    bram_attachment: Attachment
    bram_mandate: Mandate
    #: A reminder letter on Bram's loan (issue 16): the portal must never hand it to Anna.
    bram_letter: ReminderLetter | None = None


def collect(session: Session, loan: Loan, number: int) -> None:
    """Collect one instalment the way the repayment run books it (accrue, then take the money)."""
    instalment = next(i for i in loan.instalments if i.number == number)
    income = ledger.account_by_code(session, chart.INTEREST_INCOME)
    ledger.post(
        session,
        f"pt-accrue:{instalment.id}",
        "loan_interest_accrual",
        [
            ledger.debit(loan.interest_account_id, instalment.interest_due),
            ledger.credit(income, instalment.interest_due),
        ],
        instalment.due_on,
        SETUP,
        f"Interest {loan.number} #{number}",
    )
    ledger.post(
        session,
        f"pt-collect:{instalment.id}",
        "loan_collection",
        [
            ledger.debit(loan.repayment_account.ledger_account_id, instalment.total_scheduled),
            ledger.credit(loan.interest_account_id, instalment.interest_due),
            ledger.credit(loan.principal_account_id, instalment.principal_due),
        ],
        instalment.due_on,
        SETUP,
        f"Instalment {number} of loan {loan.number}",
    )
    instalment.interest_paid = instalment.interest_due
    instalment.principal_paid = instalment.principal_due
    instalment.status = InstalmentStatus.PAID
    instalment.paid_on = instalment.due_on
    session.flush()


def loan_product(session: Session) -> LoanProduct:
    """The co-op start-up product from € 1 000 and a year, at 6 %, without a fee."""
    return make_loan_product(
        session,
        name_en="Co-op start loan",
        amount_min=Decimal("1000.00"),
        term_min_months=12,
        rate_annual=Decimal("0.06"),
        **fixed_fee("0.00"),
    )


def build(session: Session, statement_dir: str) -> World:
    product = factories.product(session)
    share_class = factories.share_class(session)
    anna = factories.member(session, first_name="Anna", last_name="Jansen")
    bram = factories.member(session, first_name="Bram", last_name="Geheim", language="en")
    coop = factories.coop_bakery(session)
    members.add_representative(session, coop, anna, actor=SETUP, role="penningmeester")
    opened = dt.date(2026, 1, 2)
    anna_account = factories.account(session, anna, product, opened)
    bram_account = factories.account(session, bram, product, opened)
    coop_account = factories.account(session, coop, product, opened)
    deposit(session, anna_account, "1500.00", dt.date(2026, 1, 5), "Salaris")
    deposit(session, bram_account, "2500.00", dt.date(2026, 1, 6), "Bram's geheime storting")
    deposit(session, coop_account, "3000.00", dt.date(2026, 1, 6))
    shares.issue_shares(
        session, anna, 4, key="pt-shares", actor=TELLER, paid_from=anna_account, share_class=share_class,
        value_date=dt.date(2026, 1, 7),
    )  # fmt: skip
    deposit(session, anna_account, "1234.56", dt.date(2026, 9, 15))
    for month in range(1, 11):
        deposit(session, anna_account, "10.00", dt.date(2026, month, 20), f"Maand {month}")
    products = loan_product(session)
    coop_loan = book_loan(
        session,
        borrower=coop,
        product=products,
        principal=Decimal("12000.00"),
        term_periods=24,
        disbursed_on=dt.date(2026, 3, 31),
        repayment_account=coop_account,
        actor=SETUP,
        key="pt-loan-coop",
    )
    session.refresh(coop_loan)
    for number in (1, 2, 3, 4):
        collect(session, coop_loan, number)
    bram_loan = book_loan(
        session,
        borrower=bram,
        product=products,
        principal=Decimal("2000.00"),
        term_periods=12,
        disbursed_on=dt.date(2026, 5, 31),
        repayment_account=bram_account,
        actor=SETUP,
        key="pt-loan-bram",
    )
    session.refresh(bram_loan)
    application = LoanApplication(
        number="KA-2026-0099",
        status=ApplicationStatus.SUBMITTED,
        applicant_id=bram.id,
        created_by_label="bram",
        product_id=products.id,
        amount=Decimal("5000.00"),
        term_months=24,
    )
    session.add(application)
    session.flush()
    attachment = Attachment(
        application_id=application.id,
        kind=next(iter(AttachmentKind)),
        original_name="begroting-bram.pdf",
        stored_name="0" * 64,
        content_type="application/pdf",
        size_bytes=5,
        sha256="0" * 64,
        uploaded_by_label="bram",
    )
    session.add(attachment)
    session.flush()
    statement, _created = statements.store_monthly_statement(
        session, bram_account, dt.date(2026, 1, 31), actor=SETUP, statement_dir=statement_dir
    )
    change = ProfileChange(
        member_id=bram.id,
        field="external_iban",
        old_value=IBAN,
        new_value=NEW_IBAN,
        status=ChangeStatus.PENDING,
        requested_by_id=_any_user_id(session),
    )
    session.add(change)
    mandate = Mandate(
        member_id=bram.id,
        reference="WB-BRAM-GEHEIM",
        scheme=MandateScheme.CORE,
        signed_on=dt.date(2026, 5, 20),
        debtor_name="B. Geheim",
        iban=IBAN,
        bic="ABNANL2A",
        creditor_id="NL69ZZZ123456780000",
        created_by_label="system:test-setup",
    )
    session.add(mandate)
    session.flush()
    episode = ArrearsEpisode(
        loan_id=bram_loan.id, started_on=dt.date(2026, 6, 30), opened_on=dt.date(2026, 7, 1)
    )
    session.add(episode)
    session.flush()
    letter = ReminderLetter(
        loan_id=bram_loan.id,
        episode_id=episode.id,
        kind=LetterKind.REMINDER,
        step_days=5,
        sent_on=dt.date(2026, 7, 5),
        days_past_due=5,
        amount_overdue=Decimal("172.13"),
        pay_by=dt.date(2026, 7, 13),
        language="en",
        pdf=b"%PDF-1.4 Bram Geheim",
    )
    session.add(letter)
    session.flush()
    return World(
        anna, anna_account, bram, bram_account, coop, coop_account, coop_loan, bram_loan, application,
        statement, change, attachment, mandate, letter,
    )  # fmt: skip


def _any_user_id(session: Session) -> int:
    from bank.auth import service as auth_service

    user = auth_service.create_user(
        session, email="bram.login@example.org", name="Bram", role="member", password=None, actor=SETUP
    )
    return user.id
