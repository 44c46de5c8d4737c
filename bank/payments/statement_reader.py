"""Reading the clearing bank's statements: CAMT.053 and CAMT.054 (ISO 20022 XML) and MT940.

Pure: a file in, plain typed data out (:class:`StatementFile`, :class:`Statement`,
:class:`Entry`); no database, no Flask. ``bank payments read-statement`` prints what it reads, the
import books it.

What a file says is taken as it says it, and what is wrong with it is said in words
(``Statement.problems``): balances that do not add up (the difference named), a currency other
than EUR, an account that is not one of the bank's. A file that cannot be read at all (not XML and
not MT940, a document type or entity declaration, a namespace that is not a statement, too large,
an amount that is not a number) is refused with :class:`StatementUnreadable` and its reason.

CAMT is read streaming (``lxml.etree.iterparse`` over the entries, each cleared once read), so a
file of 100 000 entries takes the memory of one entry plus what the caller keeps; :func:`stream`
hands the entries over one by one, :func:`read` keeps them all. Entities are never resolved, no
DTD is loaded and nothing is fetched from the network; a file that declares a document type is
refused before its first element is read, so a billion-laughs or external-entity file expands
nothing. One :class:`Entry` per transaction: a batched entry (``Ntry`` with several ``TxDtls``)
becomes one Entry per transaction detail, each with its own amount.

Amounts are signed from the account's side: credits (money in) positive, debits negative, as the
``CdtDbtInd`` says (for a reversal too: ISO 20022 gives the reversal's own direction).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import mt940
from lxml import etree

from bank.errors import N_, BankError, Message
from bank.money import ZERO, money

#: The bank's own currency; a statement or entry in another is a problem.
EUR = "EUR"
#: The largest statement file read (bytes): a day of 100 000 entries is about 100 MB.
MAX_STATEMENT_BYTES = 256 * 1024 * 1024
#: The XML namespaces read, with the format name the command prints.
CAMT_FORMATS: dict[str, str] = {
    f"urn:iso:std:iso:20022:tech:xsd:{name}": name
    for name in ("camt.053.001.02", "camt.053.001.08", "camt.054.001.02", "camt.054.001.08")
}
MT940 = "mt940"
#: Opening balance codes, preferred first: opening booked, else the previous day's closing.
OPENING_CODES = ("OPBD", "PRCD")
CLOSING_CODE = "CLBD"
#: An ISO 20022 amount as the statement writes it (ActiveOrHistoricCurrencyAndAmount).
_AMOUNT = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,5})?")
DECLARES_DOCTYPE = N_(
    "the file declares a document type (DOCTYPE) or entities; a bank statement has none, "
    "so nothing in it is read"
)
#: How far into a file its kind is sniffed.
_HEAD_BYTES = 4096


class StatementUnreadable(BankError):
    """The file is not a statement this bank can read; nothing in it is taken."""

    code = "statement_unreadable"
    http_status = 422


@dataclass(frozen=True, slots=True)
class Entry:
    """One transaction on the account, as the statement shows it."""

    #: Signed from the account's side: money in positive, money out (debits) negative.
    amount: Decimal
    booking_date: dt.date | None
    value_date: dt.date | None
    end_to_end_id: str | None
    mandate_id: str | None
    #: ISO 20022 return reason (AC04, MD06, …) of an R-transaction.
    return_reason: str | None
    counterparty_iban: str | None
    counterparty_name: str | None
    #: The unstructured text, or the structured creditor reference (``RF…``) when there is one.
    remittance: str | None
    #: The entry reverses an earlier one (``RvslInd``; MT940 ``RC``/``RD``).
    reversal: bool
    currency: str = EUR
    #: The clearing bank's own reference of the entry (``AcctSvcrRef``/``NtryRef``; MT940 ``//``).
    reference: str | None = None


@dataclass(slots=True)
class Statement:
    """One statement (or CAMT.054 notification) of one account: its header, entries and problems."""

    id: str
    account_iban: str | None
    currency: str | None
    opening_balance: Decimal | None
    closing_balance: Decimal | None
    opening_date: dt.date | None
    closing_date: dt.date | None
    #: The electronic sequence number (CAMT ``ElctrncSeqNb``, MT940 ``:28C:`` statement/sequence).
    sequence_number: str | None
    #: Every entry, when read with :func:`read`; :func:`stream` leaves it empty.
    entries: list[Entry] = field(default_factory=list)
    #: What is wrong with it, in words (catalogue ids with their values).
    problems: list[Message] = field(default_factory=list)
    entry_count: int = 0
    entries_total: Decimal = ZERO
    #: Entries per currency other than EUR.
    foreign_currencies: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class StatementFile:
    """What one file holds: its format (``camt.053.001.02``, ``mt940``, …) and its statements."""

    format: str
    statements: list[Statement]


def read(path: str | os.PathLike[str], *, own_ibans: Collection[str] | None = None) -> StatementFile:
    """Read every statement of the file at ``path`` with all its entries.

    ``own_ibans`` are the bank's own accounts (the ``SETTLEMENT_IBANS`` setting); a statement of
    another account is a problem. None skips that check.
    """
    file_format = sniff(path)
    statements: list[Statement] = []
    for statement, entry in stream(path, own_ibans=own_ibans):
        if entry is None:
            statements.append(statement)
        else:
            statement.entries.append(entry)
    return StatementFile(file_format, statements)


def stream(
    path: str | os.PathLike[str],
    *,
    own_ibans: Collection[str] | None = None,
    max_bytes: int = MAX_STATEMENT_BYTES,
) -> Iterator[tuple[Statement, Entry | None]]:
    """Yield ``(statement, entry)`` for each entry in file order, then ``(statement, None)`` once the
    statement is complete (its problems final). The statement's header is filled before its first
    entry; its entries are not kept (``Statement.entries`` stays as the caller leaves it)."""
    file_format = sniff(path, max_bytes=max_bytes)
    if file_format == MT940:
        statements: Iterator[tuple[Statement, Entry | None]] = _read_mt940(path)
    else:
        statements = _read_camt(path, file_format)
    own = None if own_ibans is None else {_compact(iban) for iban in own_ibans}
    for statement, entry in statements:
        if entry is not None:
            statement.entry_count += 1
            statement.entries_total += entry.amount
            if entry.currency != EUR:
                count = statement.foreign_currencies.get(entry.currency, 0)
                statement.foreign_currencies[entry.currency] = count + 1
        else:
            statement.problems.extend(check(statement, own))
        yield statement, entry


def sniff(path: str | os.PathLike[str], *, max_bytes: int = MAX_STATEMENT_BYTES) -> str:
    """The file's format: a CAMT namespace's name or ``mt940``; refuse anything else by its reason."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except OSError as error:
        raise StatementUnreadable(N_("the file cannot be read: %(reason)s"), reason=error.strerror) from None
    if size == 0:
        raise StatementUnreadable(N_("the file is empty"))
    if size > max_bytes:
        raise StatementUnreadable(
            N_("the file is %(size)s bytes, more than the %(limit)s a statement may have"),
            size=size,
            limit=max_bytes,
        )
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith((b"<", b"\xff\xfe", b"\xfe\xff")):
        if b"<!DOCTYPE" in text or b"<!ENTITY" in text:
            # Said before libxml2 reads the declarations (the root element's document info says it
            # too, for a declaration further in than the head; libxml2 caps any expansion besides).
            raise StatementUnreadable(DECLARES_DOCTYPE)
        return _camt_format(path)
    if re.search(rb"(?:^|[\n{]|\{4:\s*):20:", text):
        return MT940
    raise StatementUnreadable(N_("the file is neither XML (CAMT.053 or CAMT.054) nor an MT940 statement"))


def check(statement: Statement, own_ibans: Collection[str] | None) -> list[Message]:
    """The problems of a complete statement: its account, currencies and balances."""
    problems: list[Message] = []
    iban = statement.account_iban
    if iban is None:
        problems.append(Message(N_("the statement names no IBAN for its account")))
    elif own_ibans is not None and _compact(iban) not in own_ibans:
        if own_ibans:
            problems.append(
                Message(
                    N_("account %(iban)s is not one of the bank's accounts (%(accounts)s)"),
                    iban=iban,
                    accounts=sorted(own_ibans),
                )
            )
        else:
            problems.append(
                Message(
                    N_(
                        "account %(iban)s is not one of the bank's accounts (none is set in SETTLEMENT_IBANS)"
                    ),
                    iban=iban,
                )
            )
    if statement.currency is not None and statement.currency != EUR:
        problems.append(
            Message(N_("the statement is in %(currency)s, not in EUR"), currency=statement.currency)
        )
    for currency, count in sorted(statement.foreign_currencies.items()):
        if currency != statement.currency:
            problems.append(
                Message(N_("entries in %(currency)s, not in EUR: %(count)s"), count=count, currency=currency)
            )
    opening, closing = statement.opening_balance, statement.closing_balance
    if opening is None or closing is None:
        return problems
    expected = opening + statement.entries_total
    if expected != closing:
        problems.append(
            Message(
                N_(
                    "the balances do not add up: opening balance %(opening)s plus the entries "
                    "%(entries)s makes %(expected)s, but the closing balance is %(closing)s "
                    "(a difference of %(difference)s)"
                ),
                opening=opening,
                entries=statement.entries_total,
                expected=expected,
                closing=closing,
                difference=closing - expected,
            )
        )
    return problems


def _compact(iban: str) -> str:
    return "".join(iban.split()).upper()


def _amount(text: str | None, where: str) -> Decimal:
    """An unsigned ISO 20022 amount, exact to the cent; anything else refuses the file."""
    raw = (text or "").strip()
    if _AMOUNT.fullmatch(raw) is None:
        raise StatementUnreadable(N_("%(where)s: '%(value)s' is not an amount"), where=where, value=raw)
    try:
        return money(raw)
    except ValueError:
        raise StatementUnreadable(
            N_("%(where)s: %(value)s has more than two decimals"), where=where, value=raw
        ) from None


def _date(text: str | None, where: str) -> dt.date | None:
    """The date of an ISO date or date-time (``2026-12-02``, ``2026-12-02T08:00:00+01:00``)."""
    if text is None or not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise StatementUnreadable(
            N_("%(where)s: '%(value)s' is not a date"), where=where, value=text
        ) from None


# --- CAMT.053 / CAMT.054 -------------------------------------------------------------------


def _iterparse(source: BinaryIO, **options: object) -> etree.iterparse:
    """lxml's iterparse with everything that could reach beyond the file switched off."""
    return etree.iterparse(
        source,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        **options,
    )


def _syntax(error: etree.XMLSyntaxError) -> StatementUnreadable:
    return StatementUnreadable(N_("the file is not well-formed XML: %(reason)s"), reason=str(error))


def _camt_format(path: str | os.PathLike[str]) -> str:
    """The format named by the root element's namespace; a document type declaration refuses the file.

    Read head first, a few KiB at a time, only up to the root element: no entity is expanded, and
    the elements of a whole first parse chunk are not left waiting for the garbage collector."""
    parser = etree.XMLPullParser(
        events=("start",),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )
    try:
        with open(path, "rb") as source:
            while chunk := source.read(_HEAD_BYTES):
                parser.feed(chunk)
                for _event, element in parser.read_events():
                    return _root_format(element)
            parser.close()
    except etree.XMLSyntaxError as error:
        raise _syntax(error) from None
    raise StatementUnreadable(N_("the file is not well-formed XML: %(reason)s"), reason="no element")


def _root_format(element: etree._Element) -> str:
    docinfo = element.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.system_url:
        raise StatementUnreadable(DECLARES_DOCTYPE)
    name = etree.QName(element)
    namespace = name.namespace or ""
    file_format = CAMT_FORMATS.get(namespace)
    if file_format is None or name.localname != "Document":
        raise StatementUnreadable(
            N_("the namespace '%(namespace)s' is not one of the statements read here (%(formats)s)"),
            namespace=namespace,
            formats=sorted(CAMT_FORMATS.values()),
        )
    return file_format


class _Paths:
    """The element paths of one CAMT namespace (lxml caches compiled paths by their text)."""

    def __init__(self, namespace: str, notification: bool) -> None:
        def path(text: str) -> str:
            return "/".join(f"{{{namespace}}}{step}" for step in text.split("/"))

        self.statement = path("Ntfctn" if notification else "Stmt")
        self.entry = path("Ntry")
        self.id = path("Id")
        self.sequence = path("ElctrncSeqNb")
        self.legal_sequence = path("LglSeqNb")
        self.iban = path("Acct/Id/IBAN")
        self.account_currency = path("Acct/Ccy")
        self.balance = path("Bal")
        self.balance_code = path("Tp/CdOrPrtry/Cd")
        self.amount = path("Amt")
        self.indicator = path("CdtDbtInd")
        self.date = path("Dt/Dt")
        self.date_time = path("Dt/DtTm")
        self.reversal = path("RvslInd")
        self.status = path("Sts")
        self.booking_date = path("BookgDt/Dt")
        self.booking_date_time = path("BookgDt/DtTm")
        self.value_date = path("ValDt/Dt")
        self.value_date_time = path("ValDt/DtTm")
        self.servicer_reference = path("AcctSvcrRef")
        self.entry_reference = path("NtryRef")
        self.transactions = path("NtryDtls/TxDtls")
        self.end_to_end = path("Refs/EndToEndId")
        self.mandate = path("Refs/MndtId")
        self.transaction_amount = path("AmtDtls/TxAmt/Amt")
        # Each group is found once and read inside, so an absent group costs one look.
        self.related_parties = path("RltdPties")
        self.debtor_name = path("Dbtr/Nm")
        self.debtor_party_name = path("Dbtr/Pty/Nm")
        self.debtor_iban = path("DbtrAcct/Id/IBAN")
        self.creditor_name = path("Cdtr/Nm")
        self.creditor_party_name = path("Cdtr/Pty/Nm")
        self.creditor_iban = path("CdtrAcct/Id/IBAN")
        self.remittance = path("RmtInf")
        self.unstructured = path("Ustrd")
        self.structured = path("Strd")
        self.creditor_reference = path("CdtrRefInf/Ref")
        self.return_information = path("RtrInf")
        self.return_code = path("Rsn/Cd")
        self.return_proprietary = path("Rsn/Prtry")


def _read_camt(path: str | os.PathLike[str], file_format: str) -> Iterator[tuple[Statement, Entry | None]]:
    namespace = next(ns for ns, name in CAMT_FORMATS.items() if name == file_format)
    paths = _Paths(namespace, notification=file_format.startswith("camt.054"))
    current: Statement | None = None
    current_element: etree._Element | None = None
    number = 0
    try:
        with open(path, "rb") as source:
            for _event, element in _iterparse(source, events=("end",), tag=(paths.statement, paths.entry)):
                if element.tag == paths.entry:
                    parent = element.getparent()
                    if parent is not current_element:
                        current, current_element = _camt_header(parent, paths), parent
                    assert current is not None
                    number += 1
                    for entry in _camt_entries(element, paths, number, current.problems):
                        yield current, entry
                    element.clear(keep_tail=False)
                    # The entries read so far go: memory stays that of one entry (the header was read).
                    while element.getprevious() is not None:
                        del parent[0]
                    continue
                if element is not current_element:
                    current = _camt_header(element, paths)
                assert current is not None
                yield current, None
                current, current_element = None, None
                element.clear(keep_tail=False)
                document_part = element.getparent()
                if document_part is not None:
                    while element.getprevious() is not None:
                        del document_part[0]
    except etree.XMLSyntaxError as error:
        raise _syntax(error) from None


def _camt_header(element: etree._Element, paths: _Paths) -> Statement:
    statement_id = (element.findtext(paths.id) or "").strip()
    where = f"statement {statement_id or '?'}"
    opening: tuple[Decimal, dt.date | None, str | None] | None = None
    opening_rank = len(OPENING_CODES)
    closing: tuple[Decimal, dt.date | None, str | None] | None = None
    for balance in element.iterfind(paths.balance):
        code = (balance.findtext(paths.balance_code) or "").strip()
        if code not in OPENING_CODES and code != CLOSING_CODE:
            continue
        amount_element = balance.find(paths.amount)
        amount = _amount(amount_element.text if amount_element is not None else None, f"{where}, {code}")
        if (balance.findtext(paths.indicator) or "").strip() == "DBIT":
            amount = -amount
        when = _date(balance.findtext(paths.date) or balance.findtext(paths.date_time), f"{where}, {code}")
        currency = amount_element.get("Ccy") if amount_element is not None else None
        if code == CLOSING_CODE:
            closing = (amount, when, currency)
        elif OPENING_CODES.index(code) < opening_rank:
            opening, opening_rank = (amount, when, currency), OPENING_CODES.index(code)
    iban = element.findtext(paths.iban)
    currency = element.findtext(paths.account_currency) or (opening[2] if opening else None)
    sequence = element.findtext(paths.sequence) or element.findtext(paths.legal_sequence)
    statement = Statement(
        id=statement_id,
        account_iban=_compact(iban) if iban else None,
        currency=currency.strip() if currency else None,
        opening_balance=opening[0] if opening else None,
        closing_balance=closing[0] if closing else None,
        opening_date=opening[1] if opening else None,
        closing_date=closing[1] if closing else None,
        sequence_number=sequence.strip() if sequence else None,
    )
    if paths.statement.endswith("}Stmt"):
        if opening is None:
            statement.problems.append(Message(N_("the statement has no opening balance (OPBD or PRCD)")))
        if closing is None:
            statement.problems.append(Message(N_("the statement has no closing balance (CLBD)")))
    return statement


def _text(element: etree._Element, path: str) -> str | None:
    text = element.findtext(path)
    if text is None:
        return None
    text = text.strip()
    return text or None


def _camt_entries(
    element: etree._Element, paths: _Paths, number: int, problems: list[Message]
) -> Iterator[Entry]:
    """The transactions of one ``Ntry``: one per ``TxDtls`` (a batch is split), or the entry itself.

    An entry that is not booked (pending, information) is left out, and said so in ``problems``."""
    reference = _text(element, paths.servicer_reference) or _text(element, paths.entry_reference)
    where = f"entry {number}" + (f" ({reference})" if reference else "")
    amount_element = element.find(paths.amount)
    amount = _amount(amount_element.text if amount_element is not None else None, where)
    currency = (amount_element.get("Ccy") if amount_element is not None else None) or EUR
    credit = (element.findtext(paths.indicator) or "").strip() != "DBIT"
    reversal = (element.findtext(paths.reversal) or "").strip().lower() in ("true", "1")
    status_element = element.find(paths.status)
    status = None
    if status_element is not None:  # camt.053.001.02 writes <Sts>BOOK</Sts>, .08 <Sts><Cd>BOOK</Cd></Sts>
        status = (status_element.text or "").strip() or (status_element.findtext("*") or "").strip() or None
    if status not in (None, "BOOK"):
        problems.append(
            Message(
                N_("%(where)s is not booked (status %(status)s) and is left out"), where=where, status=status
            )
        )
        return
    booking_date = _date(
        element.findtext(paths.booking_date) or element.findtext(paths.booking_date_time), where
    )
    value_date = _date(element.findtext(paths.value_date) or element.findtext(paths.value_date_time), where)
    details = element.findall(paths.transactions)
    if not details:
        yield Entry(
            amount if credit else -amount,
            booking_date,
            value_date,
            None,
            None,
            None,
            None,
            None,
            None,
            reversal,
            currency,
            reference,
        )
        return
    total = ZERO
    for index, detail in enumerate(details, start=1):
        detail_where = f"{where}, transaction {index}"
        detail_amount = detail.find(paths.transaction_amount)
        if detail_amount is None:
            detail_amount = detail.find(paths.amount)
        if detail_amount is not None:
            value = _amount(detail_amount.text, detail_where)
            indicator = (detail.findtext(paths.indicator) or "").strip()
            detail_credit = credit if not indicator else indicator != "DBIT"
        elif len(details) == 1:
            value, detail_credit = amount, credit
        else:
            raise StatementUnreadable(
                N_("%(where)s is a batch whose transaction %(index)s has no amount"), where=where, index=index
            )
        signed = value if detail_credit else -value
        total += signed
        # The counterparty is the other side of the original movement: the debtor of money that
        # came in, the creditor of money that went out (a reversal turns the direction around).
        name = iban = remittance = return_reason = None
        parties = detail.find(paths.related_parties)
        if parties is not None:
            if detail_credit != reversal:
                name = _text(parties, paths.debtor_name) or _text(parties, paths.debtor_party_name)
                iban = _text(parties, paths.debtor_iban)
            else:
                name = _text(parties, paths.creditor_name) or _text(parties, paths.creditor_party_name)
                iban = _text(parties, paths.creditor_iban)
        information = detail.find(paths.remittance)
        if information is not None:
            structured = information.find(paths.structured)
            if structured is not None:
                remittance = _text(structured, paths.creditor_reference)
            remittance = remittance or _text(information, paths.unstructured)
        returned = detail.find(paths.return_information)
        if returned is not None:
            return_reason = _text(returned, paths.return_code) or _text(returned, paths.return_proprietary)
        yield Entry(
            signed,
            booking_date,
            value_date,
            _not_provided(_text(detail, paths.end_to_end)),
            _text(detail, paths.mandate),
            return_reason,
            _compact(iban) if iban else None,
            name,
            remittance,
            reversal,
            currency,
            reference,
        )
    entry_total = amount if credit else -amount
    if total != entry_total:
        problems.append(
            Message(
                N_("%(where)s is %(entry)s, but its transactions add up to %(transactions)s"),
                where=where,
                entry=entry_total,
                transactions=total,
            )
        )


# --- MT940 ---------------------------------------------------------------------------------

#: The keys of the structured ``:86:`` field Dutch banks write (``/EREF/…//MARF/…//RTRN/…``).
_MT940_KEYS = (
    "EREF|MARF|CSID|RTRN|CNTP|REMI|IBAN|BIC|NAME|ADDR|ISDT|PREF|PURP|BENM|ORDP|ULTC|ULTD|ULTB|"
    "TRCD|EXCH|CHGS|OCMT|RTYP|SVCL|BUSP|KREF|ORIG"
)
_MT940_KEY = re.compile(rf"/({_MT940_KEYS})/")
#: An IBAN, with the currency some banks append in ``:25:`` (``NL91ABNA0417164300EUR``).
_ACCOUNT = re.compile(r"([A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}?)([A-Z]{3})?")


def _read_mt940(path: str | os.PathLike[str]) -> Iterator[tuple[Statement, Entry | None]]:
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("iso-8859-1")
    try:
        blocks = mt940.parse_statements(text, options=mt940.Options.all())
    except (RuntimeError, ValueError, KeyError) as error:
        raise StatementUnreadable(
            N_("the MT940 statement cannot be read: %(reason)s"), reason=str(error)
        ) from None
    if not blocks:
        raise StatementUnreadable(N_("the file holds no MT940 statement (:20:, :25:, :60F:)"))
    for block in blocks:
        if not block.data.get("account_identification") and not block.data.get("final_opening_balance"):
            raise StatementUnreadable(N_("the file holds no MT940 statement (:20:, :25:, :60F:)"))
        statement = _mt940_header(block)
        for index, transaction in enumerate(block, start=1):
            yield statement, _mt940_entry(transaction.data, statement, index)
        yield statement, None


def _mt940_balance(data: dict[str, object], *names: str) -> tuple[Decimal, str | None, dt.date | None] | None:
    """The first of the named balances: its signed amount, currency and date."""
    for name in names:
        balance = data.get(name)
        if isinstance(balance, mt940.models.Balance) and isinstance(balance.amount, mt940.models.Amount):
            amount = balance.amount
            return money(amount.amount), amount.currency, _plain_date(balance.date)
    return None


def _mt940_header(block: mt940.models.Transactions) -> Statement:
    data = block.data
    opening = _mt940_balance(data, "final_opening_balance", "opening_balance", "intermediate_opening_balance")
    closing = _mt940_balance(data, "final_closing_balance", "closing_balance", "intermediate_closing_balance")
    account = str(data.get("account_identification") or "").replace(" ", "").upper()
    match = _ACCOUNT.fullmatch(account)
    currency = opening[1] if opening else (closing[1] if closing else None)
    sequence = "/".join(str(data[k]) for k in ("statement_number", "sequence_number") if data.get(k))
    statement = Statement(
        id=str(data.get("transaction_reference") or "").strip(),
        account_iban=match.group(1) if match else (account or None),
        currency=currency,
        opening_balance=opening[0] if opening else None,
        closing_balance=closing[0] if closing else None,
        opening_date=opening[2] if opening else None,
        closing_date=closing[2] if closing else None,
        sequence_number=sequence or None,
    )
    if opening is None:
        statement.problems.append(Message(N_("the statement has no opening balance (:60F:)")))
    if closing is None:
        statement.problems.append(Message(N_("the statement has no closing balance (:62F:)")))
    return statement


def _plain_date(value: object) -> dt.date | None:
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, value.day)
    return None


def _mt940_entry(data: dict[str, object], statement: Statement, index: int) -> Entry:
    amount = data["amount"]
    assert isinstance(amount, mt940.models.Amount)
    status = str(data.get("status") or "").upper()
    reference = data.get("bank_reference") or data.get("customer_reference")
    fields = _mt940_details(str(data.get("transaction_details") or ""))
    counterparty = (fields.get("CNTP") or "").split("/")
    iban = fields.get("IBAN") or (counterparty[0] if counterparty[0] else None)
    name = fields.get("NAME") or (counterparty[2] if len(counterparty) > 2 and counterparty[2] else None)
    return Entry(
        money(amount.amount),
        _plain_date(data.get("entry_date")) or _plain_date(data.get("date")),
        _plain_date(data.get("date")),
        _not_provided(fields.get("EREF")),
        fields.get("MARF") or None,
        (fields.get("RTRN") or "").split("/")[0] or None,
        _compact(iban) if iban else None,
        name,
        _mt940_remittance(fields),
        status.startswith("R"),
        amount.currency or statement.currency or EUR,
        str(reference).strip() if reference and str(reference).strip() != "NONREF" else None,
    )


def _not_provided(value: str | None) -> str | None:
    """SEPA's ``NOTPROVIDED`` end-to-end id says there is none."""
    return None if not value or value == "NOTPROVIDED" else value


def _mt940_details(text: str) -> dict[str, str]:
    """The structured ``:86:`` as key → value; free text is kept under ``REMI``."""
    joined = "".join(line.rstrip("\r") for line in text.split("\n"))
    marks = list(_MT940_KEY.finditer(joined))
    if not marks:
        return {"REMI": "USTD//" + joined.strip()} if joined.strip() else {}
    fields: dict[str, str] = {}
    for mark, following in zip(marks, [*marks[1:], None], strict=True):
        end = following.start() if following is not None else len(joined)
        fields.setdefault(mark.group(1), joined[mark.end() : end].strip().rstrip("/").strip())
    return fields


def _mt940_remittance(fields: dict[str, str]) -> str | None:
    """``/REMI/USTD//text`` → the text, ``/REMI/STRD/CUR/RF18…`` → the creditor reference."""
    remittance = fields.get("REMI")
    if not remittance:
        return None
    kind, _, rest = remittance.partition("/")
    if kind == "STRD":
        return rest.rstrip("/").split("/")[-1] or None
    if kind == "USTD":
        return rest.lstrip("/").strip() or None
    return remittance
