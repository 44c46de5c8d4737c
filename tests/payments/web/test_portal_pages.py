"""My mandates in the portal, in Dutch: a member sees and revokes only their own (confirm step first)."""

from __future__ import annotations

import datetime as dt

from savings import factories

from bank.extensions import db
from bank.members.models import Member
from bank.payments import references
from bank.payments.models import Mandate, MandateStatus
from bank.savings import service as savings
from bank.savings.models import DepositAccount, SavingsProduct

from .conftest import read, text_of


def test_a_member_sees_their_mandates_and_revokes_one_after_confirming(
    world, make_user, login_as, page
) -> None:
    bram = make_user("member", email="bram.portal@example.org", member_id=world.bram.id, name="Bram Geheim")
    login_as(user=bram)
    status, html = page("/portal/")
    assert status == 200 and 'href="/portal/mandates"' in html and "Mijn machtigingen" in html
    status, html = page("/portal/mandates")
    text = text_of(html)
    assert status == 200
    assert "WB-BRAM-GEHEIM" in text and "NL91 ABNA 0417 1643 00" in text and "actief" in text
    status, html = page(f"/portal/mandates/{world.bram_mandate.id}/revoke")
    assert status == 200
    assert "Machtiging WB-BRAM-GEHEIM intrekken?" in text_of(html)
    assert read(Mandate, world.bram_mandate.id).status is MandateStatus.ACTIVE  # not yet
    status, _html = page(f"/portal/mandates/{world.bram_mandate.id}/revoke", {})
    assert status == 302
    _status, html = page("/portal/mandates")
    assert "ingetrokken" in text_of(html) and "Intrekken" not in text_of(html)
    revoked = read(Mandate, world.bram_mandate.id)
    assert revoked.status is MandateStatus.REVOKED and revoked.revoked_by_member


def test_another_member_sees_nothing_of_it_and_cannot_revoke_it(world, make_user, login_as, page) -> None:
    anna = make_user("member", email="anna.portal@example.org", member_id=world.anna.id, name="Anna Jansen")
    login_as(user=anna)
    status, html = page("/portal/mandates")
    assert status == 200
    assert "WB-BRAM-GEHEIM" not in html and "Geheim" not in html
    assert "U hebt geen machtigingen." in text_of(html)  # nor has the co-op she represents
    assert page(f"/portal/mandates/{world.bram_mandate.id}/revoke")[0] == 404
    assert page(f"/portal/mandates/{world.bram_mandate.id}/revoke", {})[0] == 404
    assert read(Mandate, world.bram_mandate.id).status is MandateStatus.ACTIVE


def test_a_representative_sees_and_revokes_the_organisations_mandate(
    world, make_user, login_as, page, mandate_for
):
    coop_mandate = mandate_for(world.coop, reference="WB-KORENSCHOOF", scheme="b2b")
    anna = make_user("member", email="anna.portal@example.org", member_id=world.anna.id, name="Anna Jansen")
    login_as(user=anna)
    _status, html = page("/portal/mandates")
    text = text_of(html)
    assert "WB-KORENSCHOOF" in text and "Bakkerij De Korenschoof" in text and "SEPA B2B (zakelijk)" in text
    assert "WB-BRAM-GEHEIM" not in text
    assert page(f"/portal/mandates/{coop_mandate.id}/revoke", {})[0] == 302
    assert read(Mandate, coop_mandate.id).status is MandateStatus.REVOKED


def _printed_reference(account_id: int) -> str:
    return references.format(references.creditor_reference(read(DepositAccount, account_id)))


def test_the_account_page_says_where_to_transfer_and_which_reference_to_quote(
    app, world, make_user, login_as, page, client
) -> None:
    anna = make_user("member", email="anna.portal@example.org", member_id=world.anna.id, name="Anna Jansen")
    login_as(user=anna)
    account = read(DepositAccount, world.anna_account.id)
    reference = references.creditor_reference(account)
    printed = references.format(reference)
    assert reference == "RF" + reference[2:4] + account.number and printed.startswith("RF")

    status, html = page(f"/portal/accounts/{world.anna_account.id}")
    text = text_of(html)
    assert status == 200
    assert "Geld overmaken naar deze rekening" in text
    assert "NL91 ABNA 0417 1643 00" in text and "Ten name van Wijkbank" in text
    assert f"o.v.v. {printed}" in text
    # One click selects the whole value (no script: the CSP allows none).
    assert f'<code class="copy" id="transfer-reference">{printed}</code>' in html
    # What the page shows is what the statement matching books by.
    with db.new_session() as session:
        found = references.account_for_reference(session, f"spaargeld o.v.v. {printed}")
        assert found is not None and found.id == world.anna_account.id

    # The organisation she represents: its own account, its own reference.
    coop_printed = _printed_reference(world.coop_account.id)
    _status, html = page(f"/portal/accounts/{world.coop_account.id}")
    assert coop_printed in text_of(html) and printed not in text_of(html)

    # Bram's account is a 404, and his reference appears nowhere.
    bram_printed = _printed_reference(world.bram_account.id)
    status, html = page(f"/portal/accounts/{world.bram_account.id}")
    assert status == 404 and bram_printed not in html and "Geheim" not in html

    client.post("/lang/en")
    _status, html = page(f"/portal/accounts/{world.anna_account.id}")
    text = text_of(html)
    assert "Transfer money to this account" in text and f"quoting {printed}" in text
    assert "In the name of Wijkbank" in text


def test_a_closed_account_offers_no_transfer(app, world, make_user, login_as, page) -> None:
    with db.unit_of_work(db.new_session()) as session:
        product = session.get(SavingsProduct, world.anna_account.product_id)
        account = factories.account(session, session.get(Member, world.anna.id), product)
        savings.close_account(session, account, actor=factories.TELLER, closed_on=dt.date(2026, 6, 1))
        closed_id = account.id
    anna = make_user("member", email="anna.portal@example.org", member_id=world.anna.id, name="Anna Jansen")
    login_as(user=anna)
    status, html = page(f"/portal/accounts/{closed_id}")
    assert status == 200 and "Geld overmaken" not in html and "transfer-reference" not in html
