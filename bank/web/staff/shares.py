"""Member shares in the back office: issue, ask for a redemption, and the municipal seed capital.

Issuing books at once; a redemption is a request a second staff member approves on the
approvals page. Seed capital is booked by administrators only.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.validators import Length, Optional

from bank import clock
from bank.errors import N_, BankError, ValidationError
from bank.extensions import db
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger.service import account_by_code
from bank.members.models import Member, MemberStatus
from bank.savings import queries as savings_queries
from bank.savings import service as savings
from bank.savings.models import DepositAccount, DepositAccountStatus
from bank.shares import queries, service
from bank.web.access import staff_required
from bank.web.filters import money_filter
from bank.web.forms import (
    Attempt,
    canonical_numbers,
    form_status,
    new_form_key,
    numbers_refused,
    read_amount,
)
from bank.web.staff import bp

BOOK_ROLES = savings.BOOKING_ROLES
#: The choice value for money from or to outside the bank (the settlement account).
OUTSIDE = "outside"


class IssueForm(FlaskForm):
    form_key = HiddenField()
    shares = StringField(_l("Number of shares"), validators=[Length(max=12)])
    source = SelectField(_l("Paid from"), coerce=str)
    description = StringField(_l("Description"), validators=[Length(max=200)])


class RedeemForm(FlaskForm):
    form_key = HiddenField()
    shares = StringField(_l("Number of shares"), validators=[Length(max=12)])
    destination = SelectField(_l("Pay out to"), coerce=str)
    description = StringField(_l("Description"), validators=[Length(max=200)])


class SeedCapitalForm(FlaskForm):
    form_key = HiddenField()
    amount = StringField(_l("Amount (€)"), validators=[Length(max=40)])
    value_date = DateField(_l("Received on"), validators=[Optional()])
    description = StringField(_l("Description"), validators=[Length(max=200)])


def _share_count(text: str | None) -> str:
    """The number of shares as typed; digits other than 0-9 are refused (``int("١٢")`` is 12)."""
    _data, refused = canonical_numbers({"shares": text or ""}, wholes=("shares",))
    numbers_refused(refused)
    return text or ""


def _member_or_404(member_id: int) -> Member:
    member = db.session.get(Member, member_id)
    if member is None:
        abort(404)
    return member


def _account_choices(member: Member, outside_label: str, *, outgoing: bool) -> list[tuple[str, str]]:
    """The member's usable accounts, then money from/to outside the bank."""
    rows = savings_queries.accounts_of_member(db.session, member.id)
    allowed = (
        {DepositAccountStatus.OPEN} if outgoing else {DepositAccountStatus.OPEN, DepositAccountStatus.BLOCKED}
    )
    choices = [
        (str(row.account.id), f"{row.account.formatted_number} ({money_filter(row.balance)})")
        for row in rows
        if row.account.status in allowed
    ]
    return [*choices, (OUTSIDE, outside_label)]


def _chosen_account(session: Session, member: Member, value: str | None, field: str) -> DepositAccount | None:
    if not value or value == OUTSIDE:
        return None
    try:
        account = session.get(DepositAccount, int(value))
    except ValueError:
        account = None
    if account is None or account.member_id != member.id:
        raise ValidationError(field, N_("is not one of the member's accounts"))
    return account


def _with_key(form: Any) -> Any:
    if not form.form_key.data:
        form.form_key.data = new_form_key()
    return form


def _holding_summary(member: Member) -> dict[str, Any]:
    session = db.session
    try:
        share_class = service.default_share_class(session)
    except BankError:
        return {"share_class": None, "held": 0, "pending": 0}
    holding = service.find_holding(session, member, share_class)
    return {
        "share_class": share_class,
        "held": service.shares_held(session, holding) if holding else 0,
        "pending": service.pending_redemption_shares(session, holding) if holding else 0,
    }


@bp.route("/members/<int:member_id>/shares/issue", methods=["GET", "POST"])
@staff_required(*BOOK_ROLES)
def issue_shares(member_id: int) -> ResponseReturnValue:
    member = _member_or_404(member_id)
    form = IssueForm()
    form.source.choices = _account_choices(
        member, _("received from outside (bank transfer to the bank)"), outgoing=True
    )
    if request.method == "POST" and form.validate():
        attempt = Attempt(form, rename={"from_account": "source"})
        with attempt as session:
            paid_from = _chosen_account(session, member, form.source.data, "source")
            booked = service.issue_shares(
                session,
                member,
                _share_count(form.shares.data),
                key=form.form_key.data or "",
                actor=g.actor,
                paid_from=paid_from,
                description=form.description.data or "",
            )
        if attempt.succeeded:
            if booked.created:
                flash(_("Member shares issued (entry #%(entry)s).", entry=booked.entry.id), "success")
            else:
                flash(
                    _("This form was already submitted; entry #%(entry)s exists.", entry=booked.entry.id),
                    "info",
                )
            return redirect(url_for("staff.member", member_id=member.id) + "#shares")
    status = form_status(form)
    return (
        render_template(
            "staff/shares/issue.html", form=_with_key(form), member=member, **_holding_summary(member)
        ),
        status,
    )


@bp.route("/members/<int:member_id>/shares/redeem", methods=["GET", "POST"])
@staff_required(*BOOK_ROLES)
def redeem_shares(member_id: int) -> ResponseReturnValue:
    member = _member_or_404(member_id)
    form = RedeemForm()
    form.destination.choices = _account_choices(
        member,
        _("the member's own account elsewhere (%(iban)s)", iban=member.external_iban or "—"),
        outgoing=False,
    )
    if request.method == "POST" and form.validate():
        attempt = Attempt(form, rename={"to_account": "destination", "external_iban": "destination"})
        with attempt as session:
            pay_to = _chosen_account(session, member, form.destination.data, "destination")
            outcome = service.request_redemption(
                session,
                member,
                _share_count(form.shares.data),
                key=form.form_key.data or "",
                actor=g.actor,
                pay_to=pay_to,
                description=form.description.data or "",
            )
        if attempt.succeeded:
            if outcome.created:
                flash(
                    _(
                        "Redemption request #%(id)s waits for a second staff member's approval.",
                        id=outcome.approval.id,
                    ),
                    "info",
                )
            else:
                flash(
                    _("This form was already submitted; request #%(id)s exists.", id=outcome.approval.id),
                    "info",
                )
            return redirect(url_for("staff.member", member_id=member.id) + "#shares")
    status = form_status(form)
    return (
        render_template(
            "staff/shares/redeem.html",
            form=_with_key(form),
            member=member,
            member_left=member.status is MemberStatus.LEFT,
            **_holding_summary(member),
        ),
        status,
    )


@bp.route("/seed-capital", methods=["GET", "POST"])
@staff_required("admin")
def seed_capital() -> ResponseReturnValue:
    form = SeedCapitalForm()
    if request.method == "POST" and form.validate():
        attempt = Attempt(form)
        with attempt as session:
            booked = service.receive_seed_capital(
                session,
                read_amount(form.amount.data, field="amount"),
                key=form.form_key.data or "",
                actor=g.actor,
                description=form.description.data or "",
                value_date=form.value_date.data,
            )
        if attempt.succeeded:
            if booked.created:
                flash(_("Seed capital booked (entry #%(entry)s).", entry=booked.entry.id), "success")
            else:
                flash(
                    _("This form was already submitted; entry #%(entry)s exists.", entry=booked.entry.id),
                    "info",
                )
            return redirect(url_for("staff.seed_capital"))
    session = db.session
    seed_account = account_by_code(session, chart.SEED_CAPITAL)
    lines, _total, _opening = ledger_queries.history(session, seed_account.id, per_page=20)
    status = form_status(form)
    return (
        render_template(
            "staff/shares/seed_capital.html",
            form=_with_key(form),
            total=ledger_queries.balance(session, seed_account.id),
            lines=lines,
            today=clock.today(),
        ),
        status,
    )


def member_panel_context(session: Session, member: Member) -> dict[str, Any]:
    return {"member_holdings": queries.holdings_of_member(session, member.id)}
