"""In a real browser: the staff pool page with its queue, and a member asking for a withdrawal on
"Where my money works" (screenshots in BANK_SCREENSHOT_DIR to look at)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from browser.conftest import browser_page, live_server, screenshots  # noqa: F401  (fixtures)

from bank.actor import system
from bank.auth import service as auth_service
from bank.extensions import db
from bank.pools import service as pool_service
from bank.pools.models import Participation, WithdrawalRequest
from pools.factories import TELLER

from .conftest import fresh_session

PASSWORD = "correct horse battery staple"

pytestmark = pytest.mark.browser


def _user(email: str, role: str, member_id: int | None = None) -> None:
    with db.unit_of_work(db.new_session()) as s:
        auth_service.create_user(
            s, email=email, name=email.split("@")[0], role=role, password=PASSWORD, actor=system("test"),
            member_id=member_id,
        )  # fmt: skip


def _log_in(page, email: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit].primary")


def test_staff_pool_page_and_the_portal_page(app, pool_world, browser_page, screenshots):  # noqa: F811
    with fresh_session() as s:
        pool_service.request_withdrawal(
            s,
            participation=s.get(Participation, pool_world.bram_participation.id),
            amount=Decimal("100.00"),
            key="bram-out",
            actor=TELLER,
            on=dt.date(2028, 8, 1),
        )
        s.commit()
    _user("balie@test.example", "teller")
    _user("anna.web@test.example", "member", member_id=pool_world.anna.id)
    page = browser_page
    _log_in(page, "balie@test.example")
    page.wait_for_url("**/staff/**")
    page.goto("/staff/pools")
    page.screenshot(path=str(screenshots / "staff-pools.png"), full_page=True)
    page.click("text=Coöp Startfonds")
    page.wait_for_selector("#queue")
    assert page.locator("#withdrawal-1 button.primary").inner_text() in ("Pay", "Betalen")
    page.screenshot(path=str(screenshots / "staff-pool.png"), full_page=True)
    page.goto(f"/staff/members/{pool_world.anna.id}")
    page.screenshot(path=str(screenshots / "staff-member-pools.png"), full_page=True)
    page.goto("/logout")

    _log_in(page, "anna.web@test.example")
    page.wait_for_url("**/portal/**")
    page.goto("/portal/pools")
    assert "a co-op bakery in 1092" in page.inner_text("main")
    page.screenshot(path=str(screenshots / "portal-pools.png"), full_page=True)
    page.click(f"#participation-{pool_world.anna_participation.id} >> text=Ask for a withdrawal")
    page.fill("#amount", "100")
    page.screenshot(path=str(screenshots / "portal-withdraw.png"), full_page=True)
    page.click("form button[type=submit].primary")
    page.wait_for_url("**/portal/pools")
    assert "payable from 31-03-2029" in page.inner_text("main")
    page.screenshot(path=str(screenshots / "portal-pools-after-withdrawal.png"), full_page=True)
    page.goto(f"/portal/pools/subscribe?pool={pool_world.pool.id}")
    page.fill("#amount", "10")
    page.select_option("#deposit_account", str(pool_world.association_account.id))
    page.click("form button[type=submit].primary")
    page.wait_for_selector(".field.has-error")
    page.screenshot(path=str(screenshots / "portal-subscribe-error.png"), full_page=True)
    with fresh_session() as s:
        assert s.query(WithdrawalRequest).count() == 2
