"""The clearing bank's side of a statement: a CAMT.053 writer, for the demo, the tests and the bench.

Wijkbank only ever reads statements; the demo's clearing bank, the statement tests and
``bench.payments`` need to write them, and one writer keeps them all reading the same XML the
real banks send (``camt.053.001.02`` and ``.08``: balances OPBD/CLBD, one ``Ntry`` per batch of
transactions in one direction, each transaction's references, parties, remittance and return
reason). It writes strings, escaped, in order, so a 100 000-entry file costs no tree in memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO
from xml.sax.saxutils import escape

#: The demo's settlement account at the clearing bank (``config.DEMO_SETTLEMENT_IBANS``).
BANK_IBAN = "NL91ABNA0417164300"


@dataclass(frozen=True)
class Transaction:
    """One transaction to write; ``amount`` signed from the account's side (debits negative)."""

    amount: Decimal
    end_to_end_id: str | None = None
    mandate_id: str | None = None
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    remittance: str | None = None
    return_reason: str | None = None
    reversal: bool = False


def _tag(name: str, value: str | None) -> str:
    return "" if value is None else f"<{name}>{escape(value)}</{name}>"


def _party(name: str | None, iban: str | None, role: str, version: str) -> str:
    if name is None and iban is None:
        return ""
    name_part = ""
    if name is not None:
        name_part = _tag("Nm", name) if version.endswith(".02") else f"<Pty>{_tag('Nm', name)}</Pty>"
        name_part = f"<{role}>{name_part}</{role}>"
    account = f"<{role}Acct><Id><IBAN>{iban}</IBAN></Id></{role}Acct>" if iban else ""
    return name_part + account


def _transaction_xml(tx: Transaction, version: str) -> str:
    came_in = (tx.amount > 0) != tx.reversal
    party = _party(tx.counterparty_name, tx.counterparty_iban, "Dbtr" if came_in else "Cdtr", version)
    refs = _tag("EndToEndId", tx.end_to_end_id) + _tag("MndtId", tx.mandate_id)
    amount = f'<AmtDtls><TxAmt><Amt Ccy="EUR">{abs(tx.amount):.2f}</Amt></TxAmt></AmtDtls>'
    if version.endswith(".08"):
        indicator = "CRDT" if tx.amount > 0 else "DBIT"
        amount = f'<Amt Ccy="EUR">{abs(tx.amount):.2f}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>' + amount
    return (
        "<TxDtls>"
        + (f"<Refs>{refs}</Refs>" if refs else "")
        + amount
        + (f"<RltdPties>{party}</RltdPties>" if party else "")
        + (f"<RmtInf>{_tag('Ustrd', tx.remittance)}</RmtInf>" if tx.remittance else "")
        + (f"<RtrInf><Rsn><Cd>{tx.return_reason}</Cd></Rsn></RtrInf>" if tx.return_reason else "")
        + "</TxDtls>"
    )


def write_camt053(
    out: IO[str],
    entries: Iterable[Sequence[Transaction]],
    *,
    opening: Decimal,
    closing: Decimal | None = None,
    version: str = "camt.053.001.02",
    statement_id: str = "STMT-1",
    iban: str = BANK_IBAN,
    currency: str = "EUR",
    booked_on: dt.date = dt.date(2026, 12, 2),
    sequence: int = 1,
) -> Decimal:
    """Write one statement whose entries are ``entries`` (each a batch of transactions in one
    direction) to ``out``; the closing balance is opening + the entries unless given. Returns the
    closing balance written."""
    entries = list(entries) if closing is None else entries
    if closing is None:
        assert isinstance(entries, list)
        closing = opening + sum((tx.amount for batch in entries for tx in batch), Decimal("0.00"))
    day = booked_on.isoformat()

    def balance(code: str, amount: Decimal, on: dt.date) -> str:
        indicator = "CRDT" if amount >= 0 else "DBIT"
        return (
            f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
            f'<Amt Ccy="{currency}">{abs(amount):.2f}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>'
            f"<Dt><Dt>{on.isoformat()}</Dt></Dt></Bal>\n"
        )

    status = "<Sts>BOOK</Sts>" if version.endswith(".02") else "<Sts><Cd>BOOK</Cd></Sts>"
    out.write(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:{version}"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>{statement_id}</MsgId><CreDtTm>{day}T20:00:00</CreDtTm></GrpHdr>\n"
        f"<Stmt><Id>{statement_id}</Id><ElctrncSeqNb>{sequence}</ElctrncSeqNb>"
        f"<Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>{currency}</Ccy></Acct>\n"
        + balance("OPBD", opening, booked_on - dt.timedelta(days=1))
        + balance("CLBD", closing, booked_on)
    )
    for number, batch in enumerate(entries, start=1):
        total = sum((tx.amount for tx in batch), Decimal("0.00"))
        reversal = "<RvslInd>true</RvslInd>" if any(tx.reversal for tx in batch) else ""
        out.write(
            f'<Ntry><Amt Ccy="{currency}">{abs(total):.2f}</Amt>'
            f"<CdtDbtInd>{'CRDT' if total > 0 else 'DBIT'}</CdtDbtInd>{reversal}{status}"
            f"<BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt>"
            f"<AcctSvcrRef>REF-{number}</AcctSvcrRef><NtryDtls>"
            + "".join(_transaction_xml(tx, version) for tx in batch)
            + "</NtryDtls></Ntry>\n"
        )
    out.write("</Stmt></BkToCstmrStmt></Document>\n")
    return closing
