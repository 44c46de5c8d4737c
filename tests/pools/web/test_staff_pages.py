"""Staff pool pages: real figures, the admin-only pool form, subscriptions and withdrawals on a
member's behalf, the withdrawal queue and its payments, and who may do what."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from sqlalchemy import func, select

from bank.ledger import queries as ledger_queries
from bank.pools import queries as pool_queries
from bank.pools import service as pool_service
from bank.pools.models import Participation, Pool, WithdrawalRequest, WithdrawalStatus
from bank.savings.models import DepositAccount
from pools.factories import TELLER

from .conftest import fresh_session


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _balance(ledger_account_id: int) -> Decimal:
    with fresh_session() as s:
        return ledger_queries.balance(s, ledger_account_id)


def test_pool_list_shows_each_pools_figures(client, login_as, pool_world):
    login_as("credit_officer")
    page = _text(client.get("/staff/pools"))
    row = page[page.index("Coöp Startfonds") :]
    # participations € 3,000, all committed to the three loans, buffer untouched, 2 participants.
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)[:7]
    assert cells == ["€ 3.000,00", "€ 3.000,00", "€ 0,00", "€ 500,00", "2", "—", "3,00 %"]


def test_pool_page_shows_terms_loans_participants_and_queue(client, login_as, pool_world):
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
    login_as("teller")
    page = _text(client.get(f"/staff/pools/{pool_world.pool.id}"))
    assert "€ 50,00" in page and "3 months" in page and "25,00 %" in page  # terms
    for loan in (pool_world.bakery_loan, pool_world.workshop_loan, pool_world.unnamed_loan):
        assert loan.number in page
    assert "Bakkerij De Korenschoof" in page  # staff see every borrower's name
    assert "€ 600,00" in page and "€ 2.400,00" in page  # participants' balances
    queue = page[page.index('id="queue"') : page.index('id="participants"')]
    assert "01-08-2028" in queue and "01-11-2028" in queue and "€ 100,00" in queue
    assert "Pay all due withdrawals" in queue  # payable since 1 November, "today" is 31 December


def test_participants_are_searchable_by_number_and_name(client, login_as, pool_world):
    login_as("teller")
    url = f"/staff/pools/{pool_world.pool.id}"
    by_name = _text(client.get(url, query_string={"q": "geheim"}))
    assert "1 participant" in by_name and "Bram" in by_name[by_name.index('id="participants"') :]
    by_number = _text(client.get(url, query_string={"q": pool_world.anna.number}))
    listing = by_number[by_number.index('id="participants"') :]
    assert "Anna" in listing and "Geheim" not in listing


def test_teller_subscribes_a_member_and_balances_change_to_the_cent(client, login_as, pool_world):
    login_as("teller")
    response = client.post(
        f"/staff/pools/{pool_world.pool.id}/subscribe",
        data={"form_key": "k-1", "deposit_account": pool_world.anna_account.number, "amount": "123,45"},
    )
    assert response.status_code == 302, _text(response)
    assert _balance(pool_world.anna_account.ledger_account_id) == Decimal("276.55")
    assert _balance(pool_world.anna_participation.ledger_account_id) == Decimal("723.45")
    # The same form again books nothing twice.
    again = client.post(
        f"/staff/pools/{pool_world.pool.id}/subscribe",
        data={"form_key": "k-1", "deposit_account": pool_world.anna_account.number, "amount": "123,45"},
    )
    assert again.status_code == 302
    assert _balance(pool_world.anna_account.ledger_account_id) == Decimal("276.55")
    with fresh_session() as s:
        assert pool_queries.pool_capital(s, s.get(Pool, pool_world.pool.id)) == Decimal("3123.45")


def test_subscription_refusals_are_shown_next_to_the_field(client, login_as, pool_world):
    login_as("teller")
    url = f"/staff/pools/{pool_world.pool.id}/subscribe"
    too_much = client.post(
        url, data={"form_key": "k-2", "deposit_account": pool_world.anna_account.number, "amount": "400,01"}
    )
    assert too_much.status_code == 422
    assert "exceeds the available balance of €" in _text(too_much) and "400,00" in _text(too_much)
    with fresh_session() as s:
        newcomer_account = s.get(DepositAccount, pool_world.association_account.id)
        number = newcomer_account.number
    below = client.post(url, data={"form_key": "k-3", "deposit_account": number, "amount": "49,99"})
    assert below.status_code == 422
    assert "50,00, the pool&#39;s minimum participation" in _text(below)  # the page's notation
    wrong = client.post(url, data={"form_key": "k-4", "deposit_account": "1234", "amount": "60"})
    assert wrong.status_code == 422 and "10-digit account number" in _text(wrong)
    assert _balance(pool_world.anna_account.ledger_account_id) == Decimal("400.00")
    with fresh_session() as s:
        assert s.scalar(select(func.count()).select_from(Participation)) == 2


def test_subscribe_from_the_member_page(client, login_as, pool_world):
    login_as("teller")
    member_page = _text(client.get(f"/staff/members/{pool_world.anna.id}"))
    assert 'id="pools"' in member_page and "Coöp Startfonds" in member_page
    url = f"/staff/members/{pool_world.association.id}/pools/subscribe"
    form = client.get(url)
    assert form.status_code == 200
    response = client.post(
        url,
        data={
            "form_key": "k-5",
            "pool": str(pool_world.pool.id),
            "deposit_account": str(pool_world.association_account.id),
            "amount": "75,10",
        },
    )
    assert response.status_code == 302, _text(response)
    assert _balance(pool_world.association_account.ledger_account_id) == Decimal("424.90")
    # Another member's account is refused by name, nothing booked.
    refused = client.post(
        url,
        data={
            "form_key": "k-6",
            "pool": str(pool_world.pool.id),
            "deposit_account": str(pool_world.bram_account.id),
            "amount": "75,00",
        },
    )
    assert refused.status_code == 422 and "is not one of the member&#39;s accounts" in _text(refused)
    assert _balance(pool_world.bram_account.ledger_account_id) == Decimal("600.00")


def test_withdrawal_on_behalf_then_paid_from_the_queue(client, login_as, pool_world):
    login_as("teller")
    # Money not lent out, so a due request can be paid.
    client.post(
        f"/staff/pools/{pool_world.pool.id}/subscribe",
        data={"form_key": "k-7", "deposit_account": pool_world.anna_account.number, "amount": "300,00"},
    )
    url = f"/staff/pools/participations/{pool_world.bram_participation.id}/withdraw"
    page = _text(client.get(url))
    assert "€ 2.400,00" in page and "payable from 31-03-2029" in page
    above = client.post(url, data={"form_key": "w-1", "amount": "2400,01"})
    assert (
        above.status_code == 422
        and "must not exceed the participation of €" in _text(above)
        and "2.400,00" in _text(above)
    )
    asked = client.post(url, data={"form_key": "w-2", "amount": "250,00"})
    assert asked.status_code == 302
    with fresh_session() as s:
        request = s.scalars(select(WithdrawalRequest)).one()
        assert request.payable_from == dt.date(2029, 3, 31)
        # One asked earlier, due now, to be paid by the button.
        due = pool_service.request_withdrawal(
            s,
            participation=s.get(Participation, pool_world.anna_participation.id),
            amount=Decimal("200.00"),
            key="anna-out",
            actor=TELLER,
            on=dt.date(2028, 9, 1),
        )
        s.commit()
        due_id = due.id
    queue = _text(client.get(f"/staff/pools/{pool_world.pool.id}"))
    queue = queue[queue.index('id="queue"') : queue.index('id="participants"')]
    assert queue.index("01-09-2028") < queue.index("31-12-2028")  # first come, first served
    assert f"/staff/pools/withdrawals/{due_id}/pay" in queue
    assert f"/staff/pools/withdrawals/{request.id}/pay" not in queue  # not yet payable
    paid = client.post(f"/staff/pools/withdrawals/{due_id}/pay")
    assert paid.status_code == 302
    assert _balance(pool_world.anna_account.ledger_account_id) == Decimal("300.00")  # 400 - 300 + 200
    assert _balance(pool_world.anna_participation.ledger_account_id) == Decimal("700.00")
    with fresh_session() as s:
        assert s.get(WithdrawalRequest, due_id).status is WithdrawalStatus.PAID


def test_pay_all_due_pays_in_order_while_money_lasts(client, login_as, pool_world):
    login_as("teller")
    client.post(
        f"/staff/pools/{pool_world.pool.id}/subscribe",
        data={"form_key": "k-8", "deposit_account": pool_world.anna_account.number, "amount": "150,00"},
    )
    with fresh_session() as s:
        for participation_id, amount, key in (
            (pool_world.bram_participation.id, "100.00", "b1"),
            (pool_world.anna_participation.id, "100.00", "a1"),
        ):
            pool_service.request_withdrawal(
                s,
                participation=s.get(Participation, participation_id),
                amount=Decimal(amount),
                key=key,
                actor=TELLER,
                on=dt.date(2028, 6, 1),
            )
        s.commit()
    response = client.post(
        "/staff/pools/pay-due", data={"pool_id": pool_world.pool.id}, follow_redirects=True
    )
    page = _text(response)
    assert "1 due withdrawals paid (€ 100,00); 1 wait for uncommitted money." in page
    assert _balance(pool_world.bram_account.ledger_account_id) == Decimal("700.00")
    assert _balance(pool_world.anna_participation.ledger_account_id) == Decimal("750.00")


def test_admin_creates_a_pool_with_percentages(client, login_as, pool_world):
    login_as("admin")
    response = client.post(
        "/staff/pools/new",
        data={
            "code": "GRONDFONDS",
            "name": "Grondfonds",
            "description": "Grond voor de buurt",
            "purposes": ["land_trust_purchase"],
            "minimum_participation": "100,00",
            "notice_months": "6",
            "margin_share": "20",
            "target_return_annual": "2,5",
            "first_loss_buffer": "0",
        },
    )
    assert response.status_code == 302, _text(response)
    with fresh_session() as s:
        pool = s.scalars(select(Pool).where(Pool.code == "GRONDFONDS")).one()
        assert (pool.margin_share, pool.target_return_annual) == (Decimal("0.2"), Decimal("0.025"))
        assert pool.minimum_participation == Decimal("100.00") and pool.notice_months == 6
        assert pool.purposes == ["land_trust_purchase"]
    edit = client.post(
        f"/staff/pools/{pool.id}/edit",
        data={
            "name": "Grondfonds Oost",
            "purposes": ["land_trust_purchase", "housing_coop"],
            "minimum_participation": "100,00",
            "notice_months": "6",
            "margin_share": "20",
            "target_return_annual": "3",
            "first_loss_buffer": "0",
        },
    )
    assert edit.status_code == 302, _text(edit)
    with fresh_session() as s:
        assert s.get(Pool, pool.id).target_return_annual == Decimal("0.03")


def test_pool_form_names_every_bad_field_and_saves_nothing(client, login_as, pool_world):
    login_as("admin")
    response = client.post(
        "/staff/pools/new",
        data={
            "code": "bad code!",
            "name": "",
            "purposes": ["coop_startup"],
            "minimum_participation": "abc",
            "notice_months": "30",
            "margin_share": "150",
            "target_return_annual": "2",
            "first_loss_buffer": "999999",
        },
    )
    assert response.status_code == 422
    page = _text(response)
    for message in (
        "must be 1 to 20 capital letters or digits",
        "is required",
        "already belongs to the open pool STARTFONDS",
        "must be a number",
        "must be a whole number of months from 0 to 24",
        "must be between 0 and 100 per cent",
        "must not exceed the seed capital not yet promised",
    ):
        assert message in page, message
    # Each message sits in its own field's block.
    margin = page[page.index('for="margin_share"') :]
    assert margin.index("between 0 and 100 per cent") < margin.index("</div>")
    with fresh_session() as s:
        assert s.scalar(select(func.count()).select_from(Pool)) == 1


def test_who_may_do_what(client, login_as, pool_world, make_user):
    teller = login_as("teller")
    assert client.get("/staff/pools/new").status_code == 403
    assert client.post("/staff/pools/new", data={"code": "X"}).status_code == 403
    assert client.get(f"/staff/pools/{pool_world.pool.id}/edit").status_code == 403
    assert client.post(f"/staff/pools/{pool_world.pool.id}/close").status_code == 403
    assert teller.role == "teller"
    client.get("/logout")
    login_as("credit_officer")
    assert client.get(f"/staff/pools/{pool_world.pool.id}").status_code == 200
    refused = client.post(
        f"/staff/pools/{pool_world.pool.id}/subscribe",
        data={"form_key": "k-9", "deposit_account": pool_world.anna_account.number, "amount": "60"},
    )
    assert refused.status_code == 403
    assert client.get("/staff/pools/999999").status_code == 404
    assert _balance(pool_world.anna_account.ledger_account_id) == Decimal("400.00")


def test_admin_closes_a_pool(client, login_as, pool_world):
    login_as("admin")
    assert client.post(f"/staff/pools/{pool_world.pool.id}/close").status_code == 302
    with fresh_session() as s:
        assert s.get(Pool, pool_world.pool.id).status.value == "closed"


def test_cancelling_a_request_needs_a_reason_and_frees_its_place(client, login_as, pool_world):
    with fresh_session() as s:
        request = pool_service.request_withdrawal(
            s,
            participation=s.get(Participation, pool_world.bram_participation.id),
            amount=Decimal("100.00"),
            key="bram-cancel",
            actor=TELLER,
            on=dt.date(2028, 8, 1),
        )
        s.commit()
        request_id = request.id
    login_as("teller")
    url = f"/staff/pools/withdrawals/{request_id}/cancel"
    refused = _text(client.post(url, data={"reason": "  "}, follow_redirects=True))
    assert "is required to cancel a withdrawal request" in refused and "reason:" not in refused
    with fresh_session() as s:
        assert s.get(WithdrawalRequest, request_id).status is WithdrawalStatus.WAITING
    done = _text(client.post(url, data={"reason": "member changed their mind"}, follow_redirects=True))
    assert f"Withdrawal request #{request_id} cancelled." in done
    assert "No withdrawal is waiting." in done
    with fresh_session() as s:
        cancelled = s.get(WithdrawalRequest, request_id)
        assert (cancelled.status, cancelled.cancelled_reason) == (
            WithdrawalStatus.CANCELLED,
            "member changed their mind",
        )
    assert _balance(pool_world.bram_participation.ledger_account_id) == Decimal("2400.00")


def test_the_payable_date_of_a_withdrawal_is_written_the_english_way_in_english(client, login_as, pool_world):
    login_as("teller")
    with client.session_transaction() as browser:
        browser["lang"] = "en"
    url = f"/staff/pools/participations/{pool_world.bram_participation.id}/withdraw"
    asked = client.post(url, data={"form_key": "w-en", "amount": "250.00"}, follow_redirects=True)
    assert asked.status_code == 200
    assert "payable from 2029-03-31" in _text(asked)
    assert "31-03-2029" not in _text(asked)
