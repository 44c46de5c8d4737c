"""A quarter's distribution and a loss on the pages: the staff pool page lists them with their
amounts, and the member sees what they received and what they absorbed."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from portal.world import collect

from bank.loans.models import Loan
from bank.pools.distribution import distribute_quarter
from bank.pools.losses import absorb_loss
from bank.pools.models import Pool
from pools.factories import ADMIN

from .conftest import fresh_session


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


@pytest.fixture
def history(pool_world):
    """Three instalments of the bakery's loan collected in Q2 2027 and distributed; then the
    person's loan written off in 2028: the € 500 buffer takes half, the participants the rest."""
    with fresh_session() as s:
        bakery = s.get(Loan, pool_world.bakery_loan.id)
        for number in (1, 2, 3):
            collect(s, bakery, number)
        pool = s.get(Pool, pool_world.pool.id)
        distribution = distribute_quarter(s, pool, dt.date(2027, 6, 30), actor=ADMIN)
        unnamed = s.get(Loan, pool_world.unnamed_loan.id)
        loss = absorb_loss(
            s, unnamed, principal_written_off=Decimal("1000.00"), on=dt.date(2028, 2, 1), actor=ADMIN
        )
        s.commit()
        return {
            "interest": distribution.interest_collected,
            "margin": distribution.margin_amount,
            "distributed": distribution.amount_distributed,
            "distribution_entry": distribution.entry_id,
            "loss": (loss.loss_amount, loss.absorbed_by_buffer, loss.absorbed_by_participants),
        }


def test_staff_pool_page_lists_distributions_and_losses(client, login_as, pool_world, history):
    # 12 % a year on € 1,000 over 24 months: interest 10.00 + 9.63 + 9.25 in the quarter,
    # all of it the pool's (it funded the whole loan); 25 % margin, half-up.
    assert history["interest"] == Decimal("28.88")
    assert (history["margin"], history["distributed"]) == (Decimal("7.22"), Decimal("21.66"))
    assert history["loss"] == (Decimal("1000.00"), Decimal("500.00"), Decimal("500.00"))
    login_as("teller")
    page = _text(client.get(f"/staff/pools/{pool_world.pool.id}"))
    distributions = page[page.index('id="distributions"') : page.index('id="losses"')]
    cells = re.findall(r'<td class="num">([^<]*)</td>', distributions)
    assert cells == ["€ 28,88", "€ 7,22", "€ 21,66", "2"]
    assert "01-04-2027 – 30-06-2027" in distributions
    assert f"#{history['distribution_entry']}" in distributions
    losses = page[page.index('id="losses"') :]
    assert pool_world.unnamed_loan.number in losses
    assert re.findall(r'<td class="num">([^<]*)</td>', losses)[:3] == ["€ 1.000,00", "€ 500,00", "€ 500,00"]
    # The buffer tile shows what is left of it.
    figures = page[page.index('id="figures"') : page.index('id="terms"')]
    assert 'First-loss buffer remaining</span><span class="value">€ 0,00' in figures


def test_member_sees_returns_received_and_losses_absorbed(as_anna, pool_world, history):
    page = _text(as_anna.get("/portal/pools"))
    holding = page[page.index(f'id="participation-{pool_world.anna_participation.id}"') :]
    # Anna held a fifth of the pool all quarter: 21.66 / 5 = 4.332 -> 4.33 (Bram 17.33); a fifth of
    # the participants' € 500 of the loss is € 100, leaving her € 500.
    assert 'Returns received</span><span class="value">€ 4,33' in holding
    assert 'Losses absorbed</span><span class="value">€ 100,00' in holding
    assert 'My participation</span><span class="value">€ 500,00' in holding


def test_a_distribution_line_names_the_pool_and_no_other_member(as_anna, pool_world, history):
    """The distribution credits every participant in one entry; Anna's own line names the pool,
    never Bram (the other participant) or any borrower, on the page and in the PDF."""
    import io

    from pypdf import PdfReader

    from bank.extensions import db
    from bank.savings.models import DepositAccount

    with fresh_session() as s:
        others = []
        for account in s.query(DepositAccount).filter(DepositAccount.member_id != pool_world.anna.id):
            if account.member_id == pool_world.association.id:
                continue  # Anna represents the association: hers to see
            member = account.member
            others += [member.full_name, member.last_name, account.formatted_number, account.number]
            others.append(member.external_iban)
    others = [word for word in others if word]
    db.session.rollback()
    assert "Bram Geheim" in others and len(others) >= 12
    account_id = pool_world.anna_account.id
    page = _text(as_anna.get(f"/portal/accounts/{account_id}"))
    rows = re.findall(r"<tr>.*?</tr>", page)
    (returns_row,) = [row for row in rows if "€ 4,33" in row]
    assert pool_world.pool.name in returns_row
    pdf = as_anna.get(f"/portal/accounts/{account_id}/statement.pdf?from=2027-01-01&to=2028-12-31")
    assert pdf.status_code == 200
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "€ 4,33" in text and pool_world.pool.name in text
    for name in others:
        assert name not in page, name
        assert name not in text, name
