"""The audit log's search (``bank.audit.queries.search``, on the admin's page): ``%`` and ``_`` literally."""

from __future__ import annotations

from bank import audit
from bank.actor import system
from bank.extensions import db


def test_the_audit_search_takes_percent_and_underscore_literally(app, client, login_as):
    with db.unit_of_work(db.new_session()) as s:
        for detail in ("rente 100% vast", "rente 100 vast", "code a_b", "code axb"):
            audit.record(s, system("probe"), "member.update", "member", 1, detail=detail)
    login_as("admin")

    def page(q: str) -> str:
        response = client.get("/staff/audit", query_string={"q": q})
        assert response.status_code == 200
        return response.get_data(as_text=True)

    percent = page("100%")
    assert "rente 100% vast" in percent and "rente 100 vast" not in percent
    underscore = page("a_b")
    assert "code a_b" in underscore and "code axb" not in underscore
