"""The schedule calculator: pick a product or enter terms; table, totals, APR and a small chart.

The same form and result serve the back office (``/staff/calculator``, in
:mod:`bank.web.staff.calculator`) and the public part of the portal (``/calculator``, in
:mod:`bank.web.public`); it lives beside both, so the public page never imports the staff
blueprint. It is a GET form: nothing is stored, so a result can be bookmarked or sent to a
prospective borrower.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # new in WTForms 3.3, not in its stubs
from wtforms.validators import Length

from bank import clock
from bank.errors import N_, BankError, ValidationError
from bank.loans import products
from bank.loans.products_models import LoanProduct
from bank.loans.schedule import Frequency, Schedule, ScheduleTerms, build_schedule
from bank.web.forms import amount_input, canonical_numbers, numbers_refused, show_errors
from bank.web.labels import DAY_COUNT_LABELS, FREQUENCY_LABELS, METHOD_LABELS, label_choices

#: Size of the inline SVG chart (user units).
CHART_WIDTH = 720
CHART_HEIGHT = 180


class CalculatorForm(FlaskForm):
    """Terms of a proposed loan; field names are the engine's, so errors land beside the input."""

    class Meta:
        csrf = False  # a GET form that stores nothing

    product_code = SelectField(_l("Loan product"), choices=[])
    principal = StringField(_l("Principal (€)"), validators=[Length(max=40)])
    #: In months, as the loan application asks it; the engine's ``term`` (periods) is derived.
    term_months = StringField(_l("Term (months)"), validators=[Length(max=5)])
    rate_annual = StringField(_l("Annual rate, per cent"), validators=[Length(max=20)])
    method = SelectField(_l("Repayment method"), choices=label_choices(METHOD_LABELS))
    frequency = SelectField(_l("Frequency"), choices=label_choices(FREQUENCY_LABELS))
    day_count = SelectField(_l("Day count"), choices=label_choices(DAY_COUNT_LABELS))
    disbursed_on = StringField(_l("Disbursed on"), validators=[Length(max=10)], render_kw={"type": "date"})
    first_due_on = StringField(_l("First due date"), validators=[Length(max=10)], render_kw={"type": "date"})
    grace_principal = StringField(_l("Principal grace (periods)"), validators=[Length(max=5)])
    instalment_multiple = StringField(_l("Round the instalment to (€)"), validators=[Length(max=20)])


@dataclass(frozen=True)
class Bar:
    """One period in the chart: a principal bar with the interest stacked on top."""

    number: int
    x: str
    width: str
    principal_y: str
    principal_height: str
    interest_y: str
    interest_height: str
    label: str


def chart_bars(schedule: Schedule) -> list[Bar]:
    """Principal vs interest per period, scaled to the largest instalment (inline SVG, no script)."""
    rows = schedule.instalments
    largest = max((row.total for row in rows), default=0) or 1
    step = CHART_WIDTH / len(rows)
    width = max(step * 0.8, 0.5)
    bars = []
    for index, row in enumerate(rows):
        principal_height = float(row.principal / largest) * CHART_HEIGHT
        interest_height = float(row.interest / largest) * CHART_HEIGHT
        bars.append(
            Bar(
                number=row.number,
                x=f"{index * step:.2f}",
                width=f"{width:.2f}",
                principal_y=f"{CHART_HEIGHT - principal_height:.2f}",
                principal_height=f"{principal_height:.2f}",
                interest_y=f"{CHART_HEIGHT - principal_height - interest_height:.2f}",
                interest_height=f"{interest_height:.2f}",
                label=f"{row.number}: {amount_input(row.principal)} + {amount_input(row.interest)}",
            )
        )
    return bars


def _with_periods(form: CalculatorForm, product: LoanProduct | None) -> dict[str, Any]:
    """The form's data with the term in periods: months divided by the months of one period.

    A quarterly loan over 84 months has 28 instalments; 85 months is refused beside the field.
    Anything but whole months is passed on as typed, for the engine to refuse.
    """
    data = dict(form.data)
    months_text = (data.pop("term_months", None) or "").strip()
    try:
        frequency = product.frequency if product is not None else Frequency(form.frequency.data)
    except ValueError:
        frequency = Frequency.MONTHLY
    if months_text.isascii() and months_text.isdigit() and int(months_text) > 0:
        months = int(months_text)
        if months % frequency.months:
            raise ValidationError(
                "term_months",
                N_("must be a multiple of %(months)s months (one instalment every %(months)s months)"),
                months=frequency.months,
            )
        data["term"] = str(months // frequency.months)
    else:
        data["term"] = months_text
    return data


def _terms(product: LoanProduct | None, data: dict[str, Any]) -> ScheduleTerms:
    """The schedule terms of the form; numbers are read in the page's notation ("25.000" in Dutch)."""
    data, refused = canonical_numbers(
        data,
        amounts=("principal", "instalment_multiple"),
        decimals=("rate_annual",),
        wholes=("term", "grace_principal"),
    )
    try:
        terms = products.preview_terms(product, data)
    except ValidationError as error:
        numbers_refused(refused, error)
        raise
    numbers_refused(refused)
    return terms


def run_calculator(session: Session) -> dict[str, Any]:
    """Parse the query string, compute the schedule, and return what the templates show."""
    active = products.active_products(session)
    form = CalculatorForm(request.args)
    form.product_code.choices = [SelectChoice("", str(_l("Own terms (no product)")))] + [
        SelectChoice(p.code, f"{p.name(_language())} ({p.code})") for p in active
    ]
    if not request.args.get("disbursed_on"):
        form.disbursed_on.data = clock.today().isoformat()
    if not request.args.get("instalment_multiple"):
        form.instalment_multiple.data = amount_input("0.01")
    product: LoanProduct | None = None
    schedule: Schedule | None = None
    fee = None
    if "principal" in request.args:
        try:
            code = form.product_code.data or ""
            if code:
                product = products.active_product(session, code)
            terms = _terms(product, _with_periods(form, product))
            schedule = build_schedule(terms)
            fee = terms.fees
        except BankError as error:
            # The engine counts periods ("term"); the form asks months.
            error.fields = {
                ("term_months" if name == "term" else name): rule for name, rule in error.fields.items()
            }
            show_errors(form, error)
    elif request.args.get("product_code"):
        # Coming from a product page: prefill the product's own terms.
        product = next((p for p in active if p.code == request.args["product_code"]), None)
    return {
        "form": form,
        "product": product,
        "schedule": schedule,
        "fee": fee,
        "bars": chart_bars(schedule) if schedule else [],
        "chart_width": CHART_WIDTH,
        "chart_height": CHART_HEIGHT,
        "products": active,
    }


def _language() -> str:
    locale = get_locale()
    return str(locale) if locale else "nl"
