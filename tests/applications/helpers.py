"""A small bank for the application, committee and disbursement tests.

Loan products are made as rows (the product service belongs to another issue); members,
accounts and staff go through their services like the staff would.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from loans.product_factories import fixed_fee, make_loan_product
from sqlalchemy.orm import Session

from bank.actor import Actor, system
from bank.applications import service as applications
from bank.applications.models import LoanApplication
from bank.auth import service as auth_service
from bank.auth.models import User
from bank.committee import service as committee
from bank.committee.models import Meeting
from bank.loans.products_models import LoanProduct, LoanPurpose
from bank.loans.schedule import Frequency, Method
from bank.members import service as members
from bank.members.models import Member
from bank.savings import service as savings
from bank.savings.models import DepositAccount

SETUP = system("test-setup")
TODAY = dt.date(2026, 3, 2)
NOTARY_IBAN = "NL91ABNA0417164300"


def actor_of(user: User) -> Actor:
    return Actor(user_id=user.id, label=user.email, role=user.role, member_id=user.member_id)


def coop_product(session: Session) -> LoanProduct:
    """The co-op start-up product at 6 % with a € 150 fee."""
    return make_loan_product(
        session, name_en="Co-op start loan", rate_annual=Decimal("0.06"), **fixed_fee("150.00")
    )


def land_product(session: Session) -> LoanProduct:
    """A land trust's purchase: € 50 000–500 000 over 5–30 years at 4 %, linear, quarterly, 0.5 % fee."""
    return make_loan_product(
        session,
        "CLT-BUY",
        name_nl="Grondaankoop CLT",
        name_en="Land trust purchase",
        purpose=LoanPurpose.LAND_TRUST_PURCHASE,
        amount_min=Decimal("50000.00"),
        amount_max=Decimal("500000.00"),
        term_min_months=60,
        term_max_months=360,
        rate_annual=Decimal("0.04"),
        method=Method.LINEAR,
        frequency=Frequency.QUARTERLY,
        max_grace_periods=4,
        arrangement_fee_rate=Decimal("0.005"),
        late_fee=Decimal("25.00"),
    )


@dataclass
class World:
    coop_product: LoanProduct
    land_product: LoanProduct
    bakery: Member
    bakery_account: DepositAccount
    anna: Member
    anna_account: DepositAccount
    anna_user: User
    clt: Member
    clt_account: DepositAccount
    bram: Member
    bram_user: User
    officer: User
    officer2: User
    teller: User
    admin: User
    committee_users: list[User]

    @property
    def officer_actor(self) -> Actor:
        return actor_of(self.officer)

    @property
    def anna_actor(self) -> Actor:
        return actor_of(self.anna_user)

    def c(self, index: int) -> Actor:
        return actor_of(self.committee_users[index])


_counter = {"n": 0}


def build_world(session: Session, make_user: Callable[..., User]) -> World:
    _counter["n"] += 1
    n = _counter["n"]
    savings_product = savings.create_product(
        session,
        code=f"WIJK{n}",
        name_nl="Wijkspaarrekening",
        name_en="Neighbourhood savings",
        rate_annual=Decimal("0.01"),
        effective_from=dt.date(2025, 1, 1),
        actor=SETUP,
    )
    bakery = members.register_organisation(
        session,
        actor=SETUP,
        legal_name="Bakkerij De Korenschoof coöperatie U.A.",
        legal_form="cooperative",
        kvk_number=f"1234{n:04d}",
        street="Javastraat",
        house_number="12",
        postcode="1094 HB",
        city="Amsterdam",
        activity="co-op bakery",
        email=f"bakkerij{n}@example.org",
    )
    anna = members.register_person(
        session,
        actor=SETUP,
        first_name="Anna",
        last_name="de Wit",
        date_of_birth=dt.date(1985, 4, 1),
        street="Javastraat",
        house_number="14",
        postcode="1094 HB",
        city="Amsterdam",
        email=f"anna{n}@example.org",
        language="en",
    )
    members.add_representative(
        session, bakery, anna, actor=SETUP, role="voorzitter", since=dt.date(2025, 1, 1)
    )
    clt = members.register_organisation(
        session,
        actor=SETUP,
        legal_name="Stichting Grondgemeenschap Oost",
        legal_form="foundation",
        kvk_number=f"8765{n:04d}",
        street="Dapperstraat",
        house_number="1",
        postcode="1093 BS",
        city="Amsterdam",
        activity="community land trust",
        email=f"clt{n}@example.org",
    )
    bram = members.register_person(
        session,
        actor=SETUP,
        first_name="Bram",
        last_name="Visser",
        date_of_birth=dt.date(1979, 6, 9),
        street="Dapperstraat",
        house_number="3",
        postcode="1093 BS",
        city="Amsterdam",
        email=f"bram{n}@example.org",
    )
    opened = dt.date(2025, 6, 1)
    world = World(
        coop_product=coop_product(session),
        land_product=land_product(session),
        bakery=bakery,
        bakery_account=savings.open_account(session, bakery, savings_product, actor=SETUP, opened_on=opened),
        anna=anna,
        anna_account=savings.open_account(session, anna, savings_product, actor=SETUP, opened_on=opened),
        anna_user=None,  # type: ignore[arg-type]
        clt=clt,
        clt_account=savings.open_account(session, clt, savings_product, actor=SETUP, opened_on=opened),
        bram=bram,
        bram_user=None,  # type: ignore[arg-type]
        officer=None,  # type: ignore[arg-type]
        officer2=None,  # type: ignore[arg-type]
        teller=None,  # type: ignore[arg-type]
        admin=None,  # type: ignore[arg-type]
        committee_users=[],
    )
    # Users without a password: argon2 hashing costs a second per user on a busy machine; the page
    # tests log in through their own users.
    world.anna_user = user(session, "member", member_id=anna.id, name="Anna de Wit")
    world.bram_user = user(session, "member", member_id=bram.id, name="Bram Visser")
    world.officer = user(session, "credit_officer", name="Fatma Yilmaz")
    world.officer2 = user(session, "credit_officer", name="Daan Visser")
    world.teller = user(session, "teller", name="Samira El Amrani")
    world.admin = user(session, "admin", name="Anouk de Vries")
    world.committee_users = [
        user(session, "committee", name=name)
        for name in ("Marleen Smit", "Kwame Mensah", "Els van Dijk", "Ruben Mulder")
    ]
    session.commit()
    return world


def user(session: Session, role: str, *, name: str, member_id: int | None = None) -> User:
    _counter["users"] = _counter.get("users", 0) + 1
    return auth_service.create_user(
        session,
        email=f"{role}{_counter['users']}@test.example",
        name=name,
        role=role,
        password=None,
        actor=SETUP,
        member_id=member_id,
    )


def coop_data(world: World, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "amount": "30000.00",
        "term_months": "60",
        "purpose_text": "A second oven and a delivery bike so we can supply two schools.",
        "own_contribution": "5000.00",
        "repayment_account_id": str(world.bakery_account.id),
        "cost_lines": [("Deck oven", "22000.00"), ("Cargo bike", "6000.00"), ("Working capital", "7000.00")],
        "worker_members": "4",
        "expected_monthly_revenue": "9500.00",
        "expected_monthly_costs": "7400.00",
    }
    data.update(overrides)
    return data


def land_data(world: World, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "amount": "240000.00",
        "term_months": "240",
        "purpose_text": "Buying the plot behind the Dapperstraat for six permanently affordable homes.",
        "own_contribution": "60000.00",
        "repayment_account_id": str(world.clt_account.id),
        "cost_lines": [("Purchase price", "295000.00"), ("Notary and transfer costs", "5000.00")],
        "property_address": "Dapperstraat 5, 1093 BS Amsterdam",
        "cadastral_reference": "ASD04 K 1234",
        "purchase_price": "295000.00",
        "appraisal_value": "320000.00",
        "own_funds": "60000.00",
        "notary_iban": NOTARY_IBAN,
        "notary_name": "Notariskantoor Oost",
    }
    data.update(overrides)
    return data


def submitted_coop(session: Session, world: World, **overrides: Any) -> LoanApplication:
    application = applications.create_draft(
        session,
        applicant=world.bakery,
        product=world.coop_product,
        actor=world.anna_actor,
        data=coop_data(world, **overrides),
    )
    applications.submit(session, application, actor=world.anna_actor)
    return application


def reviewed(
    session: Session, application: LoanApplication, world: World, **overrides: Any
) -> LoanApplication:
    officer = world.officer_actor
    applications.take_for_review(session, application, actor=officer)
    data: dict[str, Any] = {
        "checklist": {
            item: True
            for item in ("identity_verified", "kvk_extract", "statutes", "financials", "appraisal", "deed")
        },
        "risk_grade": "B",
        "recommended_amount": str(application.amount),
        "recommended_term_months": str(application.term_months),
        "recommended_rate_annual": "6",
        "proposed_conditions": "Statutes registered",
        "review_notes": "Solid plan, two school contracts signed.",
    }
    data.update(overrides)
    applications.save_review(session, application, data, actor=officer)
    return application


def meeting(session: Session, world: World, held_on: dt.date | None = None, chair: int = 0) -> Meeting:
    return committee.create_meeting(
        session,
        held_on=held_on or TODAY + dt.timedelta(days=7),
        chair=world.committee_users[chair],
        actor=world.officer_actor,
        location="Buurthuis De Meeuw",
    )


def on_agenda(session: Session, world: World, application: LoanApplication, chair: int = 0) -> Meeting:
    m = meeting(session, world, chair=chair)
    committee.place_on_agenda(session, application, m, actor=world.officer_actor)
    return m


def vote(
    session: Session, application: LoanApplication, world: World, index: int, choice: str, comment: str = ""
) -> None:
    committee.declare(session, application, actor=world.c(index), has_conflict=False)
    committee.cast_vote(
        session,
        application,
        actor=world.c(index),
        choice=choice,
        comment=comment or ("not convinced" if choice == "reject" else ""),
    )


# --- files ------------------------------------------------------------------------------------


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def jpeg_bytes() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40


def xlsx_bytes(macro: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        kind = (
            "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
            if macro
            else ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")
        )
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{kind}"/></Types>',
        )
        archive.writestr("xl/workbook.xml", "<workbook/>")
        if macro:
            archive.writestr("xl/vbaProject.bin", b"\x00" * 10)
    return buffer.getvalue()


def ods_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()
