"""Where my money works: the member's pools, returns, losses, withdrawals and the projects
their money funds, the pools open to join, and the forms to subscribe and to ask for a withdrawal.

Everything is looked up through the logged-in member and the organisations they represent
(:func:`bank.portal.queries.visible_members`): a participation or deposit account of anyone
else is a plain 404. The ids travel in the query string and the form, not the path, because
these are forms about the member's own money rather than pages of an object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import Length

from bank import clock
from bank.calendar import add_months
from bank.extensions import db
from bank.members.models import Member
from bank.pools import queries, service
from bank.pools.models import Participation, Pool, PoolStatus
from bank.portal import queries as portal_queries
from bank.savings import queries as savings_queries
from bank.savings.models import DepositAccount, DepositAccountStatus
from bank.web import pool_views
from bank.web.access import member_required
from bank.web.filters import date_filter, money_filter
from bank.web.forms import Attempt, form_status, new_form_key, read_amount
from bank.web.portal import bp
from bank.web.portal.helpers import me


class SubscribeForm(FlaskForm):
    form_key = HiddenField()
    #: Checked against the user's own accounts by the view: a foreign id is a 404, not a form error.
    deposit_account = SelectField(_l("From account"), coerce=str, validate_choice=False)
    amount = StringField(_l("Amount (€)"), validators=[Length(max=40)])


class WithdrawalForm(FlaskForm):
    form_key = HiddenField()
    amount = StringField(_l("Amount (€)"), validators=[Length(max=40)])


@dataclass(frozen=True)
class ProjectLine:
    """A funded loan as the member sees it: named only with the borrower's consent."""

    description: str
    named: bool
    purpose: str
    member_share: Decimal
    disbursed_on: Any
    written_off: bool


@dataclass
class HolderView:
    """The participations of one member the user sees (themself, or an organisation they represent)."""

    member: Member
    role: str
    participations: list[tuple[queries.MemberParticipationView, list[ProjectLine]]] = field(
        default_factory=list
    )


def _with_key(form: Any) -> Any:
    if not form.form_key.data:
        form.form_key.data = new_form_key()
    return form


def _visible(session: Session) -> list[tuple[Member, str]]:
    return portal_queries.visible_members(session, me())


def project_lines(
    session: Session, views: list[queries.MemberParticipationView]
) -> dict[int, list[ProjectLine]]:
    """The projects each participation funds, worded for members, by participation id.

    Shared by the pools page and the member's home; a fixed number of queries however many
    participations the member holds (:func:`bank.pools.queries.projects_funded_by_many`).
    """
    projects = queries.projects_funded_by_many(
        session, [(view.participation, view.balance) for view in views]
    )
    result: dict[int, list[ProjectLine]] = {}
    for participation_id, funded in projects.items():
        lines = []
        for project in funded:
            named = project.name_or_none is not None
            description = (
                project.name_or_none
                if named
                else pool_views.anonymous_description(
                    project.activity, project.postcode_area, project.purpose
                )
            )
            lines.append(
                ProjectLine(
                    description=str(description),
                    named=named,
                    purpose=pool_views.purpose_label(project.purpose),
                    member_share=project.member_share,
                    disbursed_on=project.disbursed_on,
                    written_off=project.written_off,
                )
            )
        result[participation_id] = lines
    return result


@bp.route("/pools")
@member_required
def pools() -> ResponseReturnValue:
    session = db.session
    holders = [HolderView(member, role) for member, role in _visible(session)]
    by_id = {holder.member.id: holder for holder in holders}
    views = queries.member_participations(session, list(by_id))
    projects = project_lines(session, views)
    for view in views:
        by_id[view.participation.member_id].participations.append((view, projects[view.participation.id]))
    return render_template(
        "portal/pools/index.html",
        holders=holders,
        has_any=any(holder.participations for holder in holders),
        open_pools=queries.all_pools(session, open_only=True),
        **pool_views.labels(),
    )


# ---------------------------------------------------------------------------------------------
# Subscribing


def _open_pool_or_404(session: Session) -> Pool:
    pool = queries.pool_by_id(session, request.args.get("pool"))
    if pool is None or pool.status is not PoolStatus.OPEN:
        abort(404)
    return pool


def _account_rows(session: Session) -> list[tuple[Member, savings_queries.AccountRow]]:
    """The open accounts the user may pay from: their own and their organisations'."""
    rows = []
    for member, _role in _visible(session):
        for row in savings_queries.accounts_of_member(session, member.id):
            if row.account.status is DepositAccountStatus.OPEN:
                rows.append((member, row))
    return rows


def _own_account(session: Session, value: object) -> DepositAccount:
    """One of the user's accounts, else a 404 (a foreign id reveals nothing)."""
    allowed = {member.id for member, _role in _visible(session)}
    account = savings_queries.account_by_id(session, value)
    if account is None or account.member_id not in allowed:
        abort(404)
    return account


@bp.route("/pools/subscribe", methods=["GET", "POST"])
@member_required
def pool_subscribe() -> ResponseReturnValue:
    session = db.session
    pool = _open_pool_or_404(session)
    rows = _account_rows(session)
    form = SubscribeForm()
    form.deposit_account.choices = [
        (
            str(row.account.id),
            f"{row.account.formatted_number} · {member.display_name} · {money_filter(row.balance)}",
        )
        for member, row in rows
    ]
    if request.method == "POST" and form.validate():
        account = _own_account(session, form.deposit_account.data)
        attempt = Attempt(form)
        with attempt as uow:
            account = uow.get_one(DepositAccount, account.id)
            participation = service.subscribe(
                uow,
                pool=uow.get_one(Pool, pool.id),
                member=account.member,
                deposit_account=account,
                amount=read_amount(form.amount.data, field="amount"),
                key=form.form_key.data or "",
                actor=g.actor,
            )
            balance = queries.participation_balance(uow, participation)
        if attempt.succeeded:
            flash(
                _(
                    "Thank you: your participation in %(pool)s is now %(amount)s.",
                    pool=pool.name,
                    amount=money_filter(balance),
                ),
                "success",
            )
            return redirect(url_for("portal.pools"))
    status = form_status(form)
    return (
        render_template(
            "portal/pools/subscribe.html", form=_with_key(form), pool=pool, rows=rows, **pool_views.labels()
        ),
        status,
    )


# ---------------------------------------------------------------------------------------------
# Withdrawing


def _own_participation(session: Session) -> Participation:
    allowed = {member.id for member, _role in _visible(session)}
    participation = queries.participation_by_id(session, request.args.get("participation"))
    if participation is None or participation.member_id not in allowed:
        abort(404)
    return participation


@bp.route("/pools/withdraw", methods=["GET", "POST"])
@member_required
def pool_withdraw() -> ResponseReturnValue:
    session = db.session
    participation = _own_participation(session)
    pool = participation.pool
    form = WithdrawalForm()
    if request.method == "POST" and form.validate():
        attempt = Attempt(form)
        with attempt as uow:
            asked = service.request_withdrawal(
                uow,
                participation=uow.get_one(Participation, participation.id),
                amount=read_amount(form.amount.data, field="amount"),
                key=form.form_key.data or "",
                actor=g.actor,
            )
            payable_from, amount = asked.payable_from, asked.amount
        if attempt.succeeded:
            flash(
                _(
                    "Your request to withdraw %(amount)s from %(pool)s is recorded. It becomes payable"
                    " on %(date)s and is then paid to your account in the order requests came in.",
                    amount=money_filter(amount),
                    pool=pool.name,
                    date=date_filter(payable_from),
                ),
                "success",
            )
            return redirect(url_for("portal.pools"))
    status = form_status(form)
    balance = queries.participation_balance(session, participation)
    waiting = queries.waiting_amount_of(session, participation)
    return (
        render_template(
            "portal/pools/withdraw.html",
            form=_with_key(form),
            participation=participation,
            pool=pool,
            balance=balance,
            waiting=waiting,
            free=balance - waiting,
            payable_from=add_months(clock.today(), pool.notice_months),
        ),
        status,
    )
