"""The menus and the member page's panels: explicit tables (``bank.web.nav``) the app factory installs.

Every listed endpoint and template exists and each staff link is shown to exactly the roles its
page lets in; importing every module of ``bank`` registers nothing (no view adds itself to a
menu, no statements listener is installed); the pages show the links in the table's order.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from flask import url_for
from savings import factories

from bank.extensions import db
from bank.statements import service as statements
from bank.web import nav
from bank.web.staff import members

ROOT = Path(__file__).resolve().parents[2]
BANK = ROOT / "bank"


def _main_nav(page: str) -> list[str]:
    """The links of the page's main navigation, in order, menu titles left out."""
    block = page.split('<nav class="mainnav">', 1)[1].split("</nav>", 1)[0]
    block = re.sub(r'<a class="menu-title" href="[^"]+">', "", block)
    return re.findall(r'<a href="([^"]+)"', block)


def test_every_listed_endpoint_and_panel_exists(app):
    endpoints = set(app.view_functions)
    listed = [entry.endpoint for entry in nav.STAFF_NAV] + [entry.endpoint for entry in nav.PORTAL_NAV]
    assert [e for e in listed if e not in endpoints] == []
    assert len(set(listed)) == len(listed)
    for panel in nav.MEMBER_PANELS:
        assert app.jinja_env.get_template(panel.template)
    assert {entry.menu for entry in nav.STAFF_NAV} - {None} == set(nav.MENU_LABELS)


def test_a_menu_s_links_stand_together():
    seen: list[str | None] = []
    for entry in nav.STAFF_NAV:
        if entry.menu is not None and entry.menu in seen and seen[-1] != entry.menu:
            pytest.fail(f"{entry.endpoint}: the links of menu {entry.menu!r} must stand together")
        seen.append(entry.menu)


def test_each_staff_link_is_shown_to_the_roles_its_page_lets_in(app):
    for entry in nav.STAFF_NAV:
        permission = str(app.view_functions[entry.endpoint]._permission)
        assert permission.startswith("staff:"), entry.endpoint
        assert set(permission.removeprefix("staff:").split(",")) == set(entry.roles), entry.endpoint


def test_the_app_factory_installs_the_tables(app):
    assert app.extensions[nav.STAFF] is nav.STAFF_NAV
    assert app.extensions[nav.PORTAL] is nav.PORTAL_NAV
    assert app.extensions[members.PANELS] is nav.MEMBER_PANELS
    assert statements.session_listeners_installed()


def test_importing_the_code_registers_nothing():
    modules = sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in BANK.rglob("*.py")
        if "__pycache__" not in path.parts and path.name != "__main__.py"
    )
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "from bank.statements import service\n"
        "from bank.web import nav\n"
        "entries = (nav.NavEntry, nav.PortalEntry, nav.members.MemberPanel)\n"
        "found = []\n"
        "for name, module in sorted(sys.modules.items()):\n"
        "    if not name.startswith('bank.'):\n"
        "        continue\n"
        "    for attribute, value in vars(module).items():\n"
        "        items = value.values() if isinstance(value, dict) else value\n"
        "        if isinstance(value, (list, dict, set)) and any(isinstance(i, entries) for i in items):\n"
        "            found.append(f'{name}.{attribute}')\n"
        "        if attribute in ('add_staff_nav', 'add_portal_nav', 'MEMBER_DETAIL_PANELS'):\n"
        "            found.append(f'{name}.{attribute}')\n"
        "print(found, service.session_listeners_installed())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True, timeout=300
    )
    assert done.stdout.strip() == "[] False", done.stderr


@pytest.mark.parametrize("role", ["admin", "teller", "credit_officer", "committee"])
def test_the_back_office_shows_its_links_in_the_table_s_order(app, client, login_as, role):
    login_as(role)
    page = client.get("/staff/").get_data(as_text=True)
    with app.test_request_context():
        expected = [url_for("staff.dashboard")] + [
            url_for(entry.endpoint) for entry in nav.STAFF_NAV if role == "admin" or role in entry.roles
        ]
    assert _main_nav(page) == expected


def test_a_teller_sees_the_links_of_the_work_a_teller_does(app, client, login_as):
    login_as("teller")
    page = client.get("/staff/").get_data(as_text=True)
    with app.test_request_context():
        shown = [app.url_map.bind("localhost").match(url)[0] for url in _main_nav(page)]
    assert shown == [
        "staff.dashboard",
        "staff.members",
        "staff.accounts",
        "staff.mandates",
        "staff.pools",
        "staff.portal_changes",
        "staff.approvals_page",
        "staff.applications_list",
        "staff.loans",
        "staff.arrears",
        "staff.loan_products",
        "staff.calculator",
        "staff.runs",
        "staff.statements",
        "staff.collection_batches",
        "staff.payouts_overview",
        "staff.bank_statements",
        "staff.suspense_queue",
        "staff.reconciliation_page",
        "staff.savings_products",
        "staff.chart_of_accounts",
    ]


def test_the_portal_shows_its_links_in_the_table_s_order(app, client, login_as, make_user):
    with db.unit_of_work(db.new_session()) as session:
        member_id = factories.member(session, first_name="Anna", last_name="Jansen").id
    login_as(user=make_user("member", member_id=member_id, email="anna.nav@example.org"))
    page = client.get("/portal/").get_data(as_text=True)
    with app.test_request_context():
        expected = [url_for(entry.endpoint) for entry in nav.PORTAL_NAV]
    assert _main_nav(page) == expected and len(expected) == 8
