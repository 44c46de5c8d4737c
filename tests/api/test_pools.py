"""The public list of open pools in the JSON API: terms only, money as strings, no member data."""

from __future__ import annotations

from pools.factories import ADMIN
from pools.web.conftest import fresh_session

from bank.pools import service as pool_service
from bank.pools.models import Pool


def test_open_pools_with_their_terms(client, pool_world):
    response = client.get("/api/v1/pools")
    assert response.status_code == 200
    assert response.get_json() == {
        "pools": [
            {
                "code": "STARTFONDS",
                "name": "Coöp Startfonds",
                "description": "",
                "purposes": ["coop_startup"],
                "minimum_participation": "50.00",
                "notice_months": 3,
                "target_return_annual": "0.03",
                "target_is_a_promise": False,
                "first_loss_buffer": "500.00",
            }
        ]
    }
    assert "Geheim" not in response.get_data(as_text=True)


def test_a_closed_pool_is_not_listed(client, pool_world):
    with fresh_session() as s:
        pool_service.close_pool(s, s.get(Pool, pool_world.pool.id), actor=ADMIN)
        s.commit()
    assert client.get("/api/v1/pools").get_json() == {"pools": []}
    assert "/api/v1/pools" in client.get("/api/v1/openapi.json").get_json()["paths"]
