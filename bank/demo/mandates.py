"""Demo step: SEPA direct-debit mandates for most borrowers, their loans collected by mandate.

Runs after the applications step (``context.loans``). Each borrower with an active loan but the
last signed a mandate a few days before the loan was paid out (one organisation a B2B mandate,
the others Core), registered by a teller from the signed form; the loan is then collected by it.
One borrower later moved their account (an amendment keeps the old IBAN), and one revoked the
mandate, so their loan is collected from its repayment account again and its page says why.
The mandates write no money: the ledger is the same as without them.
"""

from __future__ import annotations

import datetime as dt
import io
import random

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from sqlalchemy.orm import Session

from bank import clock
from bank.auth.service import actor_for
from bank.demo.context import DemoContext
from bank.demo.members import make_iban
from bank.loans.models import CollectionMethod, Loan, LoanStatus
from bank.members.models import Member, MemberKind
from bank.payments import mandates
from bank.payments.models import Mandate, MandateScheme
from config import Config

#: Borrowers (by loan order) left without a mandate: they fund their repayment account themselves.
WITHOUT_MANDATE = 1
#: The organisation key (``context.organisations``) that signs a B2B mandate.
B2B_ORGANISATION = "clt"


def _creditor_id() -> str:
    return Config.SEPA_CREDITOR_ID


def signed_form(member: Member, reference: str, iban: str, signed_on: dt.date) -> bytes:
    """A one-page PDF standing in for the scanned, signed paper form."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    lines = [
        "Doorlopende machtiging SEPA",
        "Incassant: Wijkbank, incassant-ID " + _creditor_id(),
        f"Kenmerk machtiging: {reference}",
        f"Naam: {member.full_name}",
        f"IBAN: {iban}",
        f"Datum: {signed_on.strftime('%d-%m-%Y')}   Handtekening: ____________",
    ]
    for number, line in enumerate(lines):
        page.drawString(72, 770 - 24 * number, line)
    page.showPage()
    page.save()
    return buffer.getvalue()


def load_mandates(session: Session, context: DemoContext) -> None:
    rng = random.Random(1414)
    teller = actor_for(context.users["balie@wijkbank.example"])
    upload_dir = context.upload_folder()
    b2b = context.organisations.get(B2B_ORGANISATION)
    loans = [loan for loan in context.loans if loan.status is LoanStatus.ACTIVE]
    by_borrower: dict[int, list[Loan]] = {}
    for loan in loans:
        by_borrower.setdefault(loan.borrower_id, []).append(loan)
    borrowers = list(by_borrower)[: max(len(by_borrower) - WITHOUT_MANDATE, 0)]
    made: list[tuple[Mandate, list[Loan]]] = []
    for number, borrower_id in enumerate(borrowers, start=1):
        member = session.get(Member, borrower_id)
        assert member is not None
        borrower_loans = by_borrower[borrower_id]
        signed_on = min(loan.disbursed_on for loan in borrower_loans) - dt.timedelta(days=3)
        iban = member.external_iban or make_iban(rng)
        reference = f"WB-{signed_on.year}-M{number:04d}"
        scheme = (
            MandateScheme.B2B
            if b2b is not None and member.id == b2b.id and member.kind is MemberKind.ORGANISATION
            else MandateScheme.CORE
        )
        with clock.frozen(signed_on + dt.timedelta(days=1)):
            mandate = mandates.register_mandate(
                session,
                member,
                actor=teller,
                reference=reference,
                scheme=scheme,
                signed_on=signed_on,
                debtor_name=member.full_name[: mandates.MAX_DEBTOR_NAME_LENGTH],
                iban=iban,
                bic="",
                creditor_id=_creditor_id(),
                document=mandates.Upload(
                    f"machtiging-{reference}.pdf", signed_form(member, reference, iban, signed_on)
                ),
                upload_dir=upload_dir,
                today=signed_on + dt.timedelta(days=1),
            )
        for loan in borrower_loans:
            with clock.frozen(loan.disbursed_on):
                mandates.set_collection_method(
                    session, loan, CollectionMethod.MANDATE, actor=teller, mandate=mandate
                )
        made.append((mandate, borrower_loans))
    today = clock.today()
    if len(made) >= 2:
        # The second borrower moved to another bank: the amendment keeps the old account.
        moved, _loans = made[1]
        on = max(moved.signed_on + dt.timedelta(days=60), today - dt.timedelta(days=90))
        with clock.frozen(on):
            mandates.amend_mandate(
                session,
                moved,
                actor=teller,
                on=on,
                new_iban=make_iban(rng),
                reason="Rekening overgestapt naar een andere bank (overstapservice)",
            )
    if len(made) >= 3:
        # The last borrower with a mandate revoked it by letter: the loan falls back.
        ended, _loans = made[-1]
        on = max(ended.signed_on + dt.timedelta(days=30), today - dt.timedelta(days=20))
        with clock.frozen(on):
            mandates.revoke_mandate(
                session, ended, actor=teller, on=on, reason="Lid heeft de machtiging per brief ingetrokken"
            )
    context.mandates = [mandate for mandate, _loans in made]
