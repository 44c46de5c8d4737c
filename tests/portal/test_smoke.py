"""The portal pages render for a logged-in member (quick check while building)."""


def test_dashboard_shows_own_and_organisation_data(as_anna, world):
    page = as_anna.get("/portal/")
    assert page.status_code == 200, page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    assert world.anna_account.formatted_number in html
    assert world.coop_account.formatted_number in html
    assert world.coop_loan.number in html
    assert "Geheim" not in html and world.bram_account.formatted_number not in html
