"""The member's home costs the same number of SQL statements with one pool participation or four
(and one account or three), and still shows every amount to the cent.

Four pools each fund a loan of 2 000.00 from Cor's 3 000.00 in each; then Anna puts 1 000.00 in
the first pool, and Dirk (three accounts) 1 000.00, 250.50, 333.33 and 1 234.56 in the four.
Dirk's share of a project is ``his balance / the pool's capital × 2 000.00``, half-up to the cent.
The statements are counted with the crawl's counter (``bench.crawl.QueryCounter``).
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import PASSWORD
from flask import Flask
from flask.testing import FlaskClient
from pools.factories import (
    OPENED_ON,
    SETUP,
    TODAY,
    deposit,
    disburse_pool_loan,
    investor,
    make_pool,
    put_in,
    savings_product,
)

from bank import clock
from bank.auth.models import User
from bank.extensions import db
from bank.loans.products_models import LoanPurpose
from bank.pools.models import Pool
from bank.savings import service as savings

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import crawl  # noqa: E402

PURPOSES = (
    LoanPurpose.COOP_STARTUP,
    LoanPurpose.LAND_TRUST_PURCHASE,
    LoanPurpose.ASSOCIATION,
    LoanPurpose.HOUSING_COOP,
)
DIRK_PUTS_IN = ("1000.00", "250.50", "333.33", "1234.56")


@dataclass
class Pools:
    anna_id: int
    dirk_id: int
    pool_ids: list[int]
    participation_ids: dict[tuple[int, int], int]


@pytest.fixture(autouse=True)
def pinned_today() -> Iterator[None]:
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def pools(app: Flask) -> Pools:
    with db.unit_of_work(db.new_session()) as s:
        cor, cor_account = investor(s, "Cor", "Vermeer", money="12000.00")
        anna, anna_account = investor(s, "Anna", "Jansen", money="2000.00")
        dirk, dirk_account = investor(s, "Dirk", "Smit", money="5000.00")
        for n, amount in enumerate(("40.00", "75.25"), start=2):
            extra = savings.open_account(s, dirk, savings_product(s), actor=SETUP, opened_on=OPENED_ON)
            deposit(s, extra, amount, OPENED_ON + dt.timedelta(days=n))
        pool_ids = []
        participations: dict[tuple[int, int], int] = {}
        for n, purpose in enumerate(PURPOSES):
            pool = make_pool(s, code=f"POOL{n}", name=f"Wijkfonds {n + 1}", purposes=(purpose.value,))
            put_in(s, pool, cor, cor_account, "3000.00")
            disburse_pool_loan(
                s,
                on=dt.date(2028, 12, 15),
                principal="2000.00",
                purpose=purpose,
                name=f"Wijkproject {n + 1}",
                listing_consent=True,
            )
            pool_ids.append(pool.id)
        for n, (pool_id, amount) in enumerate(zip(pool_ids, DIRK_PUTS_IN, strict=True)):
            on = dt.date(2028, 12, 20 + n)
            participations[(dirk.id, pool_id)] = put_in(
                s, s.get(Pool, pool_id), dirk, dirk_account, amount, on
            ).id
        first = s.get(Pool, pool_ids[0])
        participations[(anna.id, pool_ids[0])] = put_in(
            s, first, anna, anna_account, "1000.00", dt.date(2028, 12, 20)
        ).id
        return Pools(anna.id, dirk.id, pool_ids, participations)


def _nl(amount: str) -> str:
    """An amount as the Dutch pages print it: € 1.234,56 (a no-break space after the sign)."""
    euros, cents = f"{float(amount):,.2f}".split(".")  # display only: the literals are exact
    return f"€\xa0{euros.replace(',', '.')},{cents}"


def _home(app: Flask, make_user: Callable[..., User], member_id: int) -> tuple[str, int]:
    """The member's home as they open it once logged in, and the SQL statements that request cost."""
    user = make_user("member", email=f"member{member_id}@example.org", member_id=member_id)
    client: FlaskClient = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert client.get("/portal/").status_code == 200  # warm: the first request of a log-in does more
    db.remove()
    counter = crawl.QueryCounter(db.engine)
    try:
        response = client.get("/portal/")
    finally:
        counter.stop()
    assert response.status_code == 200
    return response.get_data(as_text=True), counter.count


def _participation(page: str, participation_id: int) -> str:
    found = re.search(rf'id="home-participation-{participation_id}">(.*?)</article>', page, re.S)
    assert found, participation_id
    return found.group(1)


def test_the_home_costs_the_same_with_one_participation_or_four(app, make_user, pools) -> None:
    anna_page, anna_count = _home(app, make_user, pools.anna_id)
    dirk_page, dirk_count = _home(app, make_user, pools.dirk_id)
    assert dirk_count == anna_count, (anna_count, dirk_count)

    # Anna: 2 000.00 − 1 000.00 in the first pool; its capital is 5 000.00, so 1 000 / 5 000 × 2 000.
    assert f'<span class="value">{_nl("1000.00")}</span>' in anna_page  # savings left, and in pools
    anna_pool = _participation(anna_page, pools.participation_ids[(pools.anna_id, pools.pool_ids[0])])
    assert f"Wijkfonds 1 · {_nl('1000.00')}" in anna_pool
    assert f"your share {_nl('400.00')}" in anna_pool
    assert "Wijkfonds 2" not in anna_page

    # Dirk: 5 000.00 + 40.00 + 75.25 − 2 818.39 in pools = 2 296.86 in savings.
    assert f'<span class="value">{_nl("2296.86")}</span>' in dirk_page
    assert f'<span class="value">{_nl("2818.39")}</span>' in dirk_page
    shares = ("400.00", "154.13", "200.00", "583.09")  # e.g. 250.50 / 3 250.50 × 2 000 = 154.130…
    for n, (pool_id, amount, share) in enumerate(zip(pools.pool_ids, DIRK_PUTS_IN, shares, strict=True)):
        card = _participation(dirk_page, pools.participation_ids[(pools.dirk_id, pool_id)])
        assert f"Wijkfonds {n + 1} · {_nl(amount)}" in card
        assert f"Wijkproject {n + 1}" in card and f"your share {_nl(share)}" in card
    # The five latest bookings over his three accounts: the four subscriptions, newest first,
    # then the latest deposit (75.25, on his third account).
    movements = re.search(r'<table[^>]*class="[^"]*movements[^"]*"(.*?)</table>', dirk_page, re.S)
    assert movements
    amounts = re.findall(r"(−?€\xa0[\d.]+,\d\d)</td>", movements.group(1))
    assert amounts == [f"−{_nl(a)}" for a in reversed(DIRK_PUTS_IN)] + [_nl("75.25")]
    assert "Cor" not in dirk_page and "Vermeer" not in dirk_page and "Anna" not in dirk_page
