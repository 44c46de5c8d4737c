"""The portal's "Where my money works": a member's pools and projects (named only with consent),
subscribing and asking for a withdrawal with every refusal next to its field, and never a
glimpse of, or a hand on, another member's participation."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import func, select

from bank.ledger import queries as ledger_queries
from bank.pools import service as pool_service
from bank.pools.models import Participation, Pool, WithdrawalRequest
from pools.factories import ADMIN

from .conftest import fresh_session


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _balance(ledger_account_id: int) -> Decimal:
    with fresh_session() as s:
        return ledger_queries.balance(s, ledger_account_id)


def _projects(page: str) -> list[tuple[str, str]]:
    """(description, member's share) per row of the projects table."""
    table = page[page.index('class="data projects') :]
    table = table[: table.index("</table>")]
    rows = re.findall(
        r"<tr> <td>(.*?)</td> <td[^>]*>.*?</td> <td[^>]*>.*?</td> <td class=\"num\"[^>]*>(.*?)</td> </tr>",
        table,
    )
    return [(re.sub(r"<.*?>", "", description).strip(), share) for description, share in rows]


def test_member_sees_participation_and_projects_with_the_anonymisation_rule(as_anna, pool_world):
    page = _text(as_anna.get("/portal/pools"))
    assert "Where my money works" in page
    holding = page[page.index(f'id="participation-{pool_world.anna_participation.id}"') :]
    assert "€ 600,00" in holding  # her participation
    # Anna holds 600 of the pool's 3,000: a fifth of the € 1,000 the pool lent to each project.
    assert sorted(_projects(page)) == sorted(
        [
            ("a co-op bakery in 1092", "€ 200,00"),  # did not consent: activity and postcode area
            ("Fietsenmakerij De Spaak coöperatie U.A.", "€ 200,00"),  # consented to be named
            ("a co-op start-up in 1093", "€ 200,00"),  # no activity on record: the loan's purpose
        ]
    )
    assert "Korenschoof" not in page and "Javastraat" not in page and "Lener" not in page
    assert "Geheim" not in page and "€ 2.400,00" not in page  # nothing of Bram's


def test_open_pools_show_terms_and_a_target_not_a_promise(as_anna, pool_world):
    page = _text(as_anna.get("/portal/pools"))
    offer = page[page.index(f'id="pool-{pool_world.pool.id}"') :]
    assert "€ 50,00" in offer and "3 months" in offer and "3,00 %" in offer
    assert "a target, not a promise" in offer
    assert "absorbs the first € 500,00 of losses" in offer


def test_member_subscribes_from_an_account_of_an_organisation_they_represent(as_anna, pool_world):
    url = f"/portal/pools/subscribe?pool={pool_world.pool.id}"
    form = _text(as_anna.get(url))
    assert "€ 50,00" in form and "€ 400,00" in form and "€ 500,00" in form  # minimum, both balances
    response = as_anna.post(
        url,
        data={"form_key": "p-1", "deposit_account": str(pool_world.association_account.id), "amount": "50"},
    )
    assert response.status_code == 302, _text(response)
    assert _balance(pool_world.association_account.ledger_account_id) == Decimal("450.00")
    with fresh_session() as s:
        participation = s.scalars(
            select(Participation).where(Participation.member_id == pool_world.association.id)
        ).one()
        assert ledger_queries.balance(s, participation.ledger_account_id) == Decimal("50.00")
    page = _text(as_anna.get("/portal/pools"))
    assert "Buurtvereniging Oost" in page and "you represent this organisation as penningmeester" in page


def test_subscription_refusals(as_anna, pool_world):
    url = f"/portal/pools/subscribe?pool={pool_world.pool.id}"
    below = as_anna.post(
        url,
        data={
            "form_key": "p-2",
            "deposit_account": str(pool_world.association_account.id),
            "amount": "49,99",
        },
    )
    assert below.status_code == 422
    assert "50,00, the pool&#39;s minimum participation" in _text(below)  # the page's notation
    above = as_anna.post(
        url, data={"form_key": "p-3", "deposit_account": str(pool_world.anna_account.id), "amount": "400,01"}
    )
    assert (
        above.status_code == 422
        and "exceeds the available balance of €" in _text(above)
        and "400,00" in _text(above)
    )
    junk = as_anna.post(
        url, data={"form_key": "p-4", "deposit_account": str(pool_world.anna_account.id), "amount": "veel"}
    )
    assert junk.status_code == 422 and "must be a number" in _text(junk)
    assert _balance(pool_world.anna_account.ledger_account_id) == Decimal("400.00")
    assert _balance(pool_world.association_account.ledger_account_id) == Decimal("500.00")
    with fresh_session() as s:
        assert s.scalar(select(func.count()).select_from(Participation)) == 2


def test_member_asks_for_a_withdrawal_and_sees_when_it_becomes_payable(as_anna, pool_world):
    url = f"/portal/pools/withdraw?participation={pool_world.anna_participation.id}"
    form = _text(as_anna.get(url))
    assert "notice period of 3 months" in form and "becomes payable on 31-03-2029" in form
    above = as_anna.post(url, data={"form_key": "w-1", "amount": "600,01"})
    assert (
        above.status_code == 422
        and "must not exceed the participation of €" in _text(above)
        and "600,00" in _text(above)
    )
    stub = as_anna.post(url, data={"form_key": "w-2", "amount": "580"})
    assert stub.status_code == 422 and "20,00, below the pool&#39;s minimum" in _text(stub)
    with fresh_session() as s:
        assert s.scalar(select(func.count()).select_from(WithdrawalRequest)) == 0
    asked = as_anna.post(url, data={"form_key": "w-3", "amount": "100"}, follow_redirects=True)
    page = _text(asked)
    assert "It becomes payable on 31-03-2029" in page
    assert "€ 100,00, asked on 31-12-2028, payable from 31-03-2029" in page
    # Asked for, not paid: the money stays in the pool until then.
    assert _balance(pool_world.anna_participation.ledger_account_id) == Decimal("600.00")
    again = _text(as_anna.get(url))
    assert "€ 500,00" in again[again.index('id="free"') :]  # what may still be asked for


def test_another_members_participation_or_account_is_a_404(as_anna, pool_world):
    foreign = f"/portal/pools/withdraw?participation={pool_world.bram_participation.id}"
    assert as_anna.get(foreign).status_code == 404
    assert as_anna.post(foreign, data={"form_key": "x-1", "amount": "100"}).status_code == 404
    assert as_anna.get("/portal/pools/withdraw?participation=999999").status_code == 404
    assert as_anna.get("/portal/pools/withdraw?participation=abc").status_code == 404
    subscribe = f"/portal/pools/subscribe?pool={pool_world.pool.id}"
    stolen = as_anna.post(
        subscribe,
        data={"form_key": "x-2", "deposit_account": str(pool_world.bram_account.id), "amount": "60"},
    )
    assert stolen.status_code == 404 and "Geheim" not in _text(stolen)
    assert as_anna.get("/portal/pools/subscribe?pool=999999").status_code == 404
    assert _balance(pool_world.bram_account.ledger_account_id) == Decimal("600.00")
    with fresh_session() as s:
        assert s.scalar(select(func.count()).select_from(WithdrawalRequest)) == 0


def test_staff_are_not_members_and_members_are_not_staff(client, login_as, as_anna, pool_world):
    assert as_anna.get("/staff/pools").status_code == 403
    assert as_anna.get(f"/staff/pools/{pool_world.pool.id}").status_code == 403
    client.get("/logout")
    login_as("teller")
    assert client.get("/portal/pools").status_code == 403


def test_a_double_submitted_subscription_books_once(as_anna, pool_world):
    url = f"/portal/pools/subscribe?pool={pool_world.pool.id}"
    data = {"form_key": "same-key", "deposit_account": str(pool_world.anna_account.id), "amount": "25,50"}
    assert as_anna.post(url, data=data).status_code == 302
    assert as_anna.post(url, data=data).status_code == 302
    assert _balance(pool_world.anna_account.ledger_account_id) == Decimal("374.50")
    assert _balance(pool_world.anna_participation.ledger_account_id) == Decimal("625.50")


def test_a_closed_pool_takes_no_new_money_but_withdrawals_go_on(as_anna, pool_world):
    with fresh_session() as s:
        pool_service.close_pool(s, s.get(Pool, pool_world.pool.id), actor=ADMIN)
        s.commit()
    assert as_anna.get(f"/portal/pools/subscribe?pool={pool_world.pool.id}").status_code == 404
    page = _text(as_anna.get("/portal/pools"))
    assert "No pool is open for new money at the moment." in page and "Add money" not in page
    url = f"/portal/pools/withdraw?participation={pool_world.anna_participation.id}"
    assert as_anna.post(url, data={"form_key": "w-9", "amount": "600"}).status_code == 302
