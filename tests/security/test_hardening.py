"""Issue 13, item 11: members idle out, the server does not name itself, searches are literal.

The audit log's search is tested with the audit log, in tests/audit.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bank import clock

PASSWORD = "correct horse battery staple"
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
ROOT = Path(__file__).resolve().parents[2]


def test_members_are_logged_out_after_fifteen_idle_minutes(client, saver_user):
    with clock.frozen(T0):
        logged_in = client.post("/login", data={"email": saver_user.email, "password": PASSWORD})
        assert logged_in.status_code == 302
        assert client.get("/portal/").status_code == 200
    with clock.frozen(T0 + dt.timedelta(minutes=14)):
        assert client.get("/portal/").status_code == 200  # activity resets the clock
    with clock.frozen(T0 + dt.timedelta(minutes=14 + 15, seconds=1)):
        response = client.get("/portal/")
        assert response.status_code == 302
        assert response.headers["Location"] == "/login?expired=1"
        page = client.get("/login?expired=1").get_data(as_text=True)
        assert "You were logged out after 15 minutes without activity." in page
        # The session is gone, not just this one request.
        assert client.get("/portal/").headers["Location"].startswith("/login?next=")


def test_staff_are_told_their_own_thirty_minutes(client, make_user):
    user = make_user("teller")
    with clock.frozen(T0):
        client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert client.get("/staff/").status_code == 200
    with clock.frozen(T0 + dt.timedelta(minutes=30, seconds=1)):
        assert client.get("/staff/").headers["Location"] == "/login?expired=1"
        page = client.get("/login?expired=1").get_data(as_text=True)
        assert "You were logged out after 30 minutes without activity." in page


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_server_header_does_not_name_gunicorn(tmp_path):
    """``gunicorn wsgi:app`` as ``make run`` and production start it."""
    port = _free_port()
    env = {
        **os.environ,
        "BANK_ENV": "development",
        "BANK_INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bank.db'}",
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", "1", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/favicon.ico", timeout=5) as answer:
                    server_header = answer.headers.get("Server", "")
                break
            except OSError:
                alive = server.poll() is None and time.monotonic() < deadline
                assert alive, (tmp_path / "server.log").read_text()
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    assert server_header == "Wijkbank"
    assert "gunicorn" not in server_header.lower()


# --- LIKE wildcards: a "%" or "_" typed in a search box is searched for, not a wildcard -----------


def _borrowers(bank):  # type: ignore[no-untyped-def]
    names = ["Bakkerij 100% Bio", "Bakkerij 100 Bio", "Fiets_Maker", "FietsXMaker"]
    return {name: bank.borrower(name) for name in names}


def test_the_accounts_search_takes_percent_and_underscore_literally(bank):
    from bank.savings.queries import search_accounts

    _borrowers(bank)
    bank.session.commit()

    def found(text: str) -> list[str]:
        rows, total = search_accounts(bank.session, text)
        assert total == len(rows)
        return sorted(row.account.member.display_name for row in rows)

    assert [n[:14] for n in found("100%")] == ["Bakkerij 100% "]
    assert [n[:10] for n in found("s_m")] == ["Fiets_Make"]
    assert found("%") == [n for n in found("100%")]
    assert found("_") == found("s_m")


def test_the_loans_search_takes_percent_and_underscore_literally(bank):
    from bank.loans.queries import loans_list

    people = _borrowers(bank)
    for member, account in people.values():
        bank.book(member, account, "5000.00", 12, dt.date(2026, 2, 2))

    def found(text: str) -> list[str]:
        rows, total = loans_list(bank.session, text=text, as_of=dt.date(2026, 2, 3))
        assert total == len(rows)
        return sorted(row.loan.borrower.display_name[:14] for row in rows)

    assert found("100%") == ["Bakkerij 100% "]
    assert found("%") == ["Bakkerij 100% "]
    assert found("s_m") == ["Fiets_Maker co"]
    assert len(found("bakkerij")) == 2
