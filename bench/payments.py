"""Payments benchmark: the clearing bank's statements (and, later, the SEPA files) at a day's volume.

    python -m bench.payments [--entries 100000] [--small 10000] [--repeat 3]

Each part of the issue's figures is one function returning ``{"params", "results", "checks"}``;
``main`` runs them in turn and merges them into one JSON object on stdout (DESIGN.md,
"Benchmarks"); progress goes to stderr. Parts so far:

* :func:`camt_read`: a CAMT.053 of ``--entries`` entries (a third of them batches of three
  transactions, a few reversals with a return reason) read by ``read-statement``'s reader
  (:func:`bank.payments.statement_reader.stream`, every entry made an ``Entry``), against a bare
  ``lxml.etree.iterparse`` loop over the same file that finds the same elements' text and clears
  as it goes: ``camt_read_vs_iterparse`` (target <= 2). CPU time of this process, best of
  ``--repeat``.
* :func:`camt_memory`: the peak of Python's allocations (tracemalloc) while the reader streams
  ``--entries`` entries against ``--small`` entries: ``camt_memory_100k_vs_10k`` (target <= 1.5).
  tracemalloc does not see lxml's own (C) memory, so the peak resident size of a child process
  reading each file is given beside it (``rss_*``; a figure, not a check).

Still to come from issue 14: ``camt_import_vs_executemany`` (import, match and book against bare
executemany, SQLite and PostgreSQL given a URL) and ``pain008_xsd_valid`` / ``pain008_vs_lxml``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

from lxml import etree

from bank.payments import statement_reader

#: CPU time of this process: time spent descheduled on a shared machine lands on nobody.
clock = time.process_time
BANK_IBAN = "NL91ABNA0417164300"
#: Counterparties' IBANs (valid check digits) the generated entries cycle through.
COUNTERPARTY_IBANS = ("NL20INGB0001234567", "NL44RABO0123456789", "NL63TRIO0212345678", "NL66ASNB0707070707")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def check(name: str, value: float, target: str) -> dict[str, Any]:
    operator, bound_text = target.split()
    bound = float(bound_text)
    ok = {"<=": value <= bound, ">=": value >= bound, "==": value == bound}[operator]
    return {"name": name, "value": round(value, 3), "target": target, "ok": bool(ok)}


# --- writing a CAMT.053 -----------------------------------------------------------------------


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
        f"<Stmt><Id>{statement_id}</Id><ElctrncSeqNb>1</ElctrncSeqNb>"
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


def day_of_entries(count: int) -> Iterable[list[Transaction]]:
    """``count`` entries of a busy day: transfers in, our collections in batches of three, payouts,
    and every 50th a return of a collection (MD06 or AC04)."""
    for number in range(count):
        iban = COUNTERPARTY_IBANS[number % len(COUNTERPARTY_IBANS)]
        cents = 1_000 + (number * 7_919) % 250_000
        amount = Decimal(cents) / 100
        if number % 50 == 49:
            yield [
                Transaction(
                    -amount,
                    f"COLL-{number}",
                    f"WB-MANDATE-{number}",
                    f"Debiteur {number}",
                    iban,
                    return_reason="MD06" if number % 100 == 99 else "AC04",
                    reversal=True,
                )
            ]
        elif number % 3 == 0:
            yield [
                Transaction(
                    amount + part,
                    f"COLL-{number}-{part}",
                    f"WB-MANDATE-{number}-{part}",
                    f"Lener {number}",
                    iban,
                )
                for part in range(3)
            ]
        elif number % 3 == 1:
            yield [Transaction(amount, "NOTPROVIDED", None, f"Lid {number}", iban, "RF18539007547034")]
        else:
            yield [
                Transaction(
                    -amount, f"PAY-{number}", None, f"Ontvanger {number}", iban, f"Uitbetaling {number}"
                )
            ]


def write_day(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        write_camt053(out, list(day_of_entries(count)), opening=Decimal("1000000.00"))


# --- reading -------------------------------------------------------------------------------------


def consume(path: str | os.PathLike[str]) -> int:
    """Stream the file through the reader as the import would, keeping nothing; the transactions."""
    transactions = 0
    for statement, entry in statement_reader.stream(path, own_ibans=(BANK_IBAN,)):
        if entry is not None:
            transactions += 1
        else:
            assert not statement.problems, statement.problems
    return transactions


def bare_iterparse(path: str | os.PathLike[str], namespace: str) -> int:
    """A bare iterparse loop that finds the text of the elements the reader reads, and clears."""

    def q(text: str) -> str:
        return "/".join(f"{{{namespace}}}{step}" for step in text.split("/"))

    entry_paths = [
        q(p) for p in ("Amt", "CdtDbtInd", "RvslInd", "Sts", "BookgDt/Dt", "ValDt/Dt", "AcctSvcrRef")
    ]
    detail_paths = [
        q(p)
        for p in (
            "Refs/EndToEndId",
            "Refs/MndtId",
            "AmtDtls/TxAmt/Amt",
            "RltdPties/Dbtr/Nm",
            "RltdPties/DbtrAcct/Id/IBAN",
            "RmtInf/Strd/CdtrRefInf/Ref",
            "RmtInf/Ustrd",
            "RtrInf/Rsn/Cd",
        )
    ]
    details = q("NtryDtls/TxDtls")
    transactions = 0
    for _event, element in etree.iterparse(
        str(path),
        events=("end",),
        tag=q("Ntry"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    ):
        for entry_path in entry_paths:
            element.findtext(entry_path)
        for detail in element.iterfind(details):
            for detail_path in detail_paths:
                detail.findtext(detail_path)
            transactions += 1
        element.clear(keep_tail=False)
        parent = element.getparent()
        while element.getprevious() is not None:
            del parent[0]
    return transactions


def _best(repeat: int, work: Callable[[], int]) -> tuple[float, int]:
    best, result = float("inf"), 0
    for _ in range(repeat):
        started = clock()
        result = work()
        best = min(best, clock() - started)
    return best, result


def camt_read(directory: Path, entries: int, repeat: int) -> dict[str, Any]:
    path = directory / f"camt053-{entries}.xml"
    if not path.exists():
        log(f"writing a CAMT.053 of {entries} entries …")
        write_day(path, entries)
    namespace = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
    log("reader …")
    reader_s, read_count = _best(repeat, lambda: consume(path))
    log("bare iterparse …")
    bare_s, bare_count = _best(repeat, lambda: bare_iterparse(path, namespace))
    assert read_count == bare_count, (read_count, bare_count)
    return {
        "params": {"entries": entries, "repeat": repeat},
        "results": {
            "camt_file_bytes": path.stat().st_size,
            "camt_transactions": read_count,
            "camt_read_s": round(reader_s, 3),
            "camt_iterparse_s": round(bare_s, 3),
        },
        "checks": [check("camt_read_vs_iterparse", reader_s / bare_s, "<= 2")],
    }


def _traced_peak(path: Path) -> int:
    tracemalloc.start()
    try:
        consume(path)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _child_rss_kib(path: Path) -> int:
    """Peak resident size (KiB) of the children so far, after one more reads ``path``."""
    root = Path(__file__).resolve().parents[1]
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from bench.payments import consume; consume(sys.argv[1])",
            str(path),
        ],
        check=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def camt_memory(directory: Path, entries: int, small: int) -> dict[str, Any]:
    paths = {}
    for count in (small, entries):
        paths[count] = directory / f"camt053-{count}.xml"
        if not paths[count].exists():
            log(f"writing a CAMT.053 of {count} entries …")
            write_day(paths[count], count)
    log("peak memory (tracemalloc) …")
    small_peak = _traced_peak(paths[small])
    large_peak = _traced_peak(paths[entries])
    log("peak resident size of a child process …")
    small_rss = _child_rss_kib(paths[small])  # the smaller first: ru_maxrss is the children's maximum
    large_rss = _child_rss_kib(paths[entries])
    return {
        "params": {"small_entries": small},
        "results": {
            "camt_peak_bytes_small": small_peak,
            "camt_peak_bytes_large": large_peak,
            "rss_kib_small": small_rss,
            "rss_kib_large": large_rss,
            "rss_large_vs_small": round(large_rss / small_rss, 3),
        },
        "checks": [check("camt_memory_100k_vs_10k", large_peak / small_peak, "<= 1.5")],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.payments", description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000, help="statement entries (default 100000)")
    parser.add_argument("--small", type=int, default=10_000, help="entries of the small file (default 10000)")
    parser.add_argument("--repeat", type=int, default=3, help="timings per way, the best kept (default 3)")
    args = parser.parse_args(argv)
    report: dict[str, Any] = {"bench": "payments", "params": {}, "results": {}, "checks": []}
    with tempfile.TemporaryDirectory(prefix="bench-payments-") as temporary:
        directory = Path(temporary)
        parts = [
            camt_read(directory, args.entries, args.repeat),
            camt_memory(directory, args.entries, args.small),
        ]
    for part in parts:
        report["params"].update(part["params"])
        report["results"].update(part["results"])
        report["checks"].extend(part["checks"])
    print(json.dumps(report, indent=2))
    return 0 if all(item["ok"] for item in report["checks"]) else 1


if __name__ == "__main__":
    sys.exit(main())
