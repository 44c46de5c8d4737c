"""The unusual-transaction report for FIU-Nederland, as goAML-shaped XML (pure: data in, bytes out).

FIU-NL takes reports through its goAML portal. The file follows the shape of goAML's ``report``
element, in its element names, with what a cooperative bank without cash desks abroad has: the
report header (the reporting entity's goAML id, submission code ``E`` for electronic, report code
``UTR``: unusual transaction report, the bank's own reference, the date, the local currency, the
reporting officer), the reason (``reason``: the indicator, why the officer found it unusual) and
the action taken, the indicators (the rules that fired), and per transaction its number, date,
amount, mode (cash or transfer) and both sides: the member as ``my_client`` (a person with name,
date of birth and address, or an organisation with its KvK number, legal form and address; the
account at the bank) and the counterparty where known (IBAN and name). It is not validated
against the goAML XSD (FIU-NL publishes that to reporting institutions); the portal checks it on
upload and the officer corrects there what it refuses.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from bank.members.models import Member, MemberKind

#: goAML's transmission modes used here: cash at the counter, or a (SEPA) credit transfer.
CASH_MODE = "K"
TRANSFER_MODE = "A"


@dataclass(frozen=True)
class ReportingEntity:
    """Who reports: the goAML id FIU-NL gave the bank, its name, and the officer who files it."""

    rentity_id: str
    name: str
    officer_name: str
    officer_email: str


@dataclass(frozen=True)
class ReportedTransaction:
    entry_id: int
    value_date: dt.date
    amount: Decimal
    #: ``in``: the member received it; ``out``: the member paid it.
    direction: str
    kind: str
    cash: bool
    account_number: str
    counterparty_iban: str | None
    counterparty_name: str | None


@dataclass(frozen=True)
class Report:
    case_id: int
    member: Member
    indicators: Sequence[str]
    reason: str
    action: str
    transactions: Sequence[ReportedTransaction]
    submitted_at: dt.datetime


def _text(parent: ET.Element, tag: str, value: object) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = "" if value is None else str(value)
    return element


def _when(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00"


def _address(parent: ET.Element, member: Member) -> None:
    addresses = ET.SubElement(parent, "addresses")
    address = ET.SubElement(addresses, "address")
    _text(address, "address_type", "1")
    _text(address, "address", f"{member.street} {member.house_number}".strip())
    _text(address, "city", member.city)
    _text(address, "zip", member.postcode)
    _text(address, "country_code", "NL")


def _client(parent: ET.Element, member: Member) -> None:
    """The member: ``t_person`` or ``t_entity`` (goAML's person and organisation)."""
    if member.kind is MemberKind.PERSON:
        person = ET.SubElement(parent, "t_person")
        _text(person, "first_name", member.first_name or "")
        if member.name_prefix:
            _text(person, "prefix", member.name_prefix)
        _text(person, "last_name", member.last_name or member.display_name)
        if member.date_of_birth is not None:
            _text(person, "birthdate", _when(member.date_of_birth))
        _text(person, "nationality1", "NL")
        _address(person, member)
    else:
        entity = ET.SubElement(parent, "t_entity")
        _text(entity, "name", member.legal_name or member.display_name)
        if member.legal_form is not None:
            _text(entity, "incorporation_legal_form", member.legal_form.value)
        if member.kvk_number:
            _text(entity, "incorporation_number", member.kvk_number)
        _text(entity, "incorporation_country_code", "NL")
        _address(entity, member)


def _own_account(
    parent: ET.Element, tag: str, entity: ReportingEntity, item: ReportedTransaction, member: Member
) -> None:
    side = ET.SubElement(parent, tag)
    _text(side, "from_funds_code" if tag.startswith("t_from") else "to_funds_code", "K" if item.cash else "A")
    account = ET.SubElement(side, "from_account" if tag.startswith("t_from") else "to_account")
    _text(account, "institution_name", entity.name)
    _text(account, "account", item.account_number)
    _text(account, "currency_code", "EUR")
    signatory = ET.SubElement(account, "signatory")
    _text(signatory, "is_primary", "true")
    _client(signatory, member)
    _text(side, "from_country" if tag.startswith("t_from") else "to_country", "NL")


def _other_side(parent: ET.Element, tag: str, item: ReportedTransaction) -> None:
    side = ET.SubElement(parent, tag)
    prefix = "from" if tag == "t_from" else "to"
    _text(side, f"{prefix}_funds_code", "K" if item.cash else "A")
    if item.cash:
        _text(side, f"{prefix}_funds_comment", "contant gestort aan de balie")
        _text(side, f"{prefix}_country", "NL")
        return
    account = ET.SubElement(side, f"{prefix}_account")
    _text(account, "iban", item.counterparty_iban or "")
    _text(account, "account_name", item.counterparty_name or "")
    country = (item.counterparty_iban or "")[:2].upper()
    _text(side, f"{prefix}_country", country or "")


def report_xml(report: Report, entity: ReportingEntity) -> bytes:
    """The goAML-shaped XML of one reported case, UTF-8 with its declaration."""
    root = ET.Element("report")
    _text(root, "rentity_id", entity.rentity_id)
    _text(root, "submission_code", "E")
    _text(root, "report_code", "UTR")
    _text(root, "entity_reference", f"WB-MON-{report.case_id}")
    _text(root, "submission_date", report.submitted_at.strftime("%Y-%m-%dT%H:%M:%S"))
    _text(root, "currency_code_local", "EUR")
    person = ET.SubElement(root, "reporting_person")
    _text(person, "last_name", entity.officer_name)
    _text(person, "email", entity.officer_email)
    _text(root, "reason", report.reason)
    _text(root, "action", report.action)
    for item in report.transactions:
        transaction = ET.SubElement(root, "transaction")
        _text(transaction, "transactionnumber", item.entry_id)
        _text(transaction, "transaction_description", item.kind)
        _text(transaction, "date_transaction", _when(item.value_date))
        _text(transaction, "transmode_code", CASH_MODE if item.cash else TRANSFER_MODE)
        _text(transaction, "amount_local", f"{item.amount:.2f}")
        if item.direction == "in":
            _other_side(transaction, "t_from", item)
            _own_account(transaction, "t_to_my_client", entity, item, report.member)
        else:
            _own_account(transaction, "t_from_my_client", entity, item, report.member)
            _other_side(transaction, "t_to", item)
    indicators = ET.SubElement(root, "report_indicators")
    for code in report.indicators:
        _text(indicators, "indicator", code)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
