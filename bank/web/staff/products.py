"""Loan products in the back office: every staff member reads them, administrators define them.

An edit saves a new version (the old one stays for the loans made on it); retiring stops new
loans on the product.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import abort, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length

from bank.errors import NotFound, ValidationError
from bank.extensions import db
from bank.loans import products as service
from bank.loans.products_models import FeeKind, LoanProduct, ProductStatus
from bank.web import labels as status_tables
from bank.web.access import staff_required
from bank.web.filters import amount_input, number_input
from bank.web.forms import Attempt, canonical_numbers, numbers_refused
from bank.web.labels import DAY_COUNT_LABELS, FREQUENCY_LABELS, METHOD_LABELS, label_choices
from bank.web.staff import bp
from bank.web.staff.collection_cases import ladder_context

ADMIN = service.PRODUCT_ADMIN_ROLES
ALL_STAFF = ("admin", "teller", "credit_officer", "committee")

PURPOSE_LABELS = status_tables.PURPOSE_LABELS
FEE_KIND_LABELS = {FeeKind.FIXED: _l("Fixed amount"), FeeKind.PERCENT: _l("Percentage of the principal")}
STATUS_LABELS = status_tables.PRODUCT_STATUS


class ProductForm(FlaskForm):
    code = StringField(_l("Code"), validators=[Length(max=30)])
    name_nl = StringField(_l("Name (Dutch)"), validators=[Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Length(max=200)])
    purpose = SelectField(_l("Purpose"), choices=label_choices(PURPOSE_LABELS))
    description = TextAreaField(_l("Description"), validators=[Length(max=2000)])
    amount_min = StringField(_l("Minimum amount (€)"), validators=[Length(max=40)])
    amount_max = StringField(_l("Maximum amount (€)"), validators=[Length(max=40)])
    term_min_months = StringField(_l("Minimum term (months)"), validators=[Length(max=5)])
    term_max_months = StringField(_l("Maximum term (months)"), validators=[Length(max=5)])
    rate_annual = StringField(_l("Annual rate, per cent"), validators=[Length(max=20)])
    method = SelectField(_l("Repayment method"), choices=label_choices(METHOD_LABELS))
    frequency = SelectField(_l("Frequency"), choices=label_choices(FREQUENCY_LABELS))
    max_grace_periods = StringField(_l("Maximum principal grace (periods)"), validators=[Length(max=5)])
    instalment_multiple = StringField(_l("Round the instalment to (€)"), validators=[Length(max=20)])
    day_count = SelectField(_l("Day count"), choices=label_choices(DAY_COUNT_LABELS))
    arrangement_fee_kind = SelectField(_l("Arrangement fee"), choices=label_choices(FEE_KIND_LABELS))
    arrangement_fee_amount = StringField(_l("Fixed arrangement fee (€)"), validators=[Length(max=40)])
    arrangement_fee_rate = StringField(
        _l("Arrangement fee, per cent of the principal"), validators=[Length(max=20)]
    )
    late_fee = StringField(_l("Late fee (€)"), validators=[Length(max=40)])
    return_fee = StringField(_l("Fee per returned direct debit (€)"), validators=[Length(max=40)])
    forbearance_committee_above = StringField(
        _l("Forbearance needs the committee above an outstanding principal of (€)"),
        validators=[Length(max=40)],
    )
    penalty_rate_annual = StringField(
        _l("Penalty rate on overdue principal, per cent"), validators=[Length(max=20)]
    )
    tolerance_days = StringField(_l("Days of tolerance before arrears"), validators=[Length(max=3)])
    allocation_order = StringField(_l("Allocation order of a payment"), validators=[Length(max=100)])


def _percent_text(rate: Decimal) -> str:
    """A stored rate (0.065) as the form shows it, in the page's notation ("6,5" in Dutch)."""
    return number_input(rate * 100)


#: The form's amounts and percentages, read in the page's notation before the service reads the rest.
PRODUCT_AMOUNTS = (
    "amount_min",
    "amount_max",
    "instalment_multiple",
    "arrangement_fee_amount",
    "late_fee",
    "return_fee",
    "forbearance_committee_above",
)
PRODUCT_PERCENTAGES = ("rate_annual", "arrangement_fee_rate", "penalty_rate_annual")


def _terms(form: ProductForm) -> service.ProductTerms:
    """The product terms of the form; every mistake, the page's reading of numbers first, at once."""
    data, refused = canonical_numbers(
        form.data,
        amounts=PRODUCT_AMOUNTS,
        decimals=PRODUCT_PERCENTAGES,
        wholes=("term_min_months", "term_max_months", "max_grace_periods", "tolerance_days"),
    )
    try:
        terms = service.parse_product_terms(data)
    except ValidationError as error:
        numbers_refused(refused, error)
        raise
    numbers_refused(refused)
    return terms


def _prefill(form: ProductForm, product: LoanProduct) -> None:
    form.name_nl.data = product.name_nl
    form.name_en.data = product.name_en
    form.purpose.data = product.purpose.value
    form.description.data = product.description
    form.amount_min.data = amount_input(product.amount_min)
    form.amount_max.data = amount_input(product.amount_max)
    form.term_min_months.data = str(product.term_min_months)
    form.term_max_months.data = str(product.term_max_months)
    form.rate_annual.data = _percent_text(product.rate_annual)
    form.method.data = product.method.value
    form.frequency.data = product.frequency.value
    form.max_grace_periods.data = str(product.max_grace_periods)
    form.instalment_multiple.data = amount_input(product.instalment_multiple)
    form.day_count.data = product.day_count.value
    form.arrangement_fee_kind.data = product.arrangement_fee_kind.value
    form.arrangement_fee_amount.data = amount_input(product.arrangement_fee_amount)
    form.arrangement_fee_rate.data = _percent_text(product.arrangement_fee_rate)
    form.late_fee.data = amount_input(product.late_fee)
    form.return_fee.data = amount_input(product.return_fee)
    form.forbearance_committee_above.data = amount_input(product.forbearance_committee_above)
    form.penalty_rate_annual.data = _percent_text(product.penalty_rate_annual)
    form.tolerance_days.data = str(product.tolerance_days)
    form.allocation_order.data = product.allocation_order


def _product_or_404(code: str) -> LoanProduct:
    try:
        return service.current_version(db.session, code)
    except NotFound:
        abort(404)


def _labels() -> dict[str, Any]:
    return {
        "purpose_labels": PURPOSE_LABELS,
        "method_labels": METHOD_LABELS,
        "frequency_labels": FREQUENCY_LABELS,
        "day_count_labels": DAY_COUNT_LABELS,
        "fee_kind_labels": FEE_KIND_LABELS,
        "status_labels": STATUS_LABELS,
    }


@bp.route("/loan-products")
@staff_required(*ALL_STAFF)
def loan_products() -> ResponseReturnValue:
    rows = service.list_products(db.session)
    return render_template(
        "staff/products/list.html", products=rows, can_edit=g.actor.has_role(*ADMIN), **_labels()
    )


@bp.route("/loan-products/<code>")
@staff_required(*ALL_STAFF)
def loan_product(code: str) -> ResponseReturnValue:
    product = _product_or_404(code)
    return render_template(
        "staff/products/detail.html",
        product=product,
        versions=service.versions(db.session, product.code),
        can_edit=g.actor.has_role(*ADMIN),
        can_edit_ladder=g.actor.has_role("admin"),
        **ladder_context(db.session, product),
        **_labels(),
    )


@bp.route("/loan-products/new", methods=["GET", "POST"])
@staff_required(*ADMIN)
def new_loan_product() -> ResponseReturnValue:
    form = ProductForm()
    if not form.is_submitted():
        form.instalment_multiple.data = amount_input("0.01")
        form.allocation_order.data = "penalties,fees,interest,principal"
        form.max_grace_periods.data = "0"
        form.tolerance_days.data = "0"
    if form.validate_on_submit():
        attempt = Attempt(form)
        with attempt as session:
            terms = _terms(form)
            product = service.create_product(session, form.code.data or "", terms, actor=g.actor)
        if attempt.succeeded:
            flash(_("Loan product %(code)s created.", code=product.code), "info")
            return redirect(url_for("staff.loan_product", code=product.code))
    return render_template("staff/products/form.html", form=form, product=None)


@bp.route("/loan-products/<code>/edit", methods=["GET", "POST"])
@staff_required(*ADMIN)
def edit_loan_product(code: str) -> ResponseReturnValue:
    product = _product_or_404(code)
    if product.status is ProductStatus.RETIRED:
        flash(_("A retired product can no longer be changed."), "error")
        return redirect(url_for("staff.loan_product", code=product.code))
    form = ProductForm()
    if not form.is_submitted():
        _prefill(form, product)
    if form.validate_on_submit():
        attempt = Attempt(form)
        with attempt as session:
            terms = _terms(form)
            saved = service.edit_product(session, product.code, terms, actor=g.actor)
        if attempt.succeeded:
            flash(
                _("Saved as version %(version)s of %(code)s.", version=saved.version, code=saved.code),
                "info",
            )
            return redirect(url_for("staff.loan_product", code=saved.code))
    return render_template("staff/products/form.html", form=form, product=product)


@bp.route("/loan-products/<code>/retire", methods=["POST"])
@staff_required(*ADMIN)
def retire_loan_product(code: str) -> ResponseReturnValue:
    product = _product_or_404(code)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    attempt = Attempt()
    with attempt as session:
        service.retire_product(session, product.code, actor=g.actor)
    if attempt.succeeded:
        flash(_("%(code)s is retired: no new loans on it.", code=product.code), "info")
    return redirect(url_for("staff.loan_product", code=product.code))
