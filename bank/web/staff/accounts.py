"""Deposit accounts in the back office: list, detail with transactions, open, book, block, close.

Money forms carry a hidden one-time ``form_key`` (``bank.web.forms.new_form_key``) that ends
up in the ledger's idempotency key: a resubmitted form books once and shows the first booking.
Tellers and admins book; credit officers may look.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField
from wtforms.validators import Length, Optional

from bank import clock
from bank.approvals.queries import pending_for
from bank.errors import N_, BankError, ValidationError
from bank.extensions import db
from bank.members.models import Member
from bank.savings import queries, service
from bank.savings.models import DepositAccount, DepositAccountStatus, SavingsProduct
from bank.web import labels as status_tables
from bank.web.access import staff_required
from bank.web.forms import Attempt, form_status, new_form_key, read_amount, read_percent
from bank.web.messages import render
from bank.web.pagination import page_count, page_number
from bank.web.staff import bp

VIEW_ROLES = ("teller", "admin", "credit_officer")
BOOK_ROLES = service.BOOKING_ROLES
PER_PAGE = 25

STATUS_LABELS = status_tables.ACCOUNT_STATUS


class MoneyForm(FlaskForm):
    """Amount and description; the amount is read in the page's notation (12.000,50 in Dutch)."""

    form_key = HiddenField()
    amount = StringField(_l("Amount (€)"), validators=[Length(max=40)])
    description = StringField(_l("Description"), validators=[Length(max=200)])


class DepositForm(MoneyForm):
    #: Notes paid in at the counter: booked as a cash deposit, which transaction monitoring watches.
    cash = BooleanField(_l("Paid in cash at the counter"))


class TransferForm(MoneyForm):
    to_account = StringField(_l("To account number"), validators=[Length(max=40)])


class OpenAccountForm(FlaskForm):
    product = SelectField(_l("Savings product"), coerce=str)


class BlockForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[Length(max=500)])


class PlainForm(FlaskForm):
    """A button that only needs the CSRF token."""


def _account_or_404(account_id: int) -> DepositAccount:
    account = db.session.get(DepositAccount, account_id)
    if account is None:
        abort(404)
    return account


def _with_key(form: MoneyForm) -> MoneyForm:
    if not form.form_key.data:
        form.form_key.data = new_form_key()
    return form


def _can_book() -> bool:
    return g.actor.has_role(*BOOK_ROLES)


# ---------------------------------------------------------------------------------------------
# Listing and detail


@bp.route("/accounts")
@staff_required(*VIEW_ROLES)
def accounts() -> ResponseReturnValue:
    text = request.args.get("q", "").strip()[:100]
    page = page_number()
    rows, total = queries.search_accounts(db.session, text, page=page, per_page=PER_PAGE)
    return render_template(
        "staff/savings/list.html",
        rows=rows,
        q=text,
        page=page,
        pages=page_count(total, PER_PAGE),
        total=total,
        status_labels=STATUS_LABELS,
    )


@bp.route("/accounts/find")
@staff_required(*VIEW_ROLES)
def find_account() -> ResponseReturnValue:
    """Jump to an account by its number; a wrong check digit is refused with the rule."""
    try:
        account = service.lookup_account(db.session, request.args.get("number", ""), field="number")
    except BankError as error:
        flash(_("Account number: %(rule)s", rule=render(error.fields.get("number", error.message))), "error")
        return redirect(url_for("staff.accounts", q=request.args.get("number", "")[:40]))
    return redirect(url_for("staff.account", account_id=account.id))


@bp.route("/accounts/<int:account_id>")
@staff_required(*VIEW_ROLES)
def account(account_id: int) -> ResponseReturnValue:
    return _render_account(_account_or_404(account_id))


def _render_account(
    account: DepositAccount, *, block_form: BlockForm | None = None, status: int = 200
) -> Any:
    session = db.session
    page = page_number()
    lines, total = queries.transactions(session, account, page=page, per_page=PER_PAGE)
    return (
        render_template(
            "staff/savings/account.html",
            account=account,
            balance=service.available_balance(session, account),
            rate=account.product.rate_on(clock.today()),
            lines=lines,
            page=page,
            pages=page_count(total, PER_PAGE),
            pending=pending_for(session, "deposit_account", account.id),
            can_book=_can_book(),
            block_form=block_form or BlockForm(formdata=None),
            plain_form=PlainForm(formdata=None),
            status_labels=STATUS_LABELS,
            Status=DepositAccountStatus,
        ),
        status,
    )


# ---------------------------------------------------------------------------------------------
# Opening


@bp.route("/members/<int:member_id>/accounts/new", methods=["GET", "POST"])
@staff_required(*BOOK_ROLES)
def open_account(member_id: int) -> ResponseReturnValue:
    session = db.session
    member = session.get(Member, member_id)
    if member is None:
        abort(404)
    form = OpenAccountForm()
    products = queries.active_products(session)
    language = str(get_locale() or "nl")
    form.product.choices = [(p.code, f"{p.name(language)} ({p.code})") for p in products]
    if request.method == "POST" and form.validate():
        attempt = Attempt(form)
        with attempt as uow:
            product = queries.product_by_code(uow, form.product.data)
            if product is None:
                raise ValidationError("product", N_("is not a known savings product"))
            account = service.open_account(uow, member, product, actor=g.actor)
        if attempt.succeeded:
            flash(_("Account %(number)s opened.", number=account.formatted_number), "success")
            return redirect(url_for("staff.account", account_id=account.id))
    status = form_status(form)
    return render_template("staff/savings/open.html", form=form, member=member, products=products), status


# ---------------------------------------------------------------------------------------------
# Bookings


def _booking_page(account: DepositAccount, form: MoneyForm, kind: str, status: int) -> Any:
    return (
        render_template(
            "staff/savings/booking.html",
            account=account,
            form=_with_key(form),
            kind=kind,
            balance=service.available_balance(db.session, account),
            threshold=current_app.config["WITHDRAWAL_APPROVAL_THRESHOLD"],
        ),
        status,
    )


def _booked(account: DepositAccount, entry_id: int, created: bool, what: str) -> Response:
    if created:
        flash(_("%(what)s booked (entry #%(entry)s).", what=what, entry=entry_id), "success")
    else:
        flash(
            _(
                "This form was already submitted; the booking exists (entry #%(entry)s), "
                "nothing was booked twice.",
                entry=entry_id,
            ),
            "info",
        )
    return redirect(url_for("staff.account", account_id=account.id))


@bp.route("/accounts/<int:account_id>/deposit", methods=["GET", "POST"])
@staff_required(*BOOK_ROLES)
def deposit(account_id: int) -> ResponseReturnValue:
    account = _account_or_404(account_id)
    form = DepositForm()
    if request.method == "POST" and form.validate():
        attempt = Attempt(form)
        with attempt as session:
            booked = service.deposit(
                session,
                account,
                read_amount(form.amount.data, field="amount"),
                key=form.form_key.data or "",
                actor=g.actor,
                description=form.description.data or "",
                cash=bool(form.cash.data),
            )
        if attempt.succeeded:
            return _booked(account, booked.entry.id, booked.created, _("Deposit"))
    return _booking_page(account, form, "deposit", form_status(form))


@bp.route("/accounts/<int:account_id>/withdraw", methods=["GET", "POST"])
@staff_required(*BOOK_ROLES)
def withdraw(account_id: int) -> ResponseReturnValue:
    account = _account_or_404(account_id)
    form = MoneyForm()
    if request.method == "POST" and form.validate():
        attempt = Attempt(form)
        with attempt as session:
            outcome = service.withdraw(
                session,
                account,
                read_amount(form.amount.data, field="amount"),
                key=form.form_key.data or "",
                actor=g.actor,
                approval_threshold=current_app.config["WITHDRAWAL_APPROVAL_THRESHOLD"],
                description=form.description.data or "",
            )
        if attempt.succeeded:
            if outcome.approval is not None and outcome.entry is None:
                if outcome.created:
                    flash(
                        _(
                            "The withdrawal needs a second staff member's approval (above the limit "
                            "over 24 hours, or to a payout IBAN changed in the last 30 days): "
                            "request #%(id)s waits.",
                            id=outcome.approval.id,
                        ),
                        "info",
                    )
                else:
                    flash(
                        _("This form was already submitted; request #%(id)s exists.", id=outcome.approval.id),
                        "info",
                    )
                return redirect(url_for("staff.account", account_id=account.id))
            assert outcome.entry is not None
            return _booked(account, outcome.entry.id, outcome.created, _("Withdrawal"))
    return _booking_page(account, form, "withdrawal", form_status(form))


@bp.route("/accounts/<int:account_id>/transfer", methods=["GET", "POST"])
@staff_required(*BOOK_ROLES)
def transfer(account_id: int) -> ResponseReturnValue:
    account = _account_or_404(account_id)
    form = TransferForm()
    if request.method == "POST" and form.validate():
        attempt = Attempt(form)
        with attempt as session:
            target = service.lookup_account(session, form.to_account.data or "", field="to_account")
            booked = service.transfer(
                session,
                account,
                target,
                read_amount(form.amount.data, field="amount"),
                key=form.form_key.data or "",
                actor=g.actor,
                description=form.description.data or "",
            )
        if attempt.succeeded:
            return _booked(account, booked.entry.id, booked.created, _("Transfer"))
    return _booking_page(account, form, "transfer", form_status(form))


# ---------------------------------------------------------------------------------------------
# Block, unblock, close


@bp.route("/accounts/<int:account_id>/block", methods=["POST"])
@staff_required(*BOOK_ROLES)
def block_account(account_id: int) -> ResponseReturnValue:
    account = _account_or_404(account_id)
    form = BlockForm()
    if form.validate():
        attempt = Attempt(form)
        with attempt as session:
            service.block_account(session, account, reason=form.reason.data or "", actor=g.actor)
        if attempt.succeeded:
            flash(
                _("Account %(number)s is blocked: no money can leave it.", number=account.formatted_number),
                "success",
            )
            return redirect(url_for("staff.account", account_id=account.id))
    return _render_account(account, block_form=form, status=422)


@bp.route("/accounts/<int:account_id>/unblock", methods=["POST"])
@staff_required(*BOOK_ROLES)
def unblock_account(account_id: int) -> ResponseReturnValue:
    return _simple_action(account_id, service.unblock_account, _("Account %(number)s is open again."))


@bp.route("/accounts/<int:account_id>/close", methods=["POST"])
@staff_required(*BOOK_ROLES)
def close_account(account_id: int) -> ResponseReturnValue:
    return _simple_action(account_id, service.close_account, _("Account %(number)s is closed."))


def _simple_action(account_id: int, action: Any, done: str) -> Response:
    account = _account_or_404(account_id)
    form = PlainForm()
    if not form.validate():
        abort(400)
    attempt = Attempt()
    with attempt as session:
        action(session, account, actor=g.actor)
    if attempt.succeeded:
        flash(done % {"number": account.formatted_number}, "success")
    return redirect(url_for("staff.account", account_id=account.id))


# ---------------------------------------------------------------------------------------------
# On the member page


def member_panel_context(session: Session, member: Member) -> dict[str, Any]:
    return {
        "member_accounts": queries.accounts_of_member(session, member.id),
        "account_status_labels": STATUS_LABELS,
    }


# ---------------------------------------------------------------------------------------------
# Savings products (administrators define them; everyone who books may look)


class ProductForm(FlaskForm):
    code = StringField(_l("Code"), validators=[Length(max=30)])
    name_nl = StringField(_l("Name (Dutch)"), validators=[Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Length(max=200)])
    rate_percent = StringField(_l("Interest rate, per cent a year"), validators=[Length(max=20)])
    effective_from = DateField(_l("Rate effective from"), validators=[Optional()])


class RateForm(FlaskForm):
    rate_percent = StringField(_l("New interest rate, per cent a year"), validators=[Length(max=20)])
    effective_from = DateField(_l("Effective from"), validators=[Optional()])


#: The services name the rate ``rate_annual`` (a fraction); the form asks ``rate_percent``.
RATE_FIELD = {"rate_annual": "rate_percent"}


@bp.route("/savings-products", methods=["GET", "POST"])
@staff_required(*VIEW_ROLES)
def savings_products() -> ResponseReturnValue:
    form = ProductForm()
    if request.method == "POST":
        if not g.actor.has_role("admin"):
            abort(403)
        if form.validate():
            attempt = Attempt(form, rename=RATE_FIELD)
            with attempt as session:
                product = service.create_product(
                    session,
                    code=form.code.data or "",
                    name_nl=form.name_nl.data or "",
                    name_en=form.name_en.data or "",
                    rate_annual=read_percent(form.rate_percent.data, field="rate_percent"),
                    effective_from=form.effective_from.data or clock.today(),
                    actor=g.actor,
                )
            if attempt.succeeded:
                flash(_("Savings product %(code)s created.", code=product.code), "success")
                return redirect(url_for("staff.savings_products"))
    return _render_products(form=form, status=form_status(form))


def _render_products(
    *, form: ProductForm | None = None, rate_forms: dict[int, RateForm] | None = None, status: int = 200
) -> Any:
    session = db.session
    products = queries.all_products(session)
    counts = queries.account_counts_by_product(session)
    rate_forms = rate_forms or {}
    return (
        render_template(
            "staff/savings/products.html",
            products=products,
            counts=counts,
            form=form or ProductForm(formdata=None),
            rate_forms={p.id: rate_forms.get(p.id) or RateForm(formdata=None) for p in products},
            is_admin=g.actor.has_role("admin"),
            today=clock.today(),
        ),
        status,
    )


@bp.route("/savings-products/<int:product_id>/rates", methods=["POST"])
@staff_required("admin")
def savings_product_rate(product_id: int) -> ResponseReturnValue:
    product = db.session.get(SavingsProduct, product_id)
    if product is None:
        abort(404)
    form = RateForm()
    if form.validate():
        attempt = Attempt(form, rename=RATE_FIELD)
        with attempt as session:
            service.set_product_rate(
                session,
                product,
                rate_annual=read_percent(form.rate_percent.data, field="rate_percent"),
                effective_from=form.effective_from.data or clock.today(),
                actor=g.actor,
            )
        if attempt.succeeded:
            flash(_("New rate for %(code)s recorded.", code=product.code), "success")
            return redirect(url_for("staff.savings_products"))
    return _render_products(rate_forms={product.id: form}, status=422)
