"""My mandates in the portal, in Dutch: a member sees and revokes only their own (confirm step first)."""

from __future__ import annotations

from bank.payments.models import Mandate, MandateStatus

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
