"""What the pages list of every section: the back office's menus, the portal's menu, the member page's panels.

Three explicit tables, in the order they are shown; the app factory installs them
(:func:`install`, its ``_register_navigation`` step). No view module registers itself when
imported: the nav used to be gathered by ``add_staff_nav``/``add_portal_nav`` calls and the
member page's panels by appends, at import time, so what a page listed (and in which order, for
links of equal weight) depended on which module happened to be imported first. A new page is
one line here, next to its neighbours. ``tests/web/test_nav.py`` checks that every endpoint
exists, that importing the code registers nothing and that the order is the table's.

Labels are marked ``_l`` (lazy): ``make messages`` extracts them, the page translates them.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from bank.actor import Actor
from bank.web.committee import views as committee
from bank.web.staff import (
    accounts,
    applications,
    approvals,
    audit_log,
    bank_statements,
    calculator,
    collateral,
    collection_cases,
    collections,
    compliance_cdd,
    forbearance,
    loans,
    mandates,
    members,
    monitoring,
    payouts,
    periods,
    pools,
    portal_access,
    privacy,
    products,
    provisioning,
    reports,
    runs,
    shares,
    statements,
)
from bank.web.staff import compliance_screening as screening
from bank.web.staff.members import MemberPanel


@dataclass(frozen=True)
class NavEntry:
    """A link of the back office's top bar: shown to ``roles`` (admins pass every check) in ``menu``.

    ``menu`` None stands on the bar itself (work queues opened many times a day).
    """

    endpoint: str
    label: object
    roles: tuple[str, ...]
    menu: str | None


@dataclass(frozen=True)
class PortalEntry:
    """A link of the member portal's menu (every member sees every link)."""

    endpoint: str
    label: object


#: The top bar's menus by key, with their titles.
MENU_LABELS: dict[str, object] = {
    "members": _l("Members"),
    "lending": _l("Lending"),
    "operations": _l("Operations"),
    "reports": _l("Reports"),
    "compliance": _l("Compliance"),
    "more": _l("More"),
}

#: The back office's links in the order of the top bar; a menu's links stand together and the
#: menu opens at the first one the user may follow. The roles are those the page lets in.
STAFF_NAV: tuple[NavEntry, ...] = (
    NavEntry("staff.members", _l("Members"), members.MEMBER_ROLES, "members"),
    NavEntry("staff.accounts", _l("Accounts"), accounts.VIEW_ROLES, "members"),
    NavEntry("staff.mandates", _l("Mandates"), mandates.ROLES, "members"),
    NavEntry("staff.pools", _l("Investment pools"), pools.VIEW_ROLES, "members"),
    NavEntry("staff.portal_changes", _l("Portal changes"), portal_access.ROLES, "members"),
    NavEntry("staff.approvals_page", _l("Approvals"), approvals.VIEW_ROLES, None),
    NavEntry("staff.applications_list", _l("Applications"), applications.VIEW_ROLES, "lending"),
    NavEntry("committee.queue", _l("Committee"), (committee.ROLE,), "lending"),
    NavEntry("staff.loans", _l("Loans"), loans.VIEW_ROLES, "lending"),
    NavEntry("staff.arrears", _l("Arrears"), loans.VIEW_ROLES, "lending"),
    NavEntry("staff.collection_cases", _l("Collection cases"), collection_cases.CASE_ROLES, "lending"),
    NavEntry("staff.forbearance_list", _l("Forbearance"), forbearance.READ_ROLES, "lending"),
    NavEntry("staff.collateral_overview", _l("Collateral"), collateral.READ_ROLES, "lending"),
    NavEntry("staff.provisioning", _l("Provisions"), provisioning.VIEW_ROLES, "lending"),
    NavEntry("staff.loan_products", _l("Loan products"), products.ALL_STAFF, "lending"),
    NavEntry("staff.calculator", _l("Schedule calculator"), calculator.ALL_STAFF, "lending"),
    NavEntry("staff.runs", _l("Runs"), runs.VIEW_ROLES, "operations"),
    NavEntry("staff.statements", _l("Statements"), statements.VIEW_ROLES, "operations"),
    NavEntry("staff.collection_batches", _l("Collection batches"), collections.VIEW_ROLES, "operations"),
    NavEntry("staff.payouts_overview", _l("Payment orders"), payouts.VIEW_ROLES, "operations"),
    NavEntry("staff.bank_statements", _l("Bank statements"), bank_statements.VIEW_ROLES, "operations"),
    NavEntry("staff.suspense_queue", _l("Suspense"), bank_statements.VIEW_ROLES, "operations"),
    NavEntry("staff.reconciliation_page", _l("Reconciliation"), bank_statements.VIEW_ROLES, "operations"),
    NavEntry("staff.outbox", _l("Outbox"), applications.OUTBOX_ROLES, "operations"),
    NavEntry("staff.seed_capital", _l("Seed capital"), ("admin",), "operations"),
    NavEntry("staff.savings_products", _l("Savings products"), accounts.VIEW_ROLES, "operations"),
    NavEntry("staff.reports_index", _l("Reports"), reports.REPORT_ROLES, "reports"),
    NavEntry("staff.report_impact", _l("Municipal impact report"), reports.REPORT_ROLES, "reports"),
    NavEntry("staff.chart_of_accounts", _l("Ledger"), ("admin", "teller", "credit_officer"), "reports"),
    NavEntry("staff.period_close", _l("Period close"), periods.ROLES, "reports"),
    NavEntry("staff.audit_log", _l("Audit log"), ("admin",), "reports"),
    NavEntry("staff.compliance_index", _l("Compliance overview"), compliance_cdd.ROLES, "compliance"),
    NavEntry("staff.compliance_reviews", _l("Reviews due"), compliance_cdd.ROLES, "compliance"),
    NavEntry("staff.monitoring_alerts", _l("Alerts"), monitoring.ROLES, "compliance"),
    NavEntry("staff.monitoring_cases", _l("Unusual-transaction cases"), monitoring.ROLES, "compliance"),
    NavEntry("staff.monitoring_rules", _l("Monitoring rules"), monitoring.ROLES, "compliance"),
    NavEntry("staff.screening_hits", _l("Screening hits"), screening.ROLES, "compliance"),
    NavEntry("staff.screening_lists", _l("Sanctions and PEP lists"), screening.ROLES, "compliance"),
    NavEntry("staff.privacy_overview", _l("Privacy and retention"), privacy.OVERVIEW_ROLES, "compliance"),
    NavEntry("staff.audit_reveals", _l("Reveals and exports"), audit_log.REVEAL_ROLES, "compliance"),
    NavEntry("staff.second_factor", _l("Second factor"), ("admin",), "more"),
)

#: The member portal's menu, in order.
PORTAL_NAV: tuple[PortalEntry, ...] = (
    PortalEntry("portal.dashboard", _l("Overview")),
    PortalEntry("portal.pools", _l("Where my money works")),
    PortalEntry("portal.statements", _l("Statements")),
    PortalEntry("portal.mandates", _l("My mandates")),
    PortalEntry("portal.collections", _l("My collections")),
    PortalEntry("portal.applications_list", _l("Loan applications")),
    PortalEntry("portal.profile", _l("My details")),
    PortalEntry("portal.export_page", _l("My data")),
)

#: The member page's panels below the member's own details, in order.
MEMBER_PANELS: tuple[MemberPanel, ...] = (
    MemberPanel("staff/savings/_member_accounts.html", accounts.member_panel_context),
    MemberPanel("staff/shares/_member_shares.html", shares.member_panel_context),
    MemberPanel("staff/payments/_member_mandates.html", mandates.member_panel_context),
    MemberPanel("staff/collections/_member_collections.html", collections.member_panel_context),
    MemberPanel("staff/portal/_member_panel.html", portal_access.member_panel_context),
    MemberPanel("staff/pools/_member_pools.html", pools.member_panel_context),
    MemberPanel("staff/privacy/_member_panel.html", privacy.member_panel_context),
)

#: ``app.extensions`` keys of the installed menus (the member page's panels: ``members.PANELS``).
STAFF = "bank_staff_nav"
PORTAL = "bank_portal_nav"


@dataclass(frozen=True)
class Menu:
    key: str | None
    label: object
    items: list[tuple[str, object]]


def _visible_entries() -> list[NavEntry]:
    if not current_user.is_authenticated:
        return []
    actor = Actor(user_id=current_user.id, label=current_user.email, role=current_user.role)
    return [
        entry
        for entry in current_app.extensions[STAFF]
        if entry.endpoint in current_app.view_functions and (not entry.roles or actor.has_role(*entry.roles))
    ]


def staff_nav() -> list[tuple[str, object]]:
    """Every link the current user may follow, flat, in the table's order."""
    return [(entry.endpoint, entry.label) for entry in _visible_entries()]


def staff_menus() -> list[Menu]:
    """The links the current user may follow, grouped into the top bar's menus."""
    menus: list[Menu] = []
    for entry in _visible_entries():
        if not menus or menus[-1].key != entry.menu:
            label = MENU_LABELS[entry.menu] if entry.menu else None
            menus.append(Menu(entry.menu, label, []))
        menus[-1].items.append((entry.endpoint, entry.label))
    return menus


def member_url(member_id: int) -> str:
    """Where a member's name links for the user reading the page: the member page, or, for a
    compliance officer (who keeps no member details), the member's due-diligence file."""
    actor = Actor(user_id=current_user.id, label=current_user.email, role=current_user.role)
    if actor.has_role(*members.MEMBER_ROLES):
        return url_for("staff.member", member_id=member_id)
    if actor.has_role(*compliance_cdd.ROLES):
        return url_for("staff.compliance_member", member_id=member_id)
    return ""


def portal_nav() -> list[tuple[str, object]]:
    """The portal's links, in the table's order."""
    return [
        (entry.endpoint, entry.label)
        for entry in current_app.extensions[PORTAL]
        if entry.endpoint in current_app.view_functions
    ]


def install(app: Flask) -> None:
    """Give ``app`` the tables and its templates the helpers: the app factory's navigation step."""
    app.extensions[STAFF] = STAFF_NAV
    app.extensions[PORTAL] = PORTAL_NAV
    app.extensions[members.PANELS] = MEMBER_PANELS
    app.jinja_env.globals["staff_nav"] = staff_nav
    app.jinja_env.globals["staff_menus"] = staff_menus
    app.jinja_env.globals["portal_nav"] = portal_nav
    app.jinja_env.globals["member_url"] = member_url
