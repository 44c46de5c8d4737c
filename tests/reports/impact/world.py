"""A small neighbourhood bank for the impact report, every figure chosen so the report can be checked by hand.

Loans are booked through ``book_loan`` before any pool exists (so no pool funds them on its own),
then the pools, participations, fundings, distributions and the loss are written as their rows
and ledger entries, the way the pools package records them. Money always moves through
``ledger.post``.

Period checked: 2026-01-01 to 2026-09-30 (today is 2026-11-28).

* Seed capital 100 000.00 (Dr 1000 / Cr 3100 on 2026-01-02).
* Grondfonds (land trusts): buffer 20 000.00; Anna 3 000.00 (03-01), Bram 1 000.00 (03-10);
  funds 4 000.00 of the land-trust loan.
* Coöp Startfonds: buffer 2 500.00; Bram 2 000.00 (05-01), Anna 1 000.00 (10-15, after the period);
  funds 4 000.00 of the 8 000.00 bike-shop loan, written off on 07-15 with 40.00 accrued interest:
  write-off 8 040.00; the pool's loss 4 000.00 = buffer 2 500.00 + Bram 1 500.00; bank 4 040.00.
* Land-trust loan 100 000.00 to the CLT (1093) on 02-15, first quarterly instalment (2 500.00
  principal) collected: 97 500.00 outstanding. Expected 6 homes, 850 m², 0/1 jobs; yearly report
  2026 (reported 09-01): 6 homes, 900 m², 1 job created.
* Co-op loan 20 000.00 to the bakery (1094) on 04-01: expected 4 jobs created, 2 kept; yearly
  report 2026 recorded on 10-10 (after the period): 5 created, 3 kept.
* Bike-shop loan 8 000.00 to Bram (1094) on 2025-06-01, written off 2026-07-15; nothing reported.
* Distributions of Grondfonds: Q2 37.50 (Anna 28.13, Bram 9.37), Q3 41.20 (Anna 30.90, Bram
  10.30); of Startfonds Q4 2025 5.00 (outside the period).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

from applications.helpers import coop_product, land_product
from savings import factories
from savings.factories import deposit
from sqlalchemy.orm import Session
from statements.world import collect_instalment

from bank.actor import Actor, system
from bank.ledger import chart
from bank.ledger import service as ledger
from bank.loans import impact
from bank.loans.models import Loan, LoanStatus
from bank.loans.service import book_loan
from bank.members import service as members
from bank.members.models import Member
from bank.pools.models import (
    Distribution,
    DistributionShare,
    LoanFunding,
    Loss,
    LossShare,
    Participation,
    Pool,
)
from bank.savings.models import DepositAccount
from bank.shares import service as shares

SETUP = system("test-setup")
OFFICER = Actor(user_id=None, label="system:test-officer", role="credit_officer")
TODAY = dt.date(2026, 11, 28)
PERIOD = (dt.date(2026, 1, 1), dt.date(2026, 9, 30))
_serial = itertools.count(1)


@dataclass
class World:
    anna: Member
    bram: Member
    bakery: Member
    clt: Member
    land_loan: Loan
    coop_loan: Loan
    bike_loan: Loan
    grondfonds: Pool
    startfonds: Pool
    participations: dict[str, Participation]


def organisation(session: Session, name: str, postcode: str, kvk: str) -> Member:
    return members.register_organisation(
        session,
        actor=SETUP,
        legal_name=name,
        legal_form="cooperative",
        kvk_number=kvk,
        street="Javastraat",
        house_number=str(next(_serial)),
        postcode=postcode,
        city="Amsterdam",
        activity="test",
    )


def _pool(session: Session, code: str, name: str, purpose: str, buffer: str) -> Pool:
    pool = Pool(
        code=code,
        name=name,
        purposes=[purpose],
        minimum_participation=Decimal("50.00"),
        notice_months=3,
        margin_share=Decimal("0.25"),
        target_return_annual=Decimal("0.03"),
        first_loss_buffer=Decimal(buffer),
        created_at=dt.datetime(2026, 1, 2, 9, 0, tzinfo=dt.UTC),
    )
    session.add(pool)
    session.flush()
    return pool


def _subscribe(
    session: Session,
    pool: Pool,
    member: Member,
    account: DepositAccount,
    amount: str,
    on: dt.date,
    participation: Participation | None = None,
) -> Participation:
    if participation is None:
        child = ledger.open_child_account(
            session, chart.POOL_PARTICIPATIONS, f"{pool.code}-{member.number}", f"{pool.name} {member.number}"
        )
        participation = Participation(
            pool_id=pool.id,
            member_id=member.id,
            deposit_account_id=account.id,
            ledger_account_id=child.id,
            opened_on=on,
        )
        session.add(participation)
        session.flush()
    ledger.post(
        session,
        f"impact-test-subscribe:{next(_serial)}",
        "pool_subscription",
        [
            ledger.debit(account.ledger_account_id, Decimal(amount)),
            ledger.credit(participation.ledger_account_id, Decimal(amount)),
        ],
        on,
        SETUP,
        f"Participation {pool.code}",
    )
    return participation


def _distribution(
    session: Session, pool: Pool, start: dt.date, end: dt.date, shares_: list[tuple[Participation, str]]
) -> Distribution:
    amount = sum((Decimal(a) for _p, a in shares_), Decimal("0.00"))
    distribution = Distribution(
        pool_id=pool.id,
        quarter_start=start,
        quarter_end=end,
        interest_collected=amount * 4 / 3,
        margin_amount=amount / 3,
        amount_distributed=amount,
        participant_count=len(shares_),
        distributed_on=end + dt.timedelta(days=1),
    )
    distribution.interest_collected = (amount * 4 / 3).quantize(Decimal("0.01"))
    distribution.margin_amount = distribution.interest_collected - amount
    session.add(distribution)
    session.flush()
    for participation, share in shares_:
        session.add(
            DistributionShare(
                distribution_id=distribution.id,
                participation_id=participation.id,
                weight_cent_days=1,
                amount=Decimal(share),
            )
        )
    session.flush()
    return distribution


def build(session: Session) -> World:
    product = factories.product(session, rate="0.01")
    opened = dt.date(2025, 5, 1)
    anna = factories.member(session, last_name="Anna", postcode="1093 BS")
    bram = factories.member(session, last_name="Bram", postcode="1094 AB")
    bakery = organisation(session, "Bakkerij De Korenschoof coöperatie U.A.", "1094 HB", "12345678")
    clt = organisation(session, "Stichting Grondgemeenschap Oost", "1093 BS", "87654321")
    accounts = {m.id: factories.account(session, m, product, opened) for m in (anna, bram, bakery, clt)}
    deposit(session, accounts[anna.id], "5000.00", dt.date(2025, 5, 2))
    deposit(session, accounts[bram.id], "4000.00", dt.date(2025, 5, 2))
    deposit(session, accounts[clt.id], "5000.00", dt.date(2025, 5, 2))
    deposit(session, accounts[bakery.id], "1000.00", dt.date(2025, 5, 2))
    shares.receive_seed_capital(
        session, Decimal("100000.00"), key="impact-test-seed", actor=SETUP, value_date=dt.date(2026, 1, 2)
    )
    coop = coop_product(session)
    land = land_product(session)

    bike_loan = book_loan(
        session,
        borrower=bram,
        product=coop,
        principal=Decimal("8000.00"),
        term_periods=24,
        disbursed_on=dt.date(2025, 6, 1),
        repayment_account=accounts[bram.id],
        actor=SETUP,
        key="impact-bike",
    )
    land_loan = book_loan(
        session,
        borrower=clt,
        product=land,
        principal=Decimal("100000.00"),
        term_periods=40,
        disbursed_on=dt.date(2026, 2, 15),
        repayment_account=accounts[clt.id],
        actor=SETUP,
        key="impact-land",
    )
    coop_loan = book_loan(
        session,
        borrower=bakery,
        product=coop,
        principal=Decimal("20000.00"),
        term_periods=36,
        disbursed_on=dt.date(2026, 4, 1),
        repayment_account=accounts[bakery.id],
        actor=SETUP,
        key="impact-coop",
    )
    session.refresh(land_loan)
    assert land_loan.instalments[0].principal_due == Decimal("2500.00")
    collect_instalment(session, land_loan, 1, land_loan.instalments[0].due_on)

    # Expected and reported impact.
    impact.record_application_figures(
        session,
        land_loan,
        SimpleNamespace(
            jobs_created_expected=0, jobs_kept_expected=1, homes_expected=6, land_area_m2=850, number="KA-T-1"
        ),
        actor=SETUP,
    )
    impact.record_application_figures(
        session,
        coop_loan,
        SimpleNamespace(
            jobs_created_expected=4,
            jobs_kept_expected=2,
            homes_expected=None,
            land_area_m2=None,
            number="KA-T-2",
        ),
        actor=SETUP,
    )
    impact.record_annual_report(
        session,
        land_loan,
        year=2026,
        jobs_created=1,
        jobs_kept=0,
        homes_secured=6,
        land_area_m2=900,
        notes="Six homes let to members",
        actor=OFFICER,
        on=dt.date(2026, 9, 1),
    )
    impact.record_annual_report(
        session,
        coop_loan,
        year=2026,
        jobs_created=5,
        jobs_kept=3,
        homes_secured=0,
        land_area_m2=0,
        actor=OFFICER,
        on=dt.date(2026, 10, 10),
    )

    # Pools, participations and fundings.
    grondfonds = _pool(session, "GRONDFONDS", "Grondfonds", "land_trust_purchase", "20000.00")
    startfonds = _pool(session, "STARTFONDS", "Coöp Startfonds", "coop_startup", "2500.00")
    parts = {
        "anna_gf": _subscribe(session, grondfonds, anna, accounts[anna.id], "3000.00", dt.date(2026, 3, 1)),
        "bram_gf": _subscribe(session, grondfonds, bram, accounts[bram.id], "1000.00", dt.date(2026, 3, 10)),
        "bram_sf": _subscribe(session, startfonds, bram, accounts[bram.id], "2000.00", dt.date(2026, 5, 1)),
        "anna_sf": _subscribe(session, startfonds, anna, accounts[anna.id], "1000.00", dt.date(2026, 10, 15)),
    }
    session.add_all(
        [
            LoanFunding(
                pool_id=grondfonds.id,
                loan_id=land_loan.id,
                amount_funded=Decimal("4000.00"),
                loan_principal=land_loan.principal,
                funded_on=land_loan.disbursed_on,
            ),
            LoanFunding(
                pool_id=startfonds.id,
                loan_id=bike_loan.id,
                amount_funded=Decimal("4000.00"),
                loan_principal=bike_loan.principal,
                funded_on=bike_loan.disbursed_on,
            ),
        ]
    )
    session.flush()

    # Returns.
    _distribution(
        session,
        grondfonds,
        dt.date(2026, 4, 1),
        dt.date(2026, 6, 30),
        [(parts["anna_gf"], "28.13"), (parts["bram_gf"], "9.37")],
    )
    _distribution(
        session,
        grondfonds,
        dt.date(2026, 7, 1),
        dt.date(2026, 9, 30),
        [(parts["anna_gf"], "30.90"), (parts["bram_gf"], "10.30")],
    )
    _distribution(
        session, startfonds, dt.date(2025, 10, 1), dt.date(2025, 12, 31), [(parts["bram_sf"], "5.00")]
    )

    # The bike shop's write-off and the pool's loss.
    written_off_on = dt.date(2026, 7, 15)
    income = ledger.account_by_code(session, chart.INTEREST_INCOME)
    impairment = ledger.account_by_code(session, chart.IMPAIRMENT_EXPENSE)
    seed = ledger.account_by_code(session, chart.SEED_CAPITAL)
    ledger.post(
        session,
        "impact-test-accrual",
        "interest_accrual",
        [
            ledger.debit(bike_loan.interest_account_id, Decimal("40.00")),
            ledger.credit(income, Decimal("40.00")),
        ],
        dt.date(2026, 7, 1),
        SETUP,
    )
    ledger.post(
        session,
        f"writeoff:{bike_loan.id}",
        "loan_write_off",
        [
            ledger.debit(impairment, Decimal("8040.00")),
            ledger.credit(bike_loan.principal_account_id, Decimal("8000.00")),
            ledger.credit(bike_loan.interest_account_id, Decimal("40.00")),
        ],
        written_off_on,
        SETUP,
    )
    bike_loan.status = LoanStatus.WRITTEN_OFF
    bike_loan.closed_on = written_off_on
    buffer_entry = ledger.post(
        session,
        f"impact-test-loss-buffer:{bike_loan.id}",
        "pool_loss_buffer",
        [ledger.debit(seed, Decimal("2500.00")), ledger.credit(impairment, Decimal("2500.00"))],
        written_off_on,
        SETUP,
    )
    participants_entry = ledger.post(
        session,
        f"impact-test-loss-participants:{bike_loan.id}",
        "pool_loss_participants",
        [
            ledger.debit(parts["bram_sf"].ledger_account_id, Decimal("1500.00")),
            ledger.credit(impairment, Decimal("1500.00")),
        ],
        written_off_on,
        SETUP,
    )
    loss = Loss(
        pool_id=startfonds.id,
        loan_id=bike_loan.id,
        loss_amount=Decimal("4000.00"),
        absorbed_by_buffer=Decimal("2500.00"),
        absorbed_by_participants=Decimal("1500.00"),
        occurred_on=written_off_on,
        buffer_entry_id=buffer_entry.id,
        participants_entry_id=participants_entry.id,
    )
    session.add(loss)
    session.flush()
    session.add(LossShare(loss_id=loss.id, participation_id=parts["bram_sf"].id, amount=Decimal("1500.00")))
    session.flush()
    return World(anna, bram, bakery, clt, land_loan, coop_loan, bike_loan, grondfonds, startfonds, parts)
