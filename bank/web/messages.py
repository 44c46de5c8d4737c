"""The domain's sentences in the reader's language, naming fields by the labels people see.

The domain raises errors whose messages are English catalogue ids with their values
(``bank.errors.Message``): it knows no locale. This module is the one place where such a
message becomes text for a page: the id is translated, amounts and dates among the values are
formatted with Babel for the page's locale, statuses get their words, and a field is named by
the label of the form that shows it (or, without a form, by the bank's word for it), never by
its code. Templates need nothing: every ``{{ value }}`` that is a ``Message`` is rendered here
(the Jinja environment's ``finalize``). Flash messages are stored as text, so views call
:func:`error_text` before flashing.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l

from bank.applications.models import AttachmentKind
from bank.compliance.cdd_models import InterestKind
from bank.compliance.risk import RelationPurpose, Sector
from bank.errors import BankError, Message, Names
from bank.loans.products_models import LoanPurpose
from bank.loans.schedule import Frequency, Method
from bank.members.models import DocumentKind, LegalForm, MemberKind
from bank.web.filters import date_filter, money_filter, role_label_filter
from bank.web.labels import (
    APPROVAL_KINDS,
    ATTACHMENT_KIND_LABELS,
    CHECK_LABELS,
    DOCUMENT_LABELS,
    FIELD_LABELS,
    FREQUENCY_LABELS,
    INTEREST_LABELS,
    LEGAL_FORM_LABELS,
    MEMBER_KIND_LABELS,
    METHOD_LABELS,
    PURPOSE_LABELS,
    RELATION_PURPOSE_LABELS,
    SECTOR_LABELS,
    humanize,
    month_label,
    purpose_label,
    status_label,
)

#: Field names the domain uses that the bank-wide table (``labels.FIELD_LABELS``) lacks; forms
#: with their own labels name their fields themselves.
EXTRA_FIELD_LABELS = {
    "purpose_text": _l("Purpose"),
    "property_address": _l("Property address"),
    "cadastral_reference": _l("Cadastral reference"),
    "rank": _l("Rank"),
    "prior_claims": _l("Ranking ahead (other creditors, €)"),
    "guarantor_name": _l("Guarantor"),
    "guarantor_member_id": _l("Guarantor's member number"),
    "value": _l("Value (€)"),
    "collateral_item_id": _l("Security"),
    "appraisal_appraised_on": _l("Appraisal date"),
    "appraisal_appraiser": _l("Appraiser"),
    "appraisal_note": _l("Note"),
    "purchase_price": _l("Purchase price (€)"),
    "appraisal_value": _l("Appraised value (€)"),
    "own_funds": _l("Own funds (€)"),
    "notary_iban": _l("Notary's IBAN (payout to the notary)"),
    "notary_name": _l("Notary's name"),
    "worker_members": _l("Number of worker-members"),
    "expected_monthly_revenue": _l("Expected revenue per month (€)"),
    "expected_monthly_costs": _l("Expected costs per month (€)"),
    "term_months": _l("Term (months)"),
    "term": _l("Term"),
    "repayment_account_id": _l("Repayment account"),
    "repayment_account": _l("Repayment account"),
    "cost_lines": _l("Costs"),
    "own_contribution": _l("Own contribution"),
    "grace_periods": _l("Interest-only periods at the start"),
    "product_id": _l("Loan product"),
    "product_code": _l("Loan product"),
    "applicant_id": _l("Applicant"),
    "member_number": _l("Member number"),
    "as_of": _l("Date"),
    "date_from": _l("From"),
    "date_to": _l("To"),
    "month": _l("Month"),
    "month_end": _l("Month"),
    "from_account": _l("From account"),
    "to_account": _l("To account"),
    "deposit_account": _l("Deposit account"),
    "rate_percent": _l("Rate"),
    "disbursed_on": _l("Disbursement date"),
    "first_due_on": _l("First due date"),
    "explanation": _l("Explanation"),
    "comment": _l("Comment"),
    "note": _l("Note"),
    "password": _l("Password"),
    "name": _l("Name"),
    "form_key": _l("Form"),
    "pool": _l("Pool"),
    "purposes": _l("Loan purposes"),
    "meeting": _l("Meeting"),
    "person": _l("Person"),
    "person_number": _l("Member number of the person"),
    "organisation": _l("Organisation"),
    "iban": _l("IBAN"),
    "paid_to_name": _l("Paid to (name)"),
    "paid_to_iban": _l("Paid to (IBAN)"),
    "document_number": _l("Document number"),
    "file": _l("File"),
    "legal_form": _l("Legal form"),
    "since": _l("Since"),
}

#: Values named like this are percentages, not amounts of money.
_PERCENT_NAMES = ("percent", "rate")


def _locale() -> str:
    locale = get_locale()
    return str(locale) if locale else "nl"


#: The choices the domain names by their enum, each with the table the forms offer it with.
_CHOICE_TABLES: dict[type[enum.Enum], Mapping[Any, object]] = {
    AttachmentKind: ATTACHMENT_KIND_LABELS,
    DocumentKind: DOCUMENT_LABELS,
    Frequency: FREQUENCY_LABELS,
    LegalForm: LEGAL_FORM_LABELS,
    LoanPurpose: PURPOSE_LABELS,
    MemberKind: MEMBER_KIND_LABELS,
    Method: METHOD_LABELS,
    Sector: SECTOR_LABELS,
    RelationPurpose: RELATION_PURPOSE_LABELS,
    InterestKind: INTEREST_LABELS,
}


def _enum_words(value: enum.Enum) -> str | None:
    """The word for a choice the domain names by its enum (a frequency, a legal form, a document
    kind), from the table the forms offer it with; None for statuses (``status_label``)."""
    label = _CHOICE_TABLES.get(type(value), {}).get(value)
    # The forms' labels start with a capital ("Maandelijks"); inside a sentence they do not.
    return None if label is None else _lower_first(str(label))


def _lower_first(text: str) -> str:
    """ "Maandelijks" -> "maandelijks" inside a sentence; "KvK-uittreksel" stays as it is."""
    word = text.split(" ", 1)[0]
    return text[:1].lower() + text[1:] if word[1:] == word[1:].lower() else text


def _roles(text: str) -> str:
    """ "credit_officer or admin" -> "kredietadviseur of beheerder": each role code in words."""
    or_word = gettext("or")  # outside the f-string, where pybabel's extractor can see it
    words = {" or ": f" {or_word} ", ", ": ", "}
    parts = re.split(r"( or |, )", text)
    return "".join(words.get(part) or _lower_first(role_label_filter(part)) for part in parts)


def _purposes(text: str) -> str:
    words = [purpose_label(code.strip()) for code in text.split(",")]
    return ", ".join(words[:1] + [_lower_first(word) for word in words[1:]])


def _approval_kind(text: str) -> str:
    return str(APPROVAL_KINDS.get(text) or humanize(text))


#: Values the domain passes as codes in plain strings, by the name of their parameter.
_CODE_PARAMS: dict[str, Callable[[str], str]] = {
    "role": _roles,
    "roles": _roles,
    "purpose": _purposes,
    "purposes": _purposes,
    "kind": _approval_kind,
}


#: Parameters that name months as the domain writes them ("2025-11", or several joined).
_MONTH_PARAMS = frozenset({"month", "next", "months"})
_MONTH_CODE = re.compile(r"(?<![\d-])\d{4}-\d{2}(?![\d-])")


def _value(name: str, value: object) -> object:
    """One value of a message as the reader writes it."""
    if isinstance(value, str) and name in _MONTH_PARAMS:
        # "2025-11" reads "november 2025"; a full date ("2025-11-03") is left as it is.
        return _MONTH_CODE.sub(lambda found: month_label(found.group(0)), value)
    if isinstance(value, Names):
        return value.in_language(_locale())
    if isinstance(value, enum.Enum):
        words = _enum_words(value)
        return words if words is not None else status_label(value)
    if isinstance(value, tuple | list):
        if name == "checklist_items":
            return ", ".join(str(CHECK_LABELS.get(item, item)) for item in value)
        if name in _CODE_PARAMS and all(isinstance(item, str) for item in value):
            return _CODE_PARAMS[name](", ".join(value))
        return ", ".join(str(_value(name, item)) for item in value)
    if isinstance(value, str) and name in _CODE_PARAMS:
        return _CODE_PARAMS[name](value)
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        if any(part in name for part in _PERCENT_NAMES):
            return format_decimal(value, format="#,##0.######", locale=_locale())
        return money_filter(value)
    if isinstance(value, dt.date):
        return date_filter(value)
    return value


def field_label(name: str, labels: Mapping[str, object] | Callable[[str], object] | None = None) -> str:
    """What the reader calls field ``name``: the form's label, else the bank's word, never the code."""
    label: object = None
    if callable(labels):
        label = labels(name)
    elif labels is not None:
        label = labels.get(name)
    if label is None:
        label = EXTRA_FIELD_LABELS.get(name) or FIELD_LABELS.get(name)
    if label is None:
        base = name.split("-")[0].split(".")[0]
        label = EXTRA_FIELD_LABELS.get(base) or FIELD_LABELS.get(base)
    return str(label) if label is not None else humanize(name).capitalize()


def render(message: object, labels: Mapping[str, object] | Callable[[str], object] | None = None) -> str:
    """A domain message (or plain catalogue id) in the reader's language."""
    if message is None or message == "":
        return ""
    fields = getattr(message, "fields", None)
    if fields:
        return "; ".join(f"{field_label(name, labels)}: {render(rule)}" for name, rule in fields.items())
    template = getattr(message, "template", None)
    if template is None:
        return gettext(str(message))
    params = {name: _value(name, value) for name, value in getattr(message, "params", {}).items()}
    return gettext(template, **params) if params else gettext(template)


def domain_text(message: Any) -> str:
    """A sentence the domain wrote as a catalogue id (a ``bank.errors.Message``), in the reader's language."""
    return render(message)


def error_text(error: BankError, labels: Mapping[str, object] | Callable[[str], object] | None = None) -> str:
    """A refusal as one line for a flash message or an error page: "Bedrag: is verplicht"."""
    if error.fields:
        return "; ".join(
            f"{field_label(name, labels)}: {render(rule)}" for name, rule in error.fields.items()
        )
    return render(error.message, labels)


def form_labels(form: Any) -> Callable[[str], object]:
    """The labels of a WTForms form's own fields, by field name."""

    def label(name: str) -> object:
        field = getattr(form, name, None)
        text = getattr(getattr(field, "label", None), "text", None)
        return text or None

    return label


def finalize(value: Any) -> Any:
    """Jinja's ``finalize``: a ``Message`` printed in a template is rendered for the reader."""
    if isinstance(value, Message):
        return render(value)
    return value


def register(app: Any) -> None:
    """Render domain messages wherever a template prints one."""
    app.jinja_env.finalize = finalize
    app.jinja_env.filters.update(error_text=error_text, field_label=field_label, domain_text=domain_text)
