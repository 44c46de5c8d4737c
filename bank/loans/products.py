"""Loan products (L3): create, edit (a new version), retire; list and look up; preview terms.

A product version is never changed once saved — loans point at the version they were made on
and copy its terms — so an edit saves version n + 1 and marks version n superseded, in one
transaction. Retiring stops new loans on the product; the rows stay for the loans that use it.
Only admins define products; every change is audited. Nothing here commits.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bank import audit, clock
from bank.actor import Actor
from bank.errors import N_, Conflict, Message, NotFound, PermissionDenied, ValidationError
from bank.loans.products_models import (
    ALLOCATION_PARTS,
    DEFAULT_ALLOCATION_ORDER,
    FeeKind,
    LoanProduct,
    LoanPurpose,
    ProductStatus,
)
from bank.loans.schedule import (
    MAX_INSTALMENT_MULTIPLE,
    MAX_PRINCIPAL,
    MAX_TERM,
    DayCount,
    Frequency,
    Method,
    ScheduleTerms,
    parse_terms,
)
from bank.money import CENT, parse_amount, parse_rate_percent

#: Roles that may define, change and retire products.
PRODUCT_ADMIN_ROLES = ("admin",)
#: Longest term a product may allow, in months (40 years).
MAX_TERM_MONTHS = 480
#: The highest arrangement fee as a share of the principal (10 %).
MAX_FEE_PERCENT = Decimal("10")


@dataclasses.dataclass(frozen=True)
class ProductTerms:
    """The editable terms of a product version (everything but code, version and status)."""

    name_nl: str
    name_en: str
    purpose: LoanPurpose
    amount_min: Decimal
    amount_max: Decimal
    term_min_months: int
    term_max_months: int
    rate_annual: Decimal
    method: Method
    frequency: Frequency
    max_grace_periods: int = 0
    instalment_multiple: Decimal = CENT
    day_count: DayCount = DayCount.THIRTY_360
    arrangement_fee_kind: FeeKind = FeeKind.FIXED
    arrangement_fee_amount: Decimal = Decimal("0.00")
    arrangement_fee_rate: Decimal = Decimal("0")
    late_fee: Decimal = Decimal("0.00")
    return_fee: Decimal = Decimal("0.00")
    forbearance_committee_above: Decimal = Decimal("25000.00")
    penalty_rate_annual: Decimal = Decimal("0")
    tolerance_days: int = 0
    allocation_order: str = DEFAULT_ALLOCATION_ORDER
    description: str = ""

    def check(self) -> None:
        """Cross-field rules; each breach names its field."""
        errors: dict[str, str] = {}
        if not self.name_nl.strip():
            errors["name_nl"] = N_("is required")
        if not self.name_en.strip():
            errors["name_en"] = N_("is required")
        if self.amount_max < self.amount_min:
            errors["amount_max"] = Message(
                N_("must be at least the minimum amount (%(amount_min)s)"), amount_min=self.amount_min
            )
        months = self.frequency.months
        if self.term_min_months % months:
            errors["term_min_months"] = Message(
                N_("must be a multiple of %(months)s months for %(frequency)s loans"),
                months=months,
                frequency=self.frequency,
            )
        if self.term_max_months % months:
            errors["term_max_months"] = Message(
                N_("must be a multiple of %(months)s months for %(frequency)s loans"),
                months=months,
                frequency=self.frequency,
            )
        if self.term_max_months < self.term_min_months:
            errors["term_max_months"] = Message(
                N_("must be at least the minimum term (%(term_min_months)s months)"),
                term_min_months=self.term_min_months,
            )
        if self.max_grace_periods * months >= self.term_min_months:
            errors["max_grace_periods"] = Message(
                N_(
                    "must leave at least one amortising period within the minimum term "
                    "(%(term_min_months)s months)"
                ),
                term_min_months=self.term_min_months,
            )
        parts = self.allocation_order.split(",")
        if sorted(parts) != sorted(ALLOCATION_PARTS):
            errors["allocation_order"] = N_("must name penalties, fees, interest and principal, each once")
        if errors:
            raise ValidationError(errors)


def _text(raw: Mapping[str, object], name: str, default: str = "") -> str:
    value = raw.get(name)
    return default if value is None else str(value).strip()


def _whole(raw: Mapping[str, object], name: str, low: int, high: int, default: int | None = None) -> int:
    text = _text(raw, name)
    if not text and default is not None:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValidationError(
            name, N_("must be a whole number between %(low)s and %(high)s"), low=low, high=high
        )
    return int(text)


def _choice(raw: Mapping[str, object], name: str, enum_class: Any, default: Any = None) -> Any:
    text = _text(raw, name)
    if not text and default is not None:
        return default
    try:
        return enum_class(text)
    except ValueError:
        allowed = ", ".join(member.value for member in enum_class)
        raise ValidationError(name, N_("must be one of %(allowed)s"), allowed=allowed) from None


def parse_product_terms(raw: Mapping[str, object]) -> ProductTerms:
    """Product terms from text (a form or JSON); rates typed as percentages. All errors at once."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}

    def attempt(name: str, parse: Any) -> None:
        try:
            values[name] = parse()
        except ValidationError as exc:
            errors.update(exc.fields)

    attempt("name_nl", lambda: _text(raw, "name_nl")[:200])
    attempt("name_en", lambda: _text(raw, "name_en")[:200])
    attempt("description", lambda: _text(raw, "description")[:2000])
    attempt("purpose", lambda: _choice(raw, "purpose", LoanPurpose))
    attempt(
        "amount_min", lambda: parse_amount(raw.get("amount_min"), field="amount_min", maximum=MAX_PRINCIPAL)
    )
    attempt(
        "amount_max", lambda: parse_amount(raw.get("amount_max"), field="amount_max", maximum=MAX_PRINCIPAL)
    )
    attempt("term_min_months", lambda: _whole(raw, "term_min_months", 1, MAX_TERM_MONTHS))
    attempt("term_max_months", lambda: _whole(raw, "term_max_months", 1, MAX_TERM_MONTHS))
    attempt("rate_annual", lambda: parse_rate_percent(raw.get("rate_annual"), "rate_annual"))
    attempt("method", lambda: _choice(raw, "method", Method))
    attempt("frequency", lambda: _choice(raw, "frequency", Frequency))
    attempt("max_grace_periods", lambda: _whole(raw, "max_grace_periods", 0, MAX_TERM - 1, default=0))
    attempt(
        "instalment_multiple",
        lambda: parse_amount(
            raw.get("instalment_multiple") or "0.01",
            field="instalment_multiple",
            maximum=MAX_INSTALMENT_MULTIPLE,
        ),
    )
    attempt("day_count", lambda: _choice(raw, "day_count", DayCount, DayCount.THIRTY_360))
    attempt("arrangement_fee_kind", lambda: _choice(raw, "arrangement_fee_kind", FeeKind, FeeKind.FIXED))
    attempt(
        "arrangement_fee_amount",
        lambda: parse_amount(
            raw.get("arrangement_fee_amount") or "0", field="arrangement_fee_amount", allow_zero=True
        ),
    )
    attempt(
        "arrangement_fee_rate",
        lambda: _percent(raw.get("arrangement_fee_rate") or "0", "arrangement_fee_rate", MAX_FEE_PERCENT),
    )
    attempt("late_fee", lambda: parse_amount(raw.get("late_fee") or "0", field="late_fee", allow_zero=True))
    attempt(
        "return_fee", lambda: parse_amount(raw.get("return_fee") or "0", field="return_fee", allow_zero=True)
    )
    attempt(
        "forbearance_committee_above",
        lambda: parse_amount(
            raw.get("forbearance_committee_above") or "25000",
            field="forbearance_committee_above",
            allow_zero=True,
            maximum=MAX_PRINCIPAL,
        ),
    )
    attempt(
        "penalty_rate_annual",
        lambda: parse_rate_percent(raw.get("penalty_rate_annual") or "0", "penalty_rate_annual"),
    )
    attempt("tolerance_days", lambda: _whole(raw, "tolerance_days", 0, 90, default=0))
    attempt(
        "allocation_order",
        lambda: ",".join(
            part.strip().lower()
            for part in (_text(raw, "allocation_order") or DEFAULT_ALLOCATION_ORDER).split(",")
        ),
    )
    if errors:
        raise ValidationError(errors)
    terms = ProductTerms(**values)
    terms.check()
    return terms


def _percent(value: object, name: str, maximum: Decimal) -> Decimal:
    rate = parse_rate_percent(value, name)
    if rate * 100 > maximum:
        raise ValidationError(
            name,
            N_("must be at most %(maximum_percent)s per cent"),
            maximum_percent=int(maximum) if maximum == int(maximum) else maximum,
        )
    return rate


def _require_admin(actor: Actor) -> None:
    if not actor.has_role(*PRODUCT_ADMIN_ROLES):
        raise PermissionDenied(N_("only an administrator may define loan products"))


def _snapshot(product: LoanProduct) -> dict[str, Any]:
    return {
        column.key: getattr(product, column.key)
        for column in LoanProduct.__table__.columns
        if column.key not in ("created_at", "retired_at")
    }


def create_product(session: Session, code: str, terms: ProductTerms, *, actor: Actor) -> LoanProduct:
    """Version 1 of a new product code (upper-case letters, digits and dashes)."""
    _require_admin(actor)
    code = (code or "").strip().upper()
    if not code or len(code) > 30 or not all(ch.isalnum() or ch == "-" for ch in code):
        raise ValidationError("code", N_("must be 1–30 letters, digits or dashes"))
    terms.check()
    if session.scalar(select(func.count()).select_from(LoanProduct).where(LoanProduct.code == code)):
        raise ValidationError("code", N_("is already used by another product (%(code)s)"), code=code)
    product = LoanProduct(code=code, version=1, status=ProductStatus.ACTIVE, created_by_id=actor.user_id)
    _apply(product, terms)
    session.add(product)
    session.flush()
    audit.record(session, actor, "loan_product.create", "loan_product", product.id, after=_snapshot(product))
    return product


def _apply(product: LoanProduct, terms: ProductTerms) -> None:
    for name, value in dataclasses.asdict(terms).items():
        setattr(product, name, value)


def edit_product(session: Session, code: str, terms: ProductTerms, *, actor: Actor) -> LoanProduct:
    """Save ``terms`` as the next version of ``code``; the current version becomes superseded.

    The current version row is locked first, so two admins editing at once get versions n+1
    and n+2 (or a clear conflict), never two versions n+1.
    """
    _require_admin(actor)
    terms.check()
    current = current_version(session, code, for_update=True)
    if current.status is ProductStatus.RETIRED:
        raise Conflict(N_("%(code)s is retired; it can no longer be changed"), code=current.code)
    if terms == terms_of(current):
        raise Conflict(N_("Nothing changed: the new version would equal the current one."))
    current.status = ProductStatus.SUPERSEDED
    session.flush()
    product = LoanProduct(
        code=current.code,
        version=current.version + 1,
        status=ProductStatus.ACTIVE,
        created_by_id=actor.user_id,
    )
    _apply(product, terms)
    session.add(product)
    session.flush()
    audit.record(
        session,
        actor,
        "loan_product.new_version",
        "loan_product",
        product.id,
        before=_snapshot(current),
        after=_snapshot(product),
    )
    return product


def retire_product(session: Session, code: str, *, actor: Actor) -> LoanProduct:
    """Stop new loans on ``code``; loans already made keep their version."""
    _require_admin(actor)
    current = current_version(session, code, for_update=True)
    if current.status is ProductStatus.RETIRED:
        raise Conflict(N_("%(code)s is already retired"), code=current.code)
    current.status = ProductStatus.RETIRED
    current.retired_at = clock.now_utc()
    session.flush()
    audit.record(session, actor, "loan_product.retire", "loan_product", current.id, detail=current.code)
    return current


def terms_of(product: LoanProduct) -> ProductTerms:
    """The editable terms of a stored version (to prefill an edit form or compare)."""
    return ProductTerms(**{f.name: getattr(product, f.name) for f in dataclasses.fields(ProductTerms)})


# --------------------------------------------------------------------------- queries


def current_version(session: Session, code: str, *, for_update: bool = False) -> LoanProduct:
    """The newest version of ``code`` (active or retired); NotFound when there is none."""
    query = (
        select(LoanProduct)
        .where(LoanProduct.code == (code or "").strip().upper())
        .order_by(LoanProduct.version.desc())
        .limit(1)
    )
    if for_update:
        query = query.with_for_update()
    product = session.scalar(query)
    if product is None:
        raise NotFound(N_("no loan product '%(code)s'"), code=code)
    return product


def get_version(session: Session, code: str, version: int) -> LoanProduct:
    product = session.scalar(
        select(LoanProduct).where(LoanProduct.code == code.strip().upper(), LoanProduct.version == version)
    )
    if product is None:
        raise NotFound(N_("no version %(version)s of loan product '%(code)s'"), version=version, code=code)
    return product


def list_products(session: Session, *, include_retired: bool = True) -> list[LoanProduct]:
    """The current version of every product code, active first, then by name."""
    newest = (
        select(LoanProduct.code, func.max(LoanProduct.version).label("version"))
        .group_by(LoanProduct.code)
        .subquery()
    )
    query = select(LoanProduct).join(
        newest, (LoanProduct.code == newest.c.code) & (LoanProduct.version == newest.c.version)
    )
    if not include_retired:
        query = query.where(LoanProduct.status == ProductStatus.ACTIVE)
    products = list(session.scalars(query))
    return sorted(products, key=lambda p: (p.status is not ProductStatus.ACTIVE, p.name_nl.lower()))


def active_products(session: Session) -> list[LoanProduct]:
    """Products a new loan (or a calculator) may use."""
    return list_products(session, include_retired=False)


def versions(session: Session, code: str) -> list[LoanProduct]:
    """Every version of ``code``, newest first."""
    return list(
        session.scalars(
            select(LoanProduct)
            .where(LoanProduct.code == code.strip().upper())
            .order_by(LoanProduct.version.desc())
        )
    )


def active_product(session: Session, code: str) -> LoanProduct:
    """The active version of ``code``; a retired or unknown product names the field."""
    try:
        product = current_version(session, code)
    except NotFound:
        raise ValidationError(
            "product_code", N_("is not a known loan product (%(code)s)"), code=code
        ) from None
    if product.status is not ProductStatus.ACTIVE:
        raise ValidationError(
            "product_code", N_("%(code)s is retired and takes no new loans"), code=product.code
        )
    return product


# --------------------------------------------------------------------------- preview


def preview_terms(product: LoanProduct | None, raw: Mapping[str, object]) -> ScheduleTerms:
    """Schedule terms for a calculator or the schedule-preview API.

    Without a product every term comes from ``raw`` (see :func:`bank.loans.schedule.parse_terms`).
    With one, the rate, method, frequency, day count, multiple and fee come from the product;
    ``raw`` gives principal, term, dates and grace, which must lie within the product's bounds —
    each breach names the field and the bound.
    """
    if product is None:
        return parse_terms(raw)
    merged = {
        "principal": raw.get("principal"),
        "term": raw.get("term"),
        "disbursed_on": raw.get("disbursed_on"),
        "first_due_on": raw.get("first_due_on"),
        "grace_principal": raw.get("grace_principal"),
        "rate_annual": str(product.rate_annual * 100),
        "method": product.method.value,
        "frequency": product.frequency.value,
        "day_count": product.day_count.value,
        "instalment_multiple": str(product.instalment_multiple),
    }
    terms = parse_terms(merged)
    errors: dict[str, str] = {}
    if terms.principal < product.amount_min:
        errors["principal"] = Message(
            N_("must be at least %(amount_min)s for %(code)s"),
            amount_min=product.amount_min,
            code=product.code,
        )
    elif terms.principal > product.amount_max:
        errors["principal"] = Message(
            N_("must not exceed %(amount_max)s for %(code)s"),
            amount_max=product.amount_max,
            code=product.code,
        )
    months = product.frequency.months
    if terms.term * months < product.term_min_months:
        errors["term"] = Message(
            N_("must be at least %(periods)s periods (%(term_min_months)s months) for %(code)s"),
            periods=product.term_min_months // months,
            term_min_months=product.term_min_months,
            code=product.code,
        )
    elif terms.term * months > product.term_max_months:
        errors["term"] = Message(
            N_("must be at most %(periods)s periods (%(term_max_months)s months) for %(code)s"),
            periods=product.term_max_months // months,
            term_max_months=product.term_max_months,
            code=product.code,
        )
    if terms.grace_principal > product.max_grace_periods:
        errors["grace_principal"] = Message(
            N_("must be at most %(max_grace_periods)s periods for %(code)s"),
            max_grace_periods=product.max_grace_periods,
            code=product.code,
        )
    if errors:
        raise ValidationError(errors)
    return dataclasses.replace(terms, fees=product.arrangement_fee(terms.principal))


def default_disbursed_on() -> dt.date:
    """Calculators assume disbursement today unless told otherwise."""
    return clock.today()
