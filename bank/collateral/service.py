"""Writing the collateral register: items, appraisals, the deed, and the carry-over to the loan.

Every input is read and checked before anything is written, so a refusal (a
``ValidationError`` naming the field) leaves the register as it was. Numbers come in the
canonical notation (``locale=None``: the API and the command line) or in the page's locale
(``locale="nl"``: "250.000" is two hundred and fifty thousand), read by :mod:`bank.numbers`.
Credit officers and admins write; the committee reads (``bank.collateral.queries``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bank import audit, clock, numbers
from bank.actor import Actor
from bank.applications.attachments import check_upload, write_upload
from bank.applications.models import ApplicationStatus, LoanApplication
from bank.collateral.models import COVER_KINDS, VALUED_KINDS, Appraisal, CollateralItem, CollateralKind
from bank.errors import N_, NotFound, PermissionDenied, ValidationError
from bank.loans.models import Loan, LoanStatus
from bank.members.models import Member

#: Who may add items, appraisals and deeds; the committee and others read.
EDIT_ROLES = ("credit_officer", "admin")
#: Who may read the register (the loan page, the application, the committee's review).
READ_ROLES = ("credit_officer", "admin", "committee")
#: An application in these statuses takes no new items: closed, or paid out (add to the loan).
CLOSED_APPLICATION = frozenset(
    {
        ApplicationStatus.REJECTED,
        ApplicationStatus.WITHDRAWN,
        ApplicationStatus.EXPIRED,
        ApplicationStatus.DISBURSED,
    }
)
MAX_RANK = 9
#: "Amsterdam K 1234", "ASD04 K 1234", "Den Haag AB 12 A 3": place or municipality code,
#: section (one or two letters), parcel number, and an apartment index when there is one.
_CADASTRAL = re.compile(
    r"^[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ' .-]{1,40}[0-9]{0,2} [A-Z]{1,2} ?[0-9]{1,5}(?: ?A ?[0-9]{1,4})?$"
)


def _require_editor(actor: Actor) -> None:
    if not actor.has_role(*EDIT_ROLES):
        raise PermissionDenied(N_("only credit officers and admins change the collateral register"))


def _text(value: object, field: str, max_length: int, *, required: bool = False) -> str:
    text = " ".join(str(value or "").split()) if max_length <= 300 else str(value or "").strip()
    if required and not text:
        raise ValidationError(field, N_("is required"))
    if len(text) > max_length:
        raise ValidationError(field, N_("must be at most %(max_length)s characters"), max_length=max_length)
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text):
        raise ValidationError(field, N_("must not contain control characters"))
    return text


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _amount(value: object, field: str, locale: str | None, *, allow_zero: bool = False) -> Decimal:
    if _blank(value):
        raise ValidationError(field, N_("is required"))
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return numbers.parse_amount(
            numbers.canonical(Decimal(value)), field=field, locale=None, allow_zero=allow_zero
        )
    return numbers.parse_amount(value, field=field, locale=locale, allow_zero=allow_zero)


def _rank(value: object) -> int:
    if _blank(value):
        raise ValidationError("rank", N_("is required"))
    try:
        rank = int(str(value).strip())
    except ValueError:
        raise ValidationError("rank", N_("must be a whole number, 1 for a first mortgage")) from None
    if rank < 1:
        raise ValidationError("rank", N_("must be at least 1 (1 is the first rank)"))
    if rank > MAX_RANK:
        raise ValidationError("rank", N_("must be at most %(maximum)s"), maximum=MAX_RANK)
    return rank


def _percentage(value: object, locale: str | None) -> Decimal:
    """A percentage of cover ("50", "62,5" in Dutch) as the fraction stored (0.5, 0.625)."""
    if _blank(value):
        raise ValidationError("cover_percentage", N_("is required"))
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        percent = Decimal(value)
    else:
        percent = numbers.parse_number(value, field="cover_percentage", locale=locale, places=4)
    if not percent.is_finite() or not 0 < percent <= 100:
        raise ValidationError("cover_percentage", N_("must be more than 0 and at most 100 per cent"))
    if percent != percent.quantize(Decimal("0.0001")):
        raise ValidationError("cover_percentage", N_("may have at most 4 decimals"))
    return percent / 100


def _cadastral(value: object) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        raise ValidationError("cadastral_reference", N_("is required for a mortgage"))
    if not _CADASTRAL.match(text):
        raise ValidationError(
            "cadastral_reference",
            N_("must look like a cadastral parcel, e.g. Amsterdam K 1234 (place, section, number)"),
        )
    return text


def _date(value: object, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if _blank(value):
        raise ValidationError(field, N_("is required"))
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(field, N_("must be a date, e.g. 2026-03-31")) from None


def _kind(value: object) -> CollateralKind:
    try:
        return CollateralKind(str(value))
    except ValueError:
        raise ValidationError(
            "kind", N_("must be one of %(choices)s"), choices=", ".join(k.value for k in CollateralKind)
        ) from None


def parse_item(session: Session, data: Mapping[str, Any], *, locale: str | None = None) -> dict[str, Any]:
    """The columns of a new item from ``data``, every field checked; all refusals together.

    Per kind: a mortgage needs its rank, registered amount and cadastral reference; a personal
    guarantee its guarantor and the maximum guaranteed; a pledge a description; cover (municipal
    or a fund) its percentage and cap. Fields of other kinds are ignored.
    """
    kind = _kind(data.get("kind"))
    errors: dict[str, str] = {}
    values: dict[str, Any] = {"kind": kind}

    def attempt(name: str, parse: Any) -> None:
        try:
            values[name] = parse()
        except ValidationError as error:
            errors.update(error.fields)

    attempt(
        "description",
        lambda: _text(data.get("description"), "description", 300, required=kind is CollateralKind.PLEDGE),
    )
    attempt("notes", lambda: _text(data.get("notes"), "notes", 2000))
    if kind is CollateralKind.MORTGAGE:
        attempt("rank", lambda: _rank(data.get("rank")))
        attempt("cadastral_reference", lambda: _cadastral(data.get("cadastral_reference")))
    if kind in VALUED_KINDS:
        required = kind is not CollateralKind.PLEDGE
        if required or not _blank(data.get("registered_amount")):
            attempt(
                "registered_amount",
                lambda: _amount(data.get("registered_amount"), "registered_amount", locale),
            )
        if not _blank(data.get("prior_claims")):
            attempt(
                "prior_claims",
                lambda: _amount(data.get("prior_claims"), "prior_claims", locale, allow_zero=True),
            )
    if kind is CollateralKind.PERSONAL_GUARANTEE or kind in COVER_KINDS:
        attempt(
            "guarantor_name", lambda: _text(data.get("guarantor_name"), "guarantor_name", 200, required=True)
        )
        if kind is CollateralKind.PERSONAL_GUARANTEE and not _blank(data.get("guarantor_member_id")):
            attempt("guarantor_member_id", lambda: _member(session, data.get("guarantor_member_id")))
    if kind in COVER_KINDS:
        attempt("cover_percentage", lambda: _percentage(data.get("cover_percentage"), locale))
        attempt("cover_cap", lambda: _amount(data.get("cover_cap"), "cover_cap", locale))
    if errors:
        raise ValidationError(errors)
    return values


def _member(session: Session, value: object) -> int:
    try:
        member_id = int(str(value))
    except ValueError:
        raise ValidationError("guarantor_member_id", N_("must be a member number")) from None
    if session.get(Member, member_id) is None:
        raise ValidationError("guarantor_member_id", N_("is not a member of the bank"))
    return member_id


def parse_appraisal(
    data: Mapping[str, Any], *, today: dt.date, locale: str | None = None, prefix: str = ""
) -> dict[str, Any]:
    """Date (not after ``today``), value (0 or more) and appraiser of an appraisal; all refusals together."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    fields = {name: prefix + name for name in ("appraised_on", "value", "appraiser", "note")}
    try:
        on = _date(data.get(fields["appraised_on"]), fields["appraised_on"])
        if on > today:
            raise ValidationError(
                fields["appraised_on"],
                N_("must not be in the future (today is %(today)s)"),
                today=today.isoformat(),
            )
        values["appraised_on"] = on
    except ValidationError as error:
        errors.update(error.fields)
    try:
        values["value"] = _amount(data.get(fields["value"]), fields["value"], locale, allow_zero=True)
    except ValidationError as error:
        errors.update(error.fields)
    try:
        values["appraiser"] = _text(data.get(fields["appraiser"]), fields["appraiser"], 200, required=True)
    except ValidationError as error:
        errors.update(error.fields)
    try:
        values["note"] = _text(data.get(fields["note"]), fields["note"], 2000)
    except ValidationError as error:
        errors.update(error.fields)
    if errors:
        raise ValidationError(errors)
    return values


def _check_target(application: LoanApplication | None, loan: Loan | None) -> None:
    if (application is None) == (loan is None):
        raise ValueError("register an item on an application or on a loan, not both or neither")
    if application is not None and application.status in CLOSED_APPLICATION:
        if application.status is ApplicationStatus.DISBURSED:
            raise ValidationError(
                "kind",
                N_("application %(number)s was paid out: add the item to its loan"),
                number=application.number,
            )
        raise ValidationError(
            "kind",
            N_("application %(number)s is closed; its register takes no new items"),
            number=application.number,
        )
    if loan is not None and loan.status is LoanStatus.PAID_OFF:
        raise ValidationError(
            "kind", N_("loan %(number)s is paid off; its securities are released"), number=loan.number
        )


def register_item(
    session: Session,
    data: Mapping[str, Any],
    *,
    actor: Actor,
    application: LoanApplication | None = None,
    loan: Loan | None = None,
    locale: str | None = None,
    today: dt.date | None = None,
) -> CollateralItem:
    """Add an item to the register of ``application`` or ``loan`` (exactly one of them).

    ``data`` holds the item's fields (:func:`parse_item`) and, optionally, its first appraisal
    under ``appraisal_`` (``appraisal_appraised_on``, ``appraisal_value``, ``appraisal_appraiser``):
    the page adds both at once, and a valued item counts only from its first appraisal.
    """
    _require_editor(actor)
    _check_target(application, loan)
    today = today or clock.today()
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    first: dict[str, Any] | None = None
    try:
        values = parse_item(session, data, locale=locale)
    except ValidationError as error:
        errors.update(error.fields)
    wants_appraisal = any(
        not _blank(data.get(f"appraisal_{name}")) for name in ("appraised_on", "value", "appraiser")
    )
    if wants_appraisal:
        if values and values["kind"] in COVER_KINDS:
            errors["appraisal_value"] = N_("cover by a municipality or a fund is not appraised")
        else:
            try:
                first = parse_appraisal(data, today=today, locale=locale, prefix="appraisal_")
            except ValidationError as error:
                errors.update(error.fields)
    if errors:
        raise ValidationError(errors)
    item = CollateralItem(
        application_id=application.id if application is not None else None,
        loan_id=loan.id if loan is not None else None,
        created_at=clock.now_utc(),
        created_by_id=actor.user_id,
        created_by_label=actor.label,
        **values,
    )
    session.add(item)
    session.flush()
    if first is not None:
        _add_appraisal(session, item, first, actor)
    audit.record(
        session,
        actor,
        "collateral.register",
        "collateral_item",
        item.id,
        after={
            "kind": item.kind.value,
            "application": item.application_id,
            "loan": item.loan_id,
            "registered_amount": item.registered_amount,
            "cover_percentage": item.cover_percentage,
            "cover_cap": item.cover_cap,
        },
    )
    return item


def add_appraisal(
    session: Session,
    item: CollateralItem,
    data: Mapping[str, Any],
    *,
    actor: Actor,
    locale: str | None = None,
    today: dt.date | None = None,
) -> Appraisal:
    """Record what a valued item is worth on a day (history: earlier appraisals stay as they were)."""
    _require_editor(actor)
    if not item.is_valued:
        raise ValidationError("value", N_("cover by a municipality or a fund is not appraised"))
    values = parse_appraisal(data, today=today or clock.today(), locale=locale)
    return _add_appraisal(session, item, values, actor)


def _add_appraisal(
    session: Session, item: CollateralItem, values: Mapping[str, Any], actor: Actor
) -> Appraisal:
    appraisal = Appraisal(
        item_id=item.id, recorded_at=clock.now_utc(), recorded_by_label=actor.label, **values
    )
    session.add(appraisal)
    session.flush()
    audit.record(
        session,
        actor,
        "collateral.appraisal",
        "collateral_item",
        item.id,
        after={
            "appraisal": appraisal.id,
            "appraised_on": appraisal.appraised_on.isoformat(),
            "value": appraisal.value,
            "appraiser": appraisal.appraiser,
        },
    )
    return appraisal


def attach_deed(
    session: Session,
    item: CollateralItem,
    *,
    filename: str,
    content: bytes,
    upload_dir: str | Path,
    actor: Actor,
) -> CollateralItem:
    """Store the notary deed of ``item`` (checked like an application attachment); a new one replaces it.

    The replaced file stays on disk and its checksum in the audit trail: a deed is evidence.
    """
    _require_editor(actor)
    name, content_type = check_upload(filename, content)
    before = {"deed": item.deed_original_name, "sha256": item.deed_sha256} if item.deed_stored_name else None
    item.deed_stored_name = write_upload(upload_dir, content)
    item.deed_original_name = name
    item.deed_content_type = content_type
    item.deed_size_bytes = len(content)
    item.deed_sha256 = hashlib.sha256(content).hexdigest()
    item.deed_uploaded_at = clock.now_utc()
    item.deed_uploaded_by_label = actor.label
    session.flush()
    audit.record(
        session,
        actor,
        "collateral.deed",
        "collateral_item",
        item.id,
        before=before,
        after={"deed": name, "type": content_type, "bytes": len(content), "sha256": item.deed_sha256},
    )
    return item


def carry_over(session: Session, *, application_id: int, loan_id: int) -> int:
    """At disbursement: the items registered on the application now secure its loan. Idempotent.

    The items keep their application, so the committee's conditions that point at them and the
    application's page still find them. Returns how many items were carried over.
    """
    result = session.execute(
        update(CollateralItem)
        .where(CollateralItem.application_id == application_id, CollateralItem.loan_id.is_(None))
        .values(loan_id=loan_id)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def get_item(session: Session, item_id: int) -> CollateralItem:
    item = session.get(CollateralItem, item_id)
    if item is None:
        raise NotFound(N_("collateral item %(item_id)s does not exist"), item_id=item_id)
    return item


def item_of_application(session: Session, application_id: int, item_id: int) -> CollateralItem:
    """An item of the application's register (a condition may point only at one of those)."""
    item = session.scalar(
        select(CollateralItem).where(
            CollateralItem.id == item_id, CollateralItem.application_id == application_id
        )
    )
    if item is None:
        raise ValidationError("collateral_item_id", N_("is not an item of this application's register"))
    return item
