"""Investment pools in the back office: the list with each pool's figures, a pool's page (terms,
funded loans, participants, the withdrawal queue, distributions, losses), the pool form
(administrators), and subscriptions and withdrawal requests on a member's behalf.

Money forms carry a one-time ``form_key`` that ends up in the ledger key, so a double submit
books once. Staff see every figure; tellers and administrators book; only administrators
define a pool's terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # new in WTForms 3.3, not in its stubs
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from bank import clock
from bank.calendar import add_months
from bank.errors import N_, ValidationError
from bank.extensions import db
from bank.members import queries as member_queries
from bank.members.models import Member
from bank.pools import queries, service
from bank.pools.models import Participation, Pool, WithdrawalRequest
from bank.savings import queries as savings_queries
from bank.savings import service as savings
from bank.savings.models import DepositAccount, DepositAccountStatus
from bank.web import pool_views
from bank.web.access import staff_required
from bank.web.filters import amount_input, date_filter, money_filter, number_input
from bank.web.forms import (
    Attempt,
    canonical_numbers,
    form_id,
    form_status,
    new_form_key,
    read_amount,
    read_percent,
)
from bank.web.pagination import page_count, page_number
from bank.web.staff import bp

VIEW_ROLES = ("admin", "teller", "credit_officer")
BOOK_ROLES = ("admin", "teller")
ADMIN_ROLES = ("admin",)
PER_PAGE = 25


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PoolForm(FlaskForm):
    code = StringField(_l("Code"), validators=[Length(max=20)])
    name = StringField(_l("Name"), validators=[Length(max=200)])
    description = TextAreaField(_l("Description for members"), validators=[Length(max=2000)])
    purposes = MultiCheckboxField(
        _l("Loan purposes it funds"),
        choices=[SelectChoice(purpose.value, label) for purpose, label in pool_views.PURPOSE_LABELS.items()],
    )
    minimum_participation = StringField(_l("Minimum participation (€)"), validators=[Length(max=40)])
    notice_months = StringField(_l("Notice period for withdrawals (months)"), validators=[Length(max=4)])
    margin_share = StringField(_l("Bank's margin on the interest, per cent"), validators=[Length(max=20)])
    target_return_annual = StringField(_l("Target return, per cent a year"), validators=[Length(max=20)])
    first_loss_buffer = StringField(
        _l("First-loss buffer from seed capital (€)"), validators=[Length(max=40)]
    )


class SubscribeForm(FlaskForm):
    """On the pool page: a member's deposit account number; on the member page: pool and account."""

    form_key = HiddenField()
    pool = SelectField(_l("Pool"), coerce=str)
    deposit_account = StringField(_l("From deposit account"), validators=[Length(max=40)])
    amount = StringField(_l("Amount (€)"), validators=[Length(max=40)])


class WithdrawalForm(FlaskForm):
    form_key = HiddenField()
    amount = StringField(_l("Amount (€)"), validators=[Length(max=40)])


class CancelForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[Length(max=500)])


class PlainForm(FlaskForm):
    """A button that only needs the CSRF token."""


@dataclass(frozen=True)
class QueueRow:
    request: WithdrawalRequest
    member: Member
    #: The notice period is over: staff may pay it (if the pool has the money and it is first).
    due: bool


# ---------------------------------------------------------------------------------------------
# Helpers


def _pool_or_404(pool_id: int) -> Pool:
    pool = queries.pool_by_id(db.session, pool_id)
    if pool is None:
        abort(404)
    return pool


def _with_key(form: Any) -> Any:
    if not form.form_key.data:
        form.form_key.data = new_form_key()
    return form


def _can_book() -> bool:
    return g.actor.has_role(*BOOK_ROLES)


def _pool_terms(form: PoolForm) -> tuple[dict[str, Any], dict[str, str]]:
    """The form's terms as the service takes them, and the percentages that could not be read.

    Rates are typed as percentages here and stored as fractions; amounts are turned from the
    page's notation into the canonical one and go to the service with the months, which checks
    them by its own rules.
    """
    terms: dict[str, Any] = {
        "name": form.name.data or "",
        "description": form.description.data or "",
        "purposes": list(form.purposes.data or []),
        "minimum_participation": form.minimum_participation.data or "",
        "notice_months": form.notice_months.data or "",
        "first_loss_buffer": (form.first_loss_buffer.data or "").strip() or "0",
    }
    terms, errors = canonical_numbers(terms, amounts=("minimum_participation", "first_loss_buffer"))
    limits = {"margin_share": Decimal(100), "target_return_annual": service.MAX_TARGET_RETURN * 100}
    for name, maximum in limits.items():
        try:
            terms[name] = read_percent(getattr(form, name).data, field=name, maximum_percent=maximum)
        except ValidationError as error:
            errors.update(error.fields)
            terms[name] = Decimal(0)
    return terms, errors


def _save_pool(session: Session, form: PoolForm, pool: Pool | None) -> Pool:
    """Create or update through the service; every mistake of the form is reported together.

    The service checks its rules before writing anything; when a percentage could not be read,
    the service's verdict on the other fields is still collected and the unit of work is then
    rolled back by raising, so nothing is saved.
    """
    terms, errors = _pool_terms(form)
    saved: Pool | None = None
    try:
        if pool is None:
            saved = service.create_pool(session, code=form.code.data or "", actor=g.actor, **terms)
        else:
            saved = service.update_pool(session, pool, actor=g.actor, **terms)
    except ValidationError as error:
        errors = {**error.fields, **errors}
    if errors or saved is None:
        raise ValidationError(errors)
    return saved


def _percent_text(rate: Decimal) -> str:
    return number_input(rate * 100)


def _prefill(form: PoolForm, pool: Pool) -> None:
    form.code.data = pool.code
    form.name.data = pool.name
    form.description.data = pool.description
    form.purposes.data = list(pool.purposes)
    form.minimum_participation.data = amount_input(pool.minimum_participation)
    form.notice_months.data = str(pool.notice_months)
    form.margin_share.data = _percent_text(pool.margin_share)
    form.target_return_annual.data = _percent_text(pool.target_return_annual)
    form.first_loss_buffer.data = amount_input(pool.first_loss_buffer)


# ---------------------------------------------------------------------------------------------
# List and detail


@bp.route("/pools")
@staff_required(*VIEW_ROLES)
def pools() -> ResponseReturnValue:
    session = db.session
    return render_template(
        "staff/pools/list.html",
        summaries=queries.pool_summaries(session),
        can_edit=g.actor.has_role(*ADMIN_ROLES),
        **pool_views.labels(),
    )


@bp.route("/pools/<int:pool_id>")
@staff_required(*VIEW_ROLES)
def pool(pool_id: int) -> ResponseReturnValue:
    return _render_pool(_pool_or_404(pool_id))


def _render_pool(pool: Pool, *, subscribe_form: SubscribeForm | None = None, status: int = 200) -> Any:
    session = db.session
    text = request.args.get("q", "").strip()[:100]
    page = page_number()
    rows, total = queries.participants(session, pool, text=text, page=page, per_page=PER_PAGE)
    today = clock.today()
    queue = [
        QueueRow(request=item, member=item.participation.member, due=item.payable_from <= today)
        for item in queries.withdrawal_queue(session, pool)
    ]
    form = subscribe_form or SubscribeForm(formdata=None)
    return (
        render_template(
            "staff/pools/detail.html",
            pool=pool,
            summary=queries.pool_summary(session, pool),
            funded=queries.funded_loan_rows(session, pool),
            participants=rows,
            q=text,
            page=page,
            pages=page_count(total, PER_PAGE),
            total=total,
            queue=queue,
            today=today,
            distributions=queries.distributions(session, pool),
            losses=queries.losses(session, pool),
            can_book=_can_book(),
            can_edit=g.actor.has_role(*ADMIN_ROLES),
            subscribe_form=_with_key(form),
            plain_form=PlainForm(formdata=None),
            **pool_views.labels(),
        ),
        status,
    )


# ---------------------------------------------------------------------------------------------
# The pool form (administrators)


@bp.route("/pools/new", methods=["GET", "POST"])
@staff_required(*ADMIN_ROLES)
def new_pool() -> ResponseReturnValue:
    form = PoolForm()
    if not form.is_submitted():
        form.minimum_participation.data = "50.00"
        form.notice_months.data = "3"
        form.first_loss_buffer.data = "0.00"
    if form.validate_on_submit():
        attempt = Attempt(form)
        with attempt as session:
            created = _save_pool(session, form, None)
            pool_id, name = created.id, created.name
        if attempt.succeeded:
            flash(_("Pool %(name)s created.", name=name), "success")
            return redirect(url_for("staff.pool", pool_id=pool_id))
    status = form_status(form)
    return render_template("staff/pools/form.html", form=form, pool=None), status


@bp.route("/pools/<int:pool_id>/edit", methods=["GET", "POST"])
@staff_required(*ADMIN_ROLES)
def edit_pool(pool_id: int) -> ResponseReturnValue:
    pool = _pool_or_404(pool_id)
    form = PoolForm()
    if not form.is_submitted():
        _prefill(form, pool)
    if form.validate_on_submit():
        attempt = Attempt(form)
        with attempt as session:
            saved = _save_pool(session, form, session.get_one(Pool, pool.id))
            name = saved.name
        if attempt.succeeded:
            flash(_("Pool %(name)s saved.", name=name), "success")
            return redirect(url_for("staff.pool", pool_id=pool.id))
    status = form_status(form)
    return render_template("staff/pools/form.html", form=form, pool=pool), status


@bp.route("/pools/<int:pool_id>/close", methods=["POST"])
@staff_required(*ADMIN_ROLES)
def close_pool(pool_id: int) -> ResponseReturnValue:
    pool = _pool_or_404(pool_id)
    if not PlainForm().validate_on_submit():
        abort(400)
    attempt = Attempt()
    with attempt as session:
        service.close_pool(session, session.get_one(Pool, pool.id), actor=g.actor)
    if attempt.succeeded:
        flash(_("Pool %(name)s is closed to new subscriptions and loans.", name=pool.name), "info")
    return redirect(url_for("staff.pool", pool_id=pool.id))


# ---------------------------------------------------------------------------------------------
# Subscriptions on a member's behalf


def _subscribed(participation: Participation) -> None:
    flash(
        _(
            "Subscription booked: %(member)s now has %(amount)s in %(pool)s.",
            member=participation.member.display_name,
            amount=money_filter(queries.participation_balance(db.session, participation)),
            pool=participation.pool.name,
        ),
        "success",
    )


@bp.route("/pools/<int:pool_id>/subscribe", methods=["POST"])
@staff_required(*BOOK_ROLES)
def pool_subscribe(pool_id: int) -> ResponseReturnValue:
    """From the pool page: the member is the owner of the deposit account typed in."""
    pool = _pool_or_404(pool_id)
    form = SubscribeForm()
    form.pool.choices = [SelectChoice(str(pool.id), pool.name)]
    form.pool.data = str(pool.id)
    if form.validate_on_submit():
        attempt = Attempt(form)
        with attempt as session:
            account = savings.lookup_account(
                session, form.deposit_account.data or "", field="deposit_account"
            )
            service.subscribe(
                session,
                pool=session.get_one(Pool, pool.id),
                member=account.member,
                deposit_account=account,
                amount=read_amount(form.amount.data, field="amount"),
                key=form.form_key.data or "",
                actor=g.actor,
            )
            subscribed = service.find_participation(session, pool, account.member)
            assert subscribed is not None  # booked just above
            participation_id = subscribed.id
        if attempt.succeeded:
            _subscribed(db.session.get_one(Participation, participation_id))
            return redirect(url_for("staff.pool", pool_id=pool.id))
    return _render_pool(pool, subscribe_form=form, status=422)


def _member_or_404(member_id: int) -> Member:
    member = member_queries.by_id(db.session, member_id)
    if member is None:
        abort(404)
    return member


def _member_accounts(member: Member) -> list[tuple[str, str]]:
    rows = savings_queries.accounts_of_member(db.session, member.id)
    return [
        (str(row.account.id), f"{row.account.formatted_number} ({money_filter(row.balance)})")
        for row in rows
        if row.account.status is DepositAccountStatus.OPEN
    ]


@bp.route("/members/<int:member_id>/pools/subscribe", methods=["GET", "POST"])
@staff_required(*BOOK_ROLES)
def member_pool_subscribe(member_id: int) -> ResponseReturnValue:
    """From the member page: choose the pool and one of the member's open accounts."""
    member = _member_or_404(member_id)
    session = db.session
    form = SubscribeForm()
    open_pools = queries.all_pools(session, open_only=True)
    form.pool.choices = [
        SelectChoice(str(p.id), f"{p.name} (min. {money_filter(p.minimum_participation)})")
        for p in open_pools
    ]
    account_choices = _member_accounts(member)
    if request.method == "GET" and request.args.get("pool"):
        form.pool.data = request.args.get("pool")
    if request.method == "POST" and form.validate():
        attempt = Attempt(form)
        with attempt as uow:
            chosen_pool = queries.pool_by_id(uow, form.pool.data)
            if chosen_pool is None:
                raise ValidationError("pool", N_("is not a known pool"))
            account = _members_account(uow, member, form.deposit_account.data)
            participation = service.subscribe(
                uow,
                pool=chosen_pool,
                member=uow.get_one(Member, member.id),
                deposit_account=account,
                amount=read_amount(form.amount.data, field="amount"),
                key=form.form_key.data or "",
                actor=g.actor,
            )
            participation_id = participation.id
        if attempt.succeeded:
            _subscribed(db.session.get_one(Participation, participation_id))
            return redirect(url_for("staff.member", member_id=member.id) + "#pools")
    status = form_status(form)
    return (
        render_template(
            "staff/pools/subscribe.html",
            form=_with_key(form),
            member=member,
            account_choices=account_choices,
            pools=open_pools,
        ),
        status,
    )


def _members_account(session: Session, member: Member, value: object) -> DepositAccount:
    account = savings_queries.account_by_id(session, value)
    if account is None or account.member_id != member.id:
        raise ValidationError("deposit_account", N_("is not one of the member's accounts"))
    return account


# ---------------------------------------------------------------------------------------------
# Withdrawals


def _participation_or_404(participation_id: int) -> Participation:
    participation = queries.participation_by_id(db.session, participation_id)
    if participation is None:
        abort(404)
    return participation


def _request_or_404(request_id: int) -> WithdrawalRequest:
    found = queries.withdrawal_by_id(db.session, request_id)
    if found is None:
        abort(404)
    return found


@bp.route("/pools/participations/<int:participation_id>/withdraw", methods=["GET", "POST"])
@staff_required(*BOOK_ROLES)
def pool_withdrawal_request(participation_id: int) -> ResponseReturnValue:
    participation = _participation_or_404(participation_id)
    form = WithdrawalForm()
    if request.method == "POST" and form.validate():
        attempt = Attempt(form)
        with attempt as session:
            asked = service.request_withdrawal(
                session,
                participation=session.get_one(Participation, participation.id),
                amount=read_amount(form.amount.data, field="amount"),
                key=form.form_key.data or "",
                actor=g.actor,
            )
            payable_from = asked.payable_from
        if attempt.succeeded:
            flash(
                _(
                    "Withdrawal request recorded; payable from %(date)s, first come first served.",
                    date=date_filter(payable_from),
                ),
                "success",
            )
            return redirect(url_for("staff.pool", pool_id=participation.pool_id) + "#queue")
    status = form_status(form)
    session = db.session
    return (
        render_template(
            "staff/pools/withdraw.html",
            form=_with_key(form),
            participation=participation,
            balance=queries.participation_balance(session, participation),
            payable_from=add_months(clock.today(), participation.pool.notice_months),
        ),
        status,
    )


@bp.route("/pools/withdrawals/<int:request_id>/pay", methods=["POST"])
@staff_required(*BOOK_ROLES)
def pay_pool_withdrawal(request_id: int) -> ResponseReturnValue:
    found = _request_or_404(request_id)
    pool_id = found.participation.pool_id
    if not PlainForm().validate_on_submit():
        abort(400)
    attempt = Attempt()
    with attempt as session:
        service.pay_withdrawal(session, session.get_one(WithdrawalRequest, found.id), actor=g.actor)
    if attempt.succeeded:
        flash(_("Withdrawal #%(id)s paid to the member's deposit account.", id=found.id), "success")
    return redirect(url_for("staff.pool", pool_id=pool_id) + "#queue")


@bp.route("/pools/withdrawals/<int:request_id>/cancel", methods=["POST"])
@staff_required(*BOOK_ROLES)
def cancel_pool_withdrawal(request_id: int) -> ResponseReturnValue:
    found = _request_or_404(request_id)
    pool_id = found.participation.pool_id
    form = CancelForm()
    if not form.validate_on_submit():
        abort(400)
    attempt = Attempt()
    with attempt as session:
        service.cancel_withdrawal(
            session,
            session.get_one(WithdrawalRequest, found.id),
            reason=(form.reason.data or "").strip(),
            actor=g.actor,
        )
    if attempt.succeeded:
        flash(_("Withdrawal request #%(id)s cancelled.", id=found.id), "info")
    return redirect(url_for("staff.pool", pool_id=pool_id) + "#queue")


@bp.route("/pools/pay-due", methods=["POST"])
@staff_required(*BOOK_ROLES)
def pay_due_pool_withdrawals() -> ResponseReturnValue:
    """Pays every due request of every pool, first come first served, while money is free."""
    if not PlainForm().validate_on_submit():
        abort(400)
    back = form_id("pool_id")
    attempt = Attempt()
    with attempt as session:
        outcome = service.pay_due_withdrawals(session, clock.today(), actor=g.actor)
    if attempt.succeeded:
        flash(
            _(
                "%(count)s due withdrawals paid (%(amount)s); %(waiting)s wait for uncommitted money.",
                count=outcome.paid_count,
                amount=money_filter(outcome.paid_amount),
                waiting=outcome.waiting_count,
            ),
            "success",
        )
    if back:
        return redirect(url_for("staff.pool", pool_id=back) + "#queue")
    return redirect(url_for("staff.pools"))


# ---------------------------------------------------------------------------------------------
# The member page's panel


def member_panel_context(session: Session, member: Member) -> dict[str, Any]:
    return {
        "member_pool_views": queries.member_participations(session, [member.id]),
        "any_open_pool": bool(queries.all_pools(session, open_only=True)),
    }
