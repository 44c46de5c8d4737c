"""Pure amortisation maths: loan terms in, an exact schedule out (no database, no Flask).

Two engines compute the same thing:

* :func:`build_schedule` — the *reference*: one loan, ``Decimal`` money and ``Fraction`` maths,
  written to be read against the conventions below.
* :func:`build_schedules` — the *vectorised* path for portfolio work: many loans at once in
  numpy integer cents. It gives the identical cents for every loan (property-tested), and
  :func:`build_schedules` documents why it is exact rather than merely close.

Conventions (each one tested in ``tests/loans``):

* **Periods.** ``term`` counts instalments; a period is 1 (monthly) or 3 (quarterly) calendar
  months. The periodic rate is ``r = rate_annual × months / 12`` (30/360).
* **Due dates** are the disbursement date plus *k* periods, each computed from the disbursement
  date (never chained), the day clipped to the end of a shorter month: disbursed 31 January →
  28/29 February, 31 March, 30 April … With ``first_due_on`` (a broken first period) the later
  dates are counted the same way from the first due date.
* **Interest** of a period is ``balance × rate_annual × days / basis`` rounded half-up to the cent,
  where a regular 30/360 period has ``30 × months`` days on a 360 basis (that is exactly
  ``balance × r``), a broken first 30/360 period has its 30E/360 days, and actual/365 uses the
  actual days between the due dates on a 365 basis.
* **Annuity**: instalment = the annuity payment on the principal over the amortising periods
  (``term − grace``) at the 30/360 periodic rate, rounded half-up to the instalment multiple;
  principal part = instalment − interest. **Linear**: principal part = principal / amortising
  periods rounded half-up to the cent. **Bullet**: interest only, the principal at the end.
  **Grace** *g*: the first *g* periods pay interest only.
* **The last instalment** pays the whole remaining balance plus its interest, so the principal
  column sums exactly to the principal and the final balance is exactly 0.00.
* An instalment never pays less than the period's interest: when a long period's interest
  (a broken first period, a 31-day month under actual/365) exceeds the annuity instalment, that
  period's principal part is 0.00 and its total is the interest — no negative amortisation.
* When a regular principal part reaches the remaining balance before the last period (the
  half-cent rounding of the instalment, compounded over a long term, or a coarse instalment
  multiple, repays a small loan early), that instalment pays the balance off and is the last:
  the schedule then has fewer instalments than the term, never empty or negative ones.
* **APR** (effectieve jaarrente) is the annual rate *X* at which the cash flows balance —
  principal less fees paid out at disbursement, instalments received on their due dates — with
  time in years counted as whole months / 12 plus remaining days / 365 (the EU consumer-credit
  convention); shown as a percentage with two decimals.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Any

import numpy as np

from bank.calendar import add_months
from bank.errors import N_, Message, ValidationError
from bank.money import CENT, ZERO, from_cents, parse_amount, parse_rate_percent, to_cents

#: The largest principal a schedule is made for (€ 10.000.000,00).
MAX_PRINCIPAL = Decimal("10000000.00")
#: The highest annual rate accepted (30 %).
MAX_RATE_ANNUAL = Decimal("0.30")
#: Longest term in periods.
MAX_TERM = 480
#: The coarsest instalment multiple accepted (whole hundreds of euros is already unusual).
MAX_INSTALMENT_MULTIPLE = Decimal("100.00")
#: Rates are exact to this many decimals as a fraction (bank.db.RATE_SCALE = 10**8).
RATE_DECIMALS = 8
_RATE_SCALE = 10**RATE_DECIMALS


class Method(enum.StrEnum):
    """How principal is repaid."""

    #: Equal instalments (interest + principal), rounded to the instalment multiple.
    ANNUITY = "annuity"
    #: Equal principal parts; interest on the declining balance.
    LINEAR = "linear"
    #: Interest only; the whole principal in the last period.
    BULLET = "bullet"


class Frequency(enum.StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"

    @property
    def months(self) -> int:
        """Calendar months in one period."""
        return 1 if self is Frequency.MONTHLY else 3

    @property
    def periods_per_year(self) -> int:
        return 12 // self.months


class DayCount(enum.StrEnum):
    THIRTY_360 = "30/360"
    ACTUAL_365 = "actual/365"


# --------------------------------------------------------------------------- terms


@dataclass(frozen=True)
class ScheduleTerms:
    """Everything a schedule depends on; checked on construction (ValidationError names the field).

    Field names are the ones the API, the CLI (``--grace-principal`` for ``grace_principal``)
    and the forms use, so an error can be shown beside the input that caused it.
    """

    principal: Decimal
    #: Annual rate as a fraction: 0.12 is 12 %.
    rate_annual: Decimal
    #: Number of instalments (periods).
    term: int
    method: Method
    frequency: Frequency
    disbursed_on: dt.date
    first_due_on: dt.date | None = None
    #: Periods at the start that pay interest only.
    grace_principal: int = 0
    instalment_multiple: Decimal = CENT
    day_count: DayCount = DayCount.THIRTY_360
    #: Paid by the borrower at disbursement (arrangement fee); only the APR uses it.
    fees: Decimal = ZERO

    def __post_init__(self) -> None:
        errors: dict[str, str] = {}
        principal = self.principal
        if not isinstance(principal, Decimal) or principal <= 0:
            errors["principal"] = N_("must be greater than 0")
        elif principal != principal.quantize(CENT):
            errors["principal"] = N_("may have at most 2 decimals")
        elif principal > MAX_PRINCIPAL:
            errors["principal"] = Message(
                N_("must not exceed %(max_principal)s"), max_principal=MAX_PRINCIPAL
            )
        rate = self.rate_annual
        if not isinstance(rate, Decimal) or not (0 <= rate <= MAX_RATE_ANNUAL):
            errors["rate_annual"] = N_("must be between 0 and 30 per cent")
        elif rate * _RATE_SCALE != (rate * _RATE_SCALE).to_integral_value():
            errors["rate_annual"] = N_("may have at most 6 decimals (as a percentage)")
        if isinstance(self.term, bool) or not isinstance(self.term, int) or not 1 <= self.term <= MAX_TERM:
            errors["term"] = Message(
                N_("must be a whole number of periods between 1 and %(max_term)s"), max_term=MAX_TERM
            )
        if not isinstance(self.method, Method):
            errors["method"] = N_("must be one of annuity, linear, bullet")
        if not isinstance(self.frequency, Frequency):
            errors["frequency"] = N_("must be one of monthly, quarterly")
        if not isinstance(self.day_count, DayCount):
            errors["day_count"] = N_("must be one of 30/360, actual/365")
        grace = self.grace_principal
        if isinstance(grace, bool) or not isinstance(grace, int) or grace < 0:
            errors["grace_principal"] = N_("must be a whole number of periods, 0 or more")
        elif "term" not in errors and grace >= self.term:
            errors["grace_principal"] = Message(
                N_("must be less than the term (%(term)s periods)"), term=self.term
            )
        multiple = self.instalment_multiple
        if not isinstance(multiple, Decimal) or multiple <= 0 or multiple > MAX_INSTALMENT_MULTIPLE:
            errors["instalment_multiple"] = Message(
                N_("must be greater than 0 and at most %(max_instalment_multiple)s"),
                max_instalment_multiple=MAX_INSTALMENT_MULTIPLE,
            )
        elif multiple != multiple.quantize(CENT):
            errors["instalment_multiple"] = N_("may have at most 2 decimals")
        if not isinstance(self.fees, Decimal) or self.fees < 0 or self.fees != self.fees.quantize(CENT):
            errors["fees"] = N_("must be an amount of 0.00 or more with at most 2 decimals")
        elif "principal" not in errors and self.fees >= principal:
            errors["fees"] = N_("must be less than the principal")
        if not isinstance(self.disbursed_on, dt.date):
            errors["disbursed_on"] = N_("must be a date (YYYY-MM-DD)")
        if self.first_due_on is not None and "disbursed_on" not in errors and "frequency" not in errors:
            if not isinstance(self.first_due_on, dt.date):
                errors["first_due_on"] = N_("must be a date (YYYY-MM-DD)")
            elif self.first_due_on <= self.disbursed_on:
                errors["first_due_on"] = N_("must be after the disbursement date")
            elif self.first_due_on >= add_months(self.disbursed_on, 2 * self.frequency.months):
                latest = add_months(self.disbursed_on, 2 * self.frequency.months) - dt.timedelta(days=1)
                errors["first_due_on"] = Message(
                    N_("must be at most two periods after disbursement (on or before %(latest)s)"),
                    latest=latest,
                )
        if errors:
            raise ValidationError(errors)

    @property
    def months_per_period(self) -> int:
        return self.frequency.months

    @property
    def term_months(self) -> int:
        return self.term * self.frequency.months

    @property
    def rate_scaled(self) -> int:
        """The annual rate as an integer of 10**8 parts (exact)."""
        return int(self.rate_annual * _RATE_SCALE)

    @property
    def rate_periodic(self) -> Fraction:
        """r = rate_annual × months / 12, exact."""
        return Fraction(self.rate_scaled * self.frequency.months, 12 * _RATE_SCALE)

    @property
    def amortising_periods(self) -> int:
        return self.term - self.grace_principal

    @property
    def has_broken_first_period(self) -> bool:
        return self.first_due_on is not None and self.first_due_on != add_months(
            self.disbursed_on, self.frequency.months
        )


def _choice(enum_class: type[enum.StrEnum], value: object, field_name: str) -> Any:
    text = str(value if value is not None else "").strip().lower()
    try:
        return enum_class(text)
    except ValueError:
        allowed = ", ".join(member.value for member in enum_class)
        raise ValidationError(field_name, N_("must be one of %(allowed)s"), allowed=allowed) from None


#: Dates a schedule may start from: a 40-year schedule from the last one still ends before year 9999.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2200, 12, 31)


def _date(value: object, field_name: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        parsed = value
    else:
        try:
            parsed = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError(field_name, N_("must be a date as YYYY-MM-DD")) from None
    if not EARLIEST_DATE <= parsed <= LATEST_DATE:
        # 9999-12-31 passed parsing, then the due dates ran past year 9999 (a 500).
        raise ValidationError(field_name, N_("must be a date between 1900-01-01 and 2200-12-31"))
    return parsed


def _whole(value: object, field_name: str, rule: str) -> int:
    if isinstance(value, bool | float):
        raise ValidationError(field_name, rule)
    if isinstance(value, int):
        return value
    text = str(value if value is not None else "").strip()
    if not text.lstrip("-").isdigit():
        raise ValidationError(field_name, rule)
    return int(text)


def parse_terms(raw: Mapping[str, object]) -> ScheduleTerms:
    """Terms from text input (CLI options, API JSON, form fields), every problem named by field.

    Keys: principal, rate_annual (a percentage), term, method, frequency, disbursed_on,
    first_due_on, grace_principal, instalment_multiple, day_count, fees. All problems found
    are reported together.
    """
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}

    def attempt(name: str, parse: Any) -> None:
        try:
            values[name] = parse()
        except ValidationError as exc:
            errors.update(exc.fields)

    attempt(
        "principal",
        lambda: parse_amount(raw.get("principal"), field="principal", maximum=MAX_PRINCIPAL),
    )
    attempt("rate_annual", lambda: parse_rate_percent(raw.get("rate_annual")))
    attempt(
        "term",
        lambda: _whole(
            raw.get("term"),
            "term",
            Message(N_("must be a whole number of periods between 1 and %(max_term)s"), max_term=MAX_TERM),
        ),
    )
    attempt("method", lambda: _choice(Method, raw.get("method", "annuity"), "method"))
    attempt("frequency", lambda: _choice(Frequency, raw.get("frequency", "monthly"), "frequency"))
    attempt("day_count", lambda: _choice(DayCount, raw.get("day_count") or "30/360", "day_count"))
    attempt("disbursed_on", lambda: _date(raw.get("disbursed_on"), "disbursed_on"))
    if raw.get("first_due_on") not in (None, ""):
        attempt("first_due_on", lambda: _date(raw.get("first_due_on"), "first_due_on"))
    if raw.get("grace_principal") not in (None, ""):
        attempt(
            "grace_principal",
            lambda: _whole(
                raw.get("grace_principal"),
                "grace_principal",
                N_("must be a whole number of periods, 0 or more"),
            ),
        )
    if raw.get("instalment_multiple") not in (None, ""):
        attempt(
            "instalment_multiple",
            lambda: parse_amount(
                raw.get("instalment_multiple"), field="instalment_multiple", maximum=MAX_INSTALMENT_MULTIPLE
            ),
        )
    if raw.get("fees") not in (None, ""):
        attempt("fees", lambda: parse_amount(raw.get("fees"), field="fees", allow_zero=True))
    if errors:
        raise ValidationError(errors)
    return ScheduleTerms(**values)


# --------------------------------------------------------------------------- dates


def due_dates(terms: ScheduleTerms) -> list[dt.date]:
    """The due date of every instalment, each counted from its anchor (never chained)."""
    months = terms.frequency.months
    if terms.first_due_on is None:
        return [add_months(terms.disbursed_on, k * months) for k in range(1, terms.term + 1)]
    return [add_months(terms.first_due_on, k * months) for k in range(terms.term)]


def days_30e_360(start: dt.date, end: dt.date) -> int:
    """Days between two dates under 30E/360 (Eurobond basis): every day 31 counts as 30."""
    return (
        360 * (end.year - start.year)
        + 30 * (end.month - start.month)
        + (min(end.day, 30) - min(start.day, 30))
    )


def period_days(terms: ScheduleTerms, dates: Sequence[dt.date]) -> tuple[list[int], int]:
    """The day count of each period and the basis (360 or 365): interest = balance × rate × days / basis."""
    months = terms.frequency.months
    if terms.day_count is DayCount.ACTUAL_365:
        previous = [terms.disbursed_on, *dates[:-1]]
        return [(due - before).days for before, due in zip(previous, dates, strict=True)], 365
    days = [30 * months] * len(dates)
    if terms.has_broken_first_period:
        days[0] = days_30e_360(terms.disbursed_on, dates[0])
    return days, 360


# --------------------------------------------------------------------------- maths


def annuity_payment(principal_cents: int, rate_periodic: Fraction, periods: int) -> Fraction:
    """The exact annuity payment in cents: P·r / (1 − (1 + r)^−n), or P / n at rate 0."""
    if rate_periodic == 0:
        return Fraction(principal_cents, periods)
    growth = (1 + rate_periodic) ** periods
    return principal_cents * rate_periodic * growth / (growth - 1)


def round_half_up_to(value: Fraction, multiple_cents: int) -> int:
    """Round an exact amount of cents half-up to a multiple of ``multiple_cents``; returns cents."""
    units = value / multiple_cents
    return math.floor(units + Fraction(1, 2)) * multiple_cents


def interest_cents(balance_cents: int, rate_scaled: int, days: int, basis: int) -> int:
    """balance × rate × days / basis, rounded half-up to the cent, computed in Decimal.

    The reference keeps ``Decimal`` on purpose (it is what a reader checks by hand). It is exact:
    with 50 significant digits the product balance × rate × days (at most 30 digits) is exact,
    and the one division is correctly rounded; a true half-cent tie is a terminating decimal and
    comes out exactly, while a non-tie quotient (a rational with denominator ≤ 3.65·10^10) is at
    least 10^-11 cent away from a tie, far beyond the 10^-40 the division can be off.
    """
    with localcontext() as context:
        context.prec = 50
        exact = Decimal(balance_cents) * Decimal(rate_scaled) * Decimal(days) / (Decimal(basis) * _RATE_SCALE)
        return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --------------------------------------------------------------------------- schedule


@dataclass(frozen=True)
class Instalment:
    number: int
    due_on: dt.date
    principal: Decimal
    interest: Decimal
    balance_after: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest

    def to_json(self) -> dict[str, object]:
        return {
            "number": self.number,
            "due_on": self.due_on.isoformat(),
            "principal": f"{self.principal:.2f}",
            "interest": f"{self.interest:.2f}",
            "total": f"{self.total:.2f}",
            "balance_after": f"{self.balance_after:.2f}",
        }


@dataclass(frozen=True)
class Schedule:
    """An amortisation schedule: the instalments and what they add up to."""

    terms: ScheduleTerms
    #: The regular amortising instalment (annuity: the rounded payment; linear: the first
    #: regular instalment, principal part + a regular period's interest on the principal;
    #: bullet: a regular period's interest).
    instalment_amount: Decimal
    instalments: tuple[Instalment, ...]
    #: Effective annual rate in per cent, two decimals ("12.68").
    apr: Decimal = field(default=ZERO)

    @property
    def total_principal(self) -> Decimal:
        return sum((i.principal for i in self.instalments), ZERO)

    @property
    def total_interest(self) -> Decimal:
        return sum((i.interest for i in self.instalments), ZERO)

    @property
    def total_due(self) -> Decimal:
        return self.total_principal + self.total_interest

    @property
    def max_instalment_total(self) -> Decimal:
        return max(i.total for i in self.instalments)

    def to_json(self) -> dict[str, object]:
        """The shape the CLI (--json) and the API answer with; amounts as two-decimal strings."""
        return {
            "instalment_amount": f"{self.instalment_amount:.2f}",
            "total_interest": f"{self.total_interest:.2f}",
            "total_due": f"{self.total_due:.2f}",
            "apr": f"{self.apr:.2f}",
            "instalments": [instalment.to_json() for instalment in self.instalments],
        }


def regular_parts(terms: ScheduleTerms) -> tuple[int, int]:
    """(annuity instalment in cents or 0, fixed principal part in cents or 0) for the terms."""
    principal_cents = to_cents(terms.principal)
    periods = terms.amortising_periods
    if terms.method is Method.ANNUITY:
        payment = annuity_payment(principal_cents, terms.rate_periodic, periods)
        return round_half_up_to(payment, to_cents(terms.instalment_multiple)), 0
    if terms.method is Method.LINEAR:
        return 0, round_half_up_to(Fraction(principal_cents, periods), 1)
    return 0, 0


def build_schedule(terms: ScheduleTerms) -> Schedule:
    """The reference schedule of one loan (see the module docstring for every convention)."""
    dates = due_dates(terms)
    days, basis = period_days(terms, dates)
    rate_scaled = terms.rate_scaled
    principal_cents = to_cents(terms.principal)
    instalment_cents, fixed_principal_cents = regular_parts(terms)
    balance = principal_cents
    rows: list[Instalment] = []
    last = terms.term - 1
    for k in range(terms.term):
        interest = interest_cents(balance, rate_scaled, days[k], basis)
        if k < terms.grace_principal:
            principal_part = 0
        elif terms.method is Method.ANNUITY:
            principal_part = max(instalment_cents - interest, 0)
        else:
            principal_part = fixed_principal_cents
        if k == last or principal_part >= balance:
            # The last instalment (or one that reaches the balance early) closes the loan.
            principal_part = balance
        balance -= principal_part
        rows.append(
            Instalment(
                number=k + 1,
                due_on=dates[k],
                principal=from_cents(principal_part),
                interest=from_cents(interest),
                balance_after=from_cents(balance),
            )
        )
        if balance == 0:
            break
    assert balance == 0, "the last instalment must close the loan"
    regular_interest = round_half_up_to(Fraction(principal_cents) * terms.rate_periodic, 1)
    # Annuity: the rounded payment; linear and bullet: the first regular instalment.
    amount = instalment_cents if terms.method is Method.ANNUITY else fixed_principal_cents + regular_interest
    schedule = Schedule(terms=terms, instalment_amount=from_cents(amount), instalments=tuple(rows))
    assert schedule.total_principal == terms.principal, "the principal column must sum to the principal"
    return Schedule(
        terms=terms,
        instalment_amount=schedule.instalment_amount,
        instalments=schedule.instalments,
        apr=effective_annual_rate(terms, schedule.instalments),
    )


# --------------------------------------------------------------------------- APR


def year_fraction(start: dt.date, end: dt.date) -> float:
    """Time from ``start`` to ``end`` in years: whole months / 12 plus the remaining days / 365."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    while months > 0 and add_months(start, months) > end:
        months -= 1
    rest_days = (end - add_months(start, months)).days
    return months / 12 + rest_days / 365


def effective_annual_rate(terms: ScheduleTerms, instalments: Sequence[Instalment]) -> Decimal:
    """The APR in per cent (two decimals) at which the loan's cash flows balance.

    The borrower receives principal − fees on the disbursement date and pays each instalment's
    total on its due date. A disclosure figure, not money: it is solved in floating point
    (Newton's method kept inside a bisection bracket) to 10^-12 and then rounded half-up.
    Fees so large against a loan so short that the rate would pass 100,000,000 % are refused,
    naming ``fees``: no such figure could be disclosed meaningfully.
    """
    received = float(terms.principal - terms.fees)
    times = np.array([year_fraction(terms.disbursed_on, i.due_on) for i in instalments])
    payments = np.array([float(i.total) for i in instalments])

    def npv(rate: float) -> float:
        return float(np.dot(payments, np.power(1.0 + rate, -times))) - received

    def slope(rate: float) -> float:
        return float(np.dot(-times * payments, np.power(1.0 + rate, -times - 1.0)))

    # npv falls as the rate rises; bracket the root.
    low, high = -0.99, 1.0
    while npv(high) > 0:
        low, high = high, high * 10
        if high > 1e6:
            raise ValidationError(
                "fees", N_("make the effective annual rate meaningless (above 100,000,000 per cent)")
            )
    rate = min(max(float((1 + terms.rate_periodic) ** terms.frequency.periods_per_year - 1), low), high)
    for _ in range(200):
        value = npv(rate)
        if value > 0:
            low = rate
        else:
            high = rate
        derivative = slope(rate)
        candidate = rate - value / derivative if derivative else low - 1
        if not low < candidate < high:
            candidate = (low + high) / 2
        if abs(candidate - rate) < 1e-13:
            rate = candidate
            break
        rate = candidate
    return (Decimal(repr(rate)) * 100).quantize(CENT, rounding=ROUND_HALF_UP) + ZERO


# --------------------------------------------------------------------------- vectorised


#: A float annuity payment is trusted only when it lies farther from a rounding boundary (half a
#: multiple) than this share of the payment (plus _FLOAT_TIE_FLOOR_CENTS); the proven relative
#: error is below 1.2·10^-15 (see :func:`build_schedules`), so the margin is ~800-fold.
_FLOAT_TIE_WINDOW_RELATIVE = 1e-12
_FLOAT_TIE_FLOOR_CENTS = 1e-9
_METHOD_CODES = {Method.ANNUITY: 0, Method.LINEAR: 1, Method.BULLET: 2}
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_MAX_PRINCIPAL_CENTS = int(MAX_PRINCIPAL * 100)
_MAX_RATE_SCALED = int(MAX_RATE_ANNUAL * _RATE_SCALE)
_MAX_MULTIPLE_CENTS = int(MAX_INSTALMENT_MULTIPLE * 100)


@dataclass(frozen=True)
class LoanArrays:
    """The terms of many loans as parallel numpy arrays (the input of :func:`build_schedules`).

    Build it with :meth:`from_terms`, or directly from stored loans (integer cents, rates in
    10^-8 parts, dates as days since 1970-01-01) for portfolio work; :meth:`validate` checks the
    same bounds :class:`ScheduleTerms` does, which the exactness argument relies on.
    """

    principal_cents: np.ndarray
    rate_scaled: np.ndarray
    term: np.ndarray
    grace_principal: np.ndarray
    #: 1 (monthly) or 3 (quarterly).
    months_per_period: np.ndarray
    #: 0 annuity, 1 linear, 2 bullet.
    method: np.ndarray
    instalment_multiple_cents: np.ndarray
    actual_365: np.ndarray
    #: Days since 1970-01-01.
    disbursed_on: np.ndarray
    #: Days since 1970-01-01; equal to ``disbursed_on`` when there is no first due date.
    first_due_on: np.ndarray
    fees_cents: np.ndarray

    def __len__(self) -> int:
        return len(self.principal_cents)

    @classmethod
    def from_terms(cls, terms_list: Sequence[ScheduleTerms]) -> LoanArrays:
        if not terms_list:
            raise ValueError("no loans given")

        def column(values: list[int]) -> np.ndarray:
            return np.array(values, dtype=np.int64)

        return cls(
            principal_cents=column([int(t.principal * 100) for t in terms_list]),
            rate_scaled=column([t.rate_scaled for t in terms_list]),
            term=column([t.term for t in terms_list]),
            grace_principal=column([t.grace_principal for t in terms_list]),
            months_per_period=column([t.frequency.months for t in terms_list]),
            method=column([_METHOD_CODES[t.method] for t in terms_list]),
            instalment_multiple_cents=column([int(t.instalment_multiple * 100) for t in terms_list]),
            actual_365=np.array([t.day_count is DayCount.ACTUAL_365 for t in terms_list], dtype=bool),
            disbursed_on=column([t.disbursed_on.toordinal() - _EPOCH_ORDINAL for t in terms_list]),
            first_due_on=column(
                [(t.first_due_on or t.disbursed_on).toordinal() - _EPOCH_ORDINAL for t in terms_list]
            ),
            fees_cents=column([int(t.fees * 100) for t in terms_list]),
        )

    def validate(self) -> None:
        """Refuse arrays outside the bounds that keep the int64 arithmetic exact."""
        checks = {
            "principal": (self.principal_cents >= 1) & (self.principal_cents <= _MAX_PRINCIPAL_CENTS),
            "rate_annual": (self.rate_scaled >= 0) & (self.rate_scaled <= _MAX_RATE_SCALED),
            "term": (self.term >= 1) & (self.term <= MAX_TERM),
            "grace_principal": (self.grace_principal >= 0) & (self.grace_principal < self.term),
            "frequency": (self.months_per_period == 1) | (self.months_per_period == 3),
            "method": (self.method >= 0) & (self.method <= 2),
            "instalment_multiple": (self.instalment_multiple_cents >= 1)
            & (self.instalment_multiple_cents <= _MAX_MULTIPLE_CENTS),
            "first_due_on": (self.first_due_on >= self.disbursed_on)
            & (self.first_due_on - self.disbursed_on < 2 * 31 * self.months_per_period),
        }
        for name, ok in checks.items():
            if not ok.all():
                raise ValidationError(name, N_("out of bounds for loan #%(index)s"), index=int(np.argmin(ok)))

    def terms_at(self, index: int) -> ScheduleTerms:
        """Loan ``index`` as :class:`ScheduleTerms` (validated like any other terms)."""
        disbursed = dt.date.fromordinal(int(self.disbursed_on[index]) + _EPOCH_ORDINAL)
        first = int(self.first_due_on[index])
        return ScheduleTerms(
            principal=from_cents(int(self.principal_cents[index])),
            rate_annual=Decimal(int(self.rate_scaled[index])) / _RATE_SCALE,
            term=int(self.term[index]),
            method=list(_METHOD_CODES)[int(self.method[index])],
            frequency=Frequency.MONTHLY if self.months_per_period[index] == 1 else Frequency.QUARTERLY,
            disbursed_on=disbursed,
            first_due_on=None
            if first == self.disbursed_on[index]
            else dt.date.fromordinal(first + _EPOCH_ORDINAL),
            grace_principal=int(self.grace_principal[index]),
            instalment_multiple=from_cents(int(self.instalment_multiple_cents[index])),
            day_count=DayCount.ACTUAL_365 if self.actual_365[index] else DayCount.THIRTY_360,
            fees=from_cents(int(self.fees_cents[index])),
        )


@dataclass(frozen=True)
class ScheduleBatch:
    """Schedules of many loans as arrays; row *i* is loan *i*, column *k* its period *k + 1*.

    Periods after a loan's last instalment hold zeros (and NaT dates). Amounts are integer cents
    (int32 per period: a part never exceeds the 10^9-cent principal, so memory traffic halves).
    Due dates are computed once per distinct anchor (loans disbursed on the same day share
    them) and expanded per loan on first use of :attr:`due_on`; balances likewise on first use.
    """

    loans: LoanArrays
    #: Number of instalments of each loan (the term, or fewer when a loan closes early).
    term: np.ndarray
    instalment_cents: np.ndarray
    principal_cents: np.ndarray
    interest_cents: np.ndarray
    #: Due dates (days since 1970-01-01) per distinct anchor, and each loan's row in it.
    due_rows: np.ndarray
    due_row_of_loan: np.ndarray

    def __len__(self) -> int:
        return len(self.loans)

    @functools.cached_property
    def due_on(self) -> np.ndarray:
        """Every loan's due dates as ``datetime64[D]`` (NaT after its last instalment)."""
        days = self.due_rows[self.due_row_of_loan]
        days[np.arange(days.shape[1])[None, :] >= self.term[:, None]] = np.iinfo(np.int64).min
        return days.view("datetime64[D]")

    @functools.cached_property
    def balance_after_cents(self) -> np.ndarray:
        """The balance after each period (int64): the principal less the principal paid so far."""
        return self.loans.principal_cents[:, None] - np.cumsum(self.principal_cents, axis=1, dtype=np.int64)

    @property
    def total_interest_cents(self) -> np.ndarray:
        return self.interest_cents.sum(axis=1, dtype=np.int64)

    def schedule(self, index: int) -> Schedule:
        """Loan ``index`` as a :class:`Schedule` (with its APR), e.g. to compare with the reference."""
        terms = self.loans.terms_at(index)
        dates = self.due_rows[self.due_row_of_loan[index]]
        balances = int(self.loans.principal_cents[index]) - np.cumsum(
            self.principal_cents[index], dtype=np.int64
        )
        rows = tuple(
            Instalment(
                number=k + 1,
                due_on=dt.date.fromordinal(int(dates[k]) + _EPOCH_ORDINAL),
                principal=from_cents(int(self.principal_cents[index, k])),
                interest=from_cents(int(self.interest_cents[index, k])),
                balance_after=from_cents(int(balances[k])),
            )
            for k in range(int(self.term[index]))
        )
        return Schedule(
            terms=terms,
            instalment_amount=from_cents(int(self.instalment_cents[index])),
            instalments=rows,
            apr=effective_annual_rate(terms, rows),
        )


def _month_dates(anchor_days: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """anchor[i] + offsets[i, k] calendar months as int64 days since 1970-01-01, day clipped to month end.

    Month starts and lengths come from a small lookup table over the months spanned, so the
    per-element work is integer adds, two gathers and a minimum (no calendar conversions).
    """
    anchor_month = anchor_days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    first_of_anchor_month = anchor_month.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    anchor_day = anchor_days - first_of_anchor_month  # 0-based day of the month
    target = anchor_month[:, None] + offsets
    low = int(target.min())
    table = (
        np.arange(low, int(target.max()) + 2).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    )
    starts = table[:-1]
    last_day = np.diff(table) - 1
    index = target - low
    return starts[index] + np.minimum(anchor_day[:, None], last_day[index])


def build_schedules(terms_list: Sequence[ScheduleTerms] | LoanArrays) -> ScheduleBatch:
    """The schedules of many loans at once, in numpy integer cents — identical to :func:`build_schedule`.

    Why it is exact, not just close:

    * **Interest** is ``round_half_up(B·R·d / D)`` with B the balance in cents (≤ 10^9, since
      balances only fall from the principal), R the annual rate in 10^-8 parts (≤ 3·10^7),
      d the period's days and D = basis·10^8. Regular periods (d ≤ 92) are evaluated as
      ``(B·2Rd + D) // 2D`` on unsigned 64-bit views of the same non-negative integers:
      2·B·R·d ≤ 5.52·10^18 and D ≤ 3.65·10^10, below 2^63 ≈ 9.22·10^18. The first period (a
      broken one stays under two periods, at most 185 days) uses ``q, rem = divmod(B·Rd, D)``
      plus one when ``2·rem ≥ D``: B·R·d ≤ 5.55·10^18. No float is involved, nothing overflows
      (the bounds are checked by :meth:`LoanArrays.validate` and asserted per batch). Each
      period's principal and interest (< 2^31) are stored as int32.
    * **Linear** parts and the rate-0 annuity are integer divisions, rounded half-up exactly.
    * **The annuity payment** is first computed in float64 as ``P·r / −expm1(−n·log1p(r))``
      with u = 2^-53: r = R·m / 1.2·10^9 has relative error ≤ u (R·m is an exact integer);
      log1p(r) ≤ 3u (its own ≤ 1 ulp plus r's error, damped by r / ((1+r)·log1p r) ≤ 1);
      x = −n·log1p(r) ≤ 4u; expm1(x) ≤ 5u, since expm1's sensitivity y·e^-y / (1 − e^-y) ≤ 1
      for y = −x > 0; the product and quotient with P and r add 3u: in all < 10u ≈ 1.2·10^-15
      of the payment. Where the float lies closer than 10^-12 of the payment (+10^-9 cent) to a
      rounding boundary (half a multiple), the payment is recomputed exactly with ``Fraction``
      like the reference; elsewhere rounding the float cannot pick another multiple. (Portfolio
      payments almost never fall in that window; the property tests aim loans right at it.)
    * **Dates** are integer days: the start and length of every month spanned come from a lookup
      table built with numpy's calendar, the day clipped to the month's end.

    Speed: the recurrence over periods (each balance depends on the previous rounded interest)
    is a Python loop over the *periods*, each step a handful of in-place array operations over
    all loans of one kind (loans are grouped by method and day count, so every step is the same
    straight-line arithmetic with a scalar divisor).
    """
    loans = terms_list if isinstance(terms_list, LoanArrays) else LoanArrays.from_terms(terms_list)
    loans.validate()
    count = len(loans)
    principal, rate, term, grace, months = (
        loans.principal_cents,
        loans.rate_scaled,
        loans.term,
        loans.grace_principal,
        loans.months_per_period,
    )
    method, multiple, actual = loans.method, loans.instalment_multiple_cents, loans.actual_365
    disbursed, first_due = loans.disbursed_on, loans.first_due_on
    has_first = first_due != disbursed
    periods = int(term.max())
    column = np.arange(periods, dtype=np.int64)

    # Due dates, once per distinct anchor: from the disbursement date (k = 1..n periods) or
    # from the first due date (k = 0..n-1).
    anchor = np.where(has_first, first_due, disbursed)
    shift = np.where(has_first, 0, 1)
    keys, due_row_of_loan = _distinct((anchor * 2 + shift) * 4 + months)
    key_months, key_shift, key_anchor = keys % 4, (keys // 4) % 2, keys // 8
    due_rows = _month_dates(key_anchor, (column[None, :] + key_shift[:, None]) * key_months[:, None])

    # Days of the first period: 30 a month; a broken 30/360 one its 30E/360 days; actual/365 actual.
    first_days = 30 * months
    broken = np.zeros(count, dtype=bool)
    if has_first.any():
        regular_first = _month_dates(disbursed, months[:, None])[:, 0]
        broken = has_first & (first_due != regular_first)
        if broken.any():
            start_y, start_m, start_d = _ymd(disbursed[broken])
            end_y, end_m, end_d = _ymd(first_due[broken])
            first_days = first_days.copy()
            first_days[broken] = (
                360 * (end_y - start_y)
                + 30 * (end_m - start_m)
                + (np.minimum(end_d, 30) - np.minimum(start_d, 30))
            )
    if actual.any():
        first_days = np.where(actual, due_rows[due_row_of_loan, 0] - disbursed, first_days)

    # Regular parts: the annuity payment rounded to its multiple; the linear principal part.
    amortising = term - grace
    instalment = np.zeros(count, dtype=np.int64)
    annuity = method == 0
    if annuity.any():
        instalment[annuity] = _annuity_cents(
            principal[annuity], rate[annuity], months[annuity], amortising[annuity], multiple[annuity]
        )
    fixed_part = np.where(method == 1, (2 * principal + amortising) // (2 * amortising), 0)
    regular_interest = _regular_interest(principal, rate, months)

    # Both outputs in one block: one allocation the allocator keeps or the kernel backs with
    # huge pages (numpy advises them from 4 MiB). As two blocks of 2.4 MB each (10 000 loans ×
    # 60 periods) glibc handed both back to the kernel on free and faulted them in again page
    # by page on every call: 1 200 page faults, more than half of the schedules' time.
    # When one group (method and day count) holds every loan, its recurrence writes every row
    # (rows after a loan closes as zeros), so the block need not be zeroed first.
    one_group = bool((method == method[0]).all() and (actual == actual[0]).all())
    allocate = np.empty if one_group else np.zeros
    principal_out, interest_out = allocate((2, periods, count), dtype=np.int32)
    for method_code in (0, 1, 2):
        for actual_days in (False, True):
            members = (method == method_code) & (actual == actual_days)
            if not members.any():
                continue
            whole = bool(members.all())
            index = slice(None) if whole else np.flatnonzero(members)
            group_term = term[index]
            group_periods = int(group_term.max())
            group_rate = rate[index]
            rate_days_2 = None
            if actual_days:
                dates = due_rows[due_row_of_loan[index], :group_periods]
                days = np.diff(dates, axis=1)
                rate_days_2 = np.ascontiguousarray((2 * group_rate[:, None] * days).T)
            group_instalment = instalment[index]
            clamp = method_code == 0 and (
                actual_days or bool((group_instalment < regular_interest[index]).any())
            )
            may_close_early = clamp or _may_close_early(
                method_code,
                irregular=actual_days or bool(broken[index].any()),
                principal=principal[index],
                fixed_part=fixed_part[index],
                instalment=group_instalment,
                rate=group_rate,
                months=months[index],
                amortising=amortising[index],
                multiple=multiple[index],
            )
            outputs = (
                (principal_out[:group_periods], interest_out[:group_periods])
                if whole
                else (
                    np.zeros((group_periods, len(group_term)), dtype=np.int32),
                    np.zeros((group_periods, len(group_term)), dtype=np.int32),
                )
            )
            _recurrence(
                principal=principal[index],
                rate_days_first=group_rate * first_days[index],
                rate_days_2=2 * group_rate * 30 * months[index],
                rate_days_2_by_period=rate_days_2,
                basis=365 * _RATE_SCALE if actual_days else 360 * _RATE_SCALE,
                method_code=method_code,
                instalment=group_instalment,
                fixed_part=fixed_part[index],
                grace=grace[index],
                term=group_term,
                clamp=clamp,
                may_close_early=may_close_early,
                outputs=outputs,
            )
            if not whole:
                principal_out[:group_periods, index] = outputs[0]
                interest_out[:group_periods, index] = outputs[1]

    # A loan's scheduled last period pays a balance > 0 unless the loan closed earlier; only
    # those few loans are searched for the period that closed them.
    instalment_count = term.copy()
    closed_early = np.flatnonzero(principal_out[term - 1, np.arange(count)] == 0)
    for loan in closed_early.tolist():
        instalment_count[loan] = int(np.flatnonzero(principal_out[:, loan])[-1]) + 1
    instalment = np.where(annuity, instalment, fixed_part + regular_interest)
    return ScheduleBatch(
        loans=loans,
        term=instalment_count,
        instalment_cents=instalment,
        principal_cents=principal_out.T,
        interest_cents=interest_out.T,
        due_rows=due_rows,
        due_row_of_loan=due_row_of_loan,
    )


def _recurrence(
    *,
    principal: np.ndarray,
    rate_days_first: np.ndarray,
    rate_days_2: np.ndarray,
    rate_days_2_by_period: np.ndarray | None,
    basis: int,
    method_code: int,
    instalment: np.ndarray,
    fixed_part: np.ndarray,
    grace: np.ndarray,
    term: np.ndarray,
    clamp: bool,
    may_close_early: bool,
    outputs: tuple[np.ndarray, np.ndarray],
) -> None:
    """Fill the principal and interest rows period by period for loans of one method and day count.

    ``rate_days_2`` is 2·R·d of a regular period; ``rate_days_2_by_period[k - 1]`` replaces it
    for period k under actual/365. Rows after a loan closes come out as zeros by themselves:
    a zero balance earns no interest and ``min(part, balance)`` pays nothing. When no loan of
    the group can close early (:func:`_may_close_early`) that ``min`` is skipped. The interest
    runs on unsigned views of the same (non-negative) integers: unsigned division is cheaper.
    """
    principal_rows, interest_rows = outputs
    periods = principal_rows.shape[0]
    largest = int(principal.max())
    factor_max = int(rate_days_2.max())
    if rate_days_2_by_period is not None and rate_days_2_by_period.size:
        factor_max = max(factor_max, int(rate_days_2_by_period.max()))
    assert largest * factor_max + basis < 2**63, "int64 bound"
    assert largest * int(rate_days_first.max()) < 2**63, "int64 bound"
    double_basis = np.uint64(2 * basis)
    basis_unsigned = np.uint64(basis)
    before = principal.copy()
    interest = np.empty_like(principal)
    before_unsigned = before.view(np.uint64)
    interest_unsigned = interest.view(np.uint64)
    rate_days_2 = rate_days_2.astype(np.uint64)
    if rate_days_2_by_period is not None:
        rate_days_2_by_period = rate_days_2_by_period.astype(np.uint64)
    part = np.zeros_like(principal)
    last = term - 1
    ending: dict[int, Any]
    if (last == last[0]).all():
        ending = {int(last[0]): slice(None)}  # one term for all (the common portfolio case)
    else:
        order = np.argsort(last, kind="stable")
        ends_at, starts = np.unique(last[order], return_index=True)
        ending = dict(zip(ends_at.tolist(), np.split(order, starts[1:]), strict=True))
    longest_grace = int(grace.max())

    for k in range(periods):
        if k == 0:
            quotient, remainder = np.divmod(before * rate_days_first, basis)
            np.add(quotient, 2 * remainder >= basis, out=interest)
        else:
            factor = rate_days_2 if rate_days_2_by_period is None else rate_days_2_by_period[k - 1]
            np.multiply(before_unsigned, factor, out=interest_unsigned)
            interest_unsigned += basis_unsigned
            interest_unsigned //= double_basis
        if method_code == 0:
            np.subtract(instalment, interest, out=part)
            if clamp or k == 0:
                np.maximum(part, 0, out=part)
        elif method_code == 1:
            part[...] = fixed_part
        if k < longest_grace:
            part[k < grace] = 0
        if may_close_early:
            np.minimum(part, before, out=part)
        closing = ending.get(k)
        if closing is not None:
            part[closing] = before[closing]
        before -= part
        interest_rows[k] = interest
        principal_rows[k] = part


def _distinct(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys (sorted) and each element's index into them, like ``np.unique``.

    Portfolio keys (disbursement days) span a short range, so a presence table over that range
    replaces the sort; a wide range falls back to ``np.unique``.
    """
    low = int(keys.min())
    span = int(keys.max()) - low + 1
    if span > 64 * len(keys) + 1024:
        distinct, inverse = np.unique(keys, return_inverse=True)
        return distinct, inverse.reshape(-1)
    offsets = keys - low
    present = np.zeros(span, dtype=bool)
    present[offsets] = True
    position = np.cumsum(present) - 1
    return np.flatnonzero(present) + low, position[offsets]


def _may_close_early(
    method_code: int,
    *,
    irregular: bool,
    principal: np.ndarray,
    fixed_part: np.ndarray,
    instalment: np.ndarray,
    rate: np.ndarray,
    months: np.ndarray,
    amortising: np.ndarray,
    multiple: np.ndarray,
) -> bool:
    """Could a regular principal part reach the balance before some loan's last period?

    Bullet: never. Linear: only if fixed × (amortising − 1) ≥ principal. Annuity (30/360,
    regular first period): the rounded schedule drifts from the exact one by at most
    E = (M/2 + 1/2)·s_m (instalment rounding and interest rounding, compounded; s_m the
    accumulation factor), and the exact balance before the last-but-one period leaves a full
    payment a/(1+r) beyond the next one, so it cannot close early while
    a/(1+r) > (1+r)·E + M/2 + 1/2. We demand twice that, plus 10 cents, in floating point.
    Actual/365 and broken first periods are not covered by this bound: they always keep the check.
    """
    if method_code == 2:
        return False
    if method_code == 1:
        return bool((fixed_part * (amortising - 1) >= principal).any())
    if irregular:
        return True
    r = rate * months / (12 * _RATE_SCALE)
    periods = amortising.astype(np.float64)
    growth = np.power(1.0 + r, periods)
    accumulation = np.where(r > 0, (growth - 1.0) / np.where(r > 0, r, 1.0), periods)
    drift = (multiple / 2 + 0.5) * accumulation
    needed = 2 * ((1 + r) ** 2 * drift + (1 + r) * (multiple / 2 + 1)) + 10
    return bool(((instalment - multiple / 2) <= needed).any())


def _regular_interest(principal: np.ndarray, rate: np.ndarray, months: np.ndarray) -> np.ndarray:
    """round_half_up(P·r) in cents with r = rate × months / 12 (exact integers; P·R·3 < 2^63)."""
    denominator = 12 * _RATE_SCALE
    return (2 * principal * rate * months + denominator) // (2 * denominator)


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of int64 days since 1970-01-01."""
    dates = days.astype("datetime64[D]")
    month_index = dates.astype("datetime64[M]").astype(np.int64)
    years = month_index // 12 + 1970
    months = month_index % 12 + 1
    day = days - month_index.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) + 1
    return years, months, day


def _annuity_cents(
    principal: np.ndarray, rate: np.ndarray, months: np.ndarray, periods: np.ndarray, multiple: np.ndarray
) -> np.ndarray:
    """The annuity payment rounded half-up to the multiple, exact (float where provably safe)."""
    result = np.empty(len(principal), dtype=np.int64)
    zero = rate == 0
    if zero.any():
        step = periods[zero] * multiple[zero]
        result[zero] = (2 * principal[zero] + step) // (2 * step) * multiple[zero]
    positive = ~zero
    if positive.any():
        r = (rate[positive] * months[positive]).astype(np.float64) / (12 * _RATE_SCALE)
        n = periods[positive].astype(np.float64)
        payment = principal[positive] * r / -np.expm1(-n * np.log1p(r))
        units = payment / multiple[positive]
        fraction = units - np.floor(units)
        rounded = np.floor(units + 0.5).astype(np.int64) * multiple[positive]
        window = payment * _FLOAT_TIE_WINDOW_RELATIVE + _FLOAT_TIE_FLOOR_CENTS
        near = np.abs(fraction - 0.5) * multiple[positive] < window
        if near.any():
            indices = np.flatnonzero(near)
            p_sel = principal[positive][indices]
            r_sel = rate[positive][indices]
            m_sel = months[positive][indices]
            n_sel = periods[positive][indices]
            mult_sel = multiple[positive][indices]
            for j, index in enumerate(indices):
                exact = annuity_payment(
                    int(p_sel[j]), Fraction(int(r_sel[j]) * int(m_sel[j]), 12 * _RATE_SCALE), int(n_sel[j])
                )
                rounded[index] = round_half_up_to(exact, int(mult_sel[j]))
        result[positive] = rounded
    return result
