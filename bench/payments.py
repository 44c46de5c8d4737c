"""Payments benchmark: the clearing bank's statements and the SEPA files, at a day's volume.

    python -m bench.payments [--entries 100000] [--small 10000] [--pain008-transactions 50000]
                             [--repeat 3]

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

* :func:`pain008_build`: a pain.008.001.02 of ``--pain008-transactions`` collections (distinct
  debtors and IBANs, FRST and RCUR on two collection dates, one amended mandate in fifty) built
  by :func:`bank.payments.sepa_files.build_pain008` (input checks, control sums, deterministic
  ids, XSD validation, sha256) against writing the same elements with bare lxml (``SubElement``
  and ``tostring``; no checks, no validation). The bare document must equal the built one byte
  for byte, so both wrote the same elements: ``pain008_xsd_valid`` (== 1, the built file
  validated again from its bytes) and ``pain008_vs_lxml`` (target <= 3). CPU time, best of
  ``--repeat``.

* :func:`camt_import`: a CAMT.053 of ``--entries`` entries imported, matched and booked by
  :func:`bank.payments.statement_import.import_statement` (read, checked whole, every line
  matched: a third by a member account's RF reference, a third by the sender's IBAN of a member
  with one account, the rest into suspense in and out; posted with ``post_many`` and each line
  stored) against bare executemany of the same number of entries and postings
  (:func:`bench.ledger.bench_executemany`: Core inserts, integer cents, no rules):
  ``camt_import_vs_executemany`` (target <= 6). Wall time, one run each, on a fresh migrated
  database: SQLite in a temporary folder, or the PostgreSQL of ``--database-url`` (emptied).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from lxml import etree
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from sqlalchemy.orm import sessionmaker

from bank import models as _models  # noqa: F401  (every table registered)
from bank.actor import system
from bank.db import make_engine
from bank.ledger import chart
from bank.ledger.service import account_by_code
from bank.members import service as members_service
from bank.payments import references, sepa_schemas, statement_import, statement_reader
from bank.payments.camt_writer import BANK_IBAN, Transaction, write_camt053
from bank.payments.sepa_files import (
    Amendment,
    Collection,
    Creditor,
    Scheme,
    SepaFile,
    SequenceType,
    build_pain008,
    payment_information_id,
)
from bank.savings import service as savings
from bench.ledger import bench_executemany, fresh_database

#: CPU time of this process: time spent descheduled on a shared machine lands on nobody.
clock = time.process_time
#: Counterparties' IBANs (valid check digits) the generated entries cycle through.
COUNTERPARTY_IBANS = ("NL20INGB0001234567", "NL44RABO0123456789", "NL63TRIO0212345678", "NL66ASNB0707070707")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def check(name: str, value: float, target: str) -> dict[str, Any]:
    operator, bound_text = target.split()
    bound = float(bound_text)
    ok = {"<=": value <= bound, ">=": value >= bound, "==": value == bound}[operator]
    return {"name": name, "value": round(value, 3), "target": target, "ok": bool(ok)}


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


# --- pain.008 -----------------------------------------------------------------------------------

PAIN008_VERSION = "pain.008.001.02"
CREDITOR = Creditor("Wijkbank cooperatie U.A.", BANK_IBAN, "ABNANL2A", "NL08ZZZ502057730000")
CREATED_AT = dt.datetime(2026, 12, 3, 16, 0, tzinfo=dt.UTC)
BATCH_ID = "WB-DD-20261215"
DATES = (dt.date(2026, 12, 15), dt.date(2026, 12, 16))
#: Debtors' banks the collections cycle through; the last has no BIC (NOTPROVIDED).
BANKS = (
    ("RABO", "RABONL2U"),
    ("INGB", "INGBNL2A"),
    ("ABNA", "ABNANL2A"),
    ("SNSB", "SNSBNL2A"),
    ("ASNB", None),
)


def best_of(repeat: int, work: Callable[[], object]) -> tuple[float, object]:
    """The fastest of ``repeat`` CPU timings of ``work`` (after a full collection) and its last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        started = clock()
        result = work()
        best = min(best, clock() - started)
    return best, result


def pain008_collections(count: int, seed: int = 14) -> list[Collection]:
    """``count`` collections from distinct debtors: valid Dutch IBANs, amounts 5.00–2 500.00."""
    rng = random.Random(seed)
    made: list[Collection] = []
    account = 100_000_000
    while len(made) < count:
        account += rng.randint(1, 97)
        bank, bic = BANKS[len(made) % len(BANKS)]
        try:
            iban = IBAN.generate("NL", bank_code=bank, account_code=f"{account:010d}").compact
        except SchwiftyException:
            continue
        number = len(made)
        made.append(
            Collection(
                end_to_end_id=f"WB-C-{number:07d}-20261215",
                amount=Decimal(rng.randint(500, 250_000)).scaleb(-2),
                mandate_reference=f"WB-M-{number:07d}",
                mandate_signed_on=dt.date(2024, 1, 1) + dt.timedelta(days=number % 600),
                sequence=SequenceType.FIRST if number % 7 == 0 else SequenceType.RECURRING,
                collection_date=DATES[number % 2],
                debtor_name=f"Lid {number} van de wijk",
                debtor_iban=iban,
                remittance=f"Termijn {1 + number % 60} lening L-{number:07d}",
                debtor_bic=bic,
                amendment=Amendment(original_mandate_reference=f"OUD-{number}") if number % 50 == 1 else None,
            )
        )
    return made


def bare_lxml_pain008(items: list[Collection]) -> bytes:
    """The same document written with lxml alone: no checks, no sepaxml, no validation."""
    ns = "{" + sepa_schemas.namespace(PAIN008_VERSION) + "}"
    order = {sequence: number for number, sequence in enumerate(SequenceType)}
    ordered = sorted(items, key=lambda item: (item.collection_date, order[item.sequence]))
    blocks: dict[tuple[dt.date, SequenceType], list[Collection]] = {}
    for item in ordered:
        blocks.setdefault((item.collection_date, item.sequence), []).append(item)
    S = etree.SubElement

    def text(parent: etree._Element, tag: str, value: str) -> etree._Element:
        element = S(parent, ns + tag)
        element.text = value
        return element

    def cents(amount: Decimal) -> int:
        return int(amount * 100)

    def amount_text(value: int) -> str:
        return f"{value // 100}.{value % 100:02d}"

    root = etree.Element(
        ns + "Document",
        nsmap={
            None: sepa_schemas.namespace(PAIN008_VERSION),
            "xsi": "http://www.w3.org/2001/XMLSchema-instance",
        },
    )
    initiation = S(root, ns + "CstmrDrctDbtInitn")
    header = S(initiation, ns + "GrpHdr")
    text(header, "MsgId", BATCH_ID)
    text(header, "CreDtTm", "2026-12-03T17:00:00")
    text(header, "NbOfTxs", str(len(items)))
    text(header, "CtrlSum", amount_text(sum(cents(item.amount) for item in items)))
    party = S(header, ns + "InitgPty")
    text(party, "Nm", CREDITOR.name)
    text(S(S(S(party, ns + "Id"), ns + "OrgId"), ns + "Othr"), "Id", CREDITOR.creditor_id)
    for (date, sequence), members in blocks.items():
        block = S(initiation, ns + "PmtInf")
        text(block, "PmtInfId", payment_information_id(BATCH_ID, date, sequence))
        text(block, "PmtMtd", "DD")
        text(block, "BtchBookg", "true")
        text(block, "NbOfTxs", str(len(members)))
        text(block, "CtrlSum", amount_text(sum(cents(item.amount) for item in members)))
        kind = S(block, ns + "PmtTpInf")
        text(S(kind, ns + "SvcLvl"), "Cd", "SEPA")
        text(S(kind, ns + "LclInstrm"), "Cd", Scheme.CORE.value)
        text(kind, "SeqTp", sequence.value)
        text(block, "ReqdColltnDt", date.isoformat())
        text(S(block, ns + "Cdtr"), "Nm", CREDITOR.name)
        text(S(S(block, ns + "CdtrAcct"), ns + "Id"), "IBAN", CREDITOR.iban)
        text(S(S(block, ns + "CdtrAgt"), ns + "FinInstnId"), "BIC", CREDITOR.bic)
        text(block, "ChrgBr", "SLEV")
        other = S(S(S(S(block, ns + "CdtrSchmeId"), ns + "Id"), ns + "PrvtId"), ns + "Othr")
        text(other, "Id", CREDITOR.creditor_id)
        text(S(other, ns + "SchmeNm"), "Prtry", "SEPA")
        for item in members:
            transaction = S(block, ns + "DrctDbtTxInf")
            text(S(transaction, ns + "PmtId"), "EndToEndId", item.end_to_end_id)
            text(transaction, "InstdAmt", amount_text(cents(item.amount))).set("Ccy", "EUR")
            mandate = S(S(transaction, ns + "DrctDbtTx"), ns + "MndtRltdInf")
            text(mandate, "MndtId", item.mandate_reference)
            text(mandate, "DtOfSgntr", item.mandate_signed_on.isoformat())
            if item.amendment is not None:
                text(mandate, "AmdmntInd", "true")
                details = S(mandate, ns + "AmdmntInfDtls")
                text(details, "OrgnlMndtId", item.amendment.original_mandate_reference or "")
            institution = S(S(transaction, ns + "DbtrAgt"), ns + "FinInstnId")
            if item.debtor_bic:
                text(institution, "BIC", item.debtor_bic)
            else:
                text(S(institution, ns + "Othr"), "Id", "NOTPROVIDED")
            text(S(transaction, ns + "Dbtr"), "Nm", item.debtor_name)
            text(S(S(transaction, ns + "DbtrAcct"), ns + "Id"), "IBAN", item.debtor_iban)
            text(S(transaction, ns + "RmtInf"), "Ustrd", item.remittance)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def pain008_build(transactions: int, repeat: int) -> dict[str, Any]:
    """The pain.008 part: built and XSD-valid, and its time against bare lxml."""
    log(f"pain.008: {transactions} collections …")
    items = pain008_collections(transactions)

    def build() -> SepaFile:
        return build_pain008(
            CREDITOR,
            items,
            batch_id=BATCH_ID,
            created_at=CREATED_AT,
            scheme=Scheme.CORE,
            version=PAIN008_VERSION,
        )

    build_pain008(CREDITOR, items[:10], batch_id=BATCH_ID, created_at=CREATED_AT)  # the XSD compiled once
    log("pain.008: build_pain008 (checks, lxml, XSD, sha256) …")
    built_seconds, built = best_of(repeat, build)
    log("pain.008: bare lxml …")
    bare_seconds, bare = best_of(repeat, lambda: bare_lxml_pain008(items))
    assert isinstance(built, SepaFile) and isinstance(bare, bytes)
    try:
        sepa_schemas.check_bytes(built.xml_bytes, PAIN008_VERSION)
        valid = 1
    except sepa_schemas.SepaFileInvalid as refused:
        log(f"pain.008: {refused}")
        valid = 0
    return {
        "params": {"pain008_transactions": transactions, "pain008_version": PAIN008_VERSION},
        "results": {
            "pain008_build_s": round(built_seconds, 3),
            "pain008_lxml_s": round(bare_seconds, 3),
            "pain008_bytes": len(built.xml_bytes),
            "pain008_blocks": len(built.blocks),
            "pain008_control_sum": str(built.control_sum),
            "pain008_same_bytes_as_lxml": built.xml_bytes == bare,
        },
        "checks": [
            check("pain008_xsd_valid", valid, "== 1"),
            check("pain008_vs_lxml", built_seconds / bare_seconds, "<= 3"),
        ],
    }


# --- importing: read, check, match and book --------------------------------------------------

#: Members (each one deposit account and an own IBAN) the imported statement's lines name.
IMPORT_MEMBERS = 200


def _member_iban(number: int) -> str:
    return IBAN.generate("NL", bank_code="INGB", account_code=f"{number + 1:010d}").compact


def import_day(accounts: list[tuple[str, str]], count: int) -> list[list[Transaction]]:
    """``count`` entries: a third quoting an account's RF reference, a third from a member's own
    IBAN, the rest unknown money in and out (suspense). ``accounts`` are (reference, IBAN)."""
    entries = []
    for number in range(count):
        reference, iban = accounts[number % len(accounts)]
        amount = Decimal(1_000 + (number * 7_919) % 250_000) / 100
        kind = number % 3
        if kind == 0:
            tx = Transaction(amount, None, None, f"Lid {number}", COUNTERPARTY_IBANS[number % 4], reference)
        elif kind == 1:
            tx = Transaction(amount, None, None, f"Lid {number}", iban, f"Inleg {number % 12}")
        else:
            sign = 1 if number % 2 else -1
            tx = Transaction(
                sign * amount, None, None, f"Onbekend {number}", COUNTERPARTY_IBANS[number % 4], "?"
            )
        entries.append([tx])
    return entries


def camt_import(
    directory: Path, entries: int, database_url: str | None, *, members: int = IMPORT_MEMBERS
) -> dict[str, Any]:
    url, kind = fresh_database(database_url)
    engine = make_engine(url)
    factory = sessionmaker(engine, expire_on_commit=False)
    actor = system("bench-payments")
    log(f"import: {members} members with one account each on {kind} …")
    with factory() as session, session.begin():
        product = savings.create_product(
            session,
            code="BENCH",
            name_nl="Bench",
            name_en="Bench",
            rate_annual=Decimal("0.01"),
            effective_from=dt.date(2020, 1, 1),
            actor=actor,
        )
        accounts: list[tuple[str, str]] = []
        ledger_accounts: list[int] = []
        for number in range(members):
            iban = _member_iban(number)
            member = members_service.register_person(
                session,
                actor=actor,
                first_name="Lid",
                last_name=f"Bench{number}",
                date_of_birth=dt.date(1980, 1, 1),
                street="Dapperstraat",
                house_number=str(number + 1),
                postcode="1093 BS",
                city="Amsterdam",
                email=f"bench{number}@example.org",
                external_iban=iban,
                language="nl",
            )
            account = savings.open_account(
                session, member, product, actor=actor, opened_on=dt.date(2026, 1, 2)
            )
            accounts.append((references.creditor_reference(account), iban))
            ledger_accounts.append(account.ledger_account_id)
        settlement_id = account_by_code(session, chart.SETTLEMENT).id
    path = directory / "import.xml"
    with path.open("w", encoding="utf-8") as out:
        write_camt053(out, import_day(accounts, entries), opening=Decimal("0.00"))
    log(f"import: {entries} entries imported, matched and booked …")
    gc.collect()
    settings = {"SETTLEMENT_IBANS": (BANK_IBAN,), "UPLOAD_DIR": str(directory / "uploads")}
    started = time.perf_counter()
    with factory() as session, session.begin():
        result = statement_import.import_statement(session, path, actor=actor, settings=settings)
        assert not result.refused, result.refusal
        lines, matched, in_suspense = result.lines, result.matched, result.suspense
    import_s = time.perf_counter() - started
    log("import: bare executemany of as many entries and postings …")
    gc.collect()
    bare_s = bench_executemany(engine, settlement_id, ledger_accounts, lines, 5000)
    engine.dispose()
    return {
        "params": {"import_entries": entries, "database": kind},
        "results": {
            "import_s": round(import_s, 3),
            "import_executemany_s": round(bare_s, 3),
            "import_lines": lines,
            "import_matched": matched,
            "import_suspense": in_suspense,
        },
        "checks": [check("camt_import_vs_executemany", import_s / bare_s, "<= 6")],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.payments", description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000, help="statement entries (default 100000)")
    parser.add_argument("--small", type=int, default=10_000, help="entries of the small file (default 10000)")
    parser.add_argument(
        "--pain008-transactions", type=int, default=50_000, help="collections in the pain.008 (default 50000)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="timings per way, the best kept (default 3)")
    parser.add_argument(
        "--import-entries",
        type=int,
        default=100_000,
        help="entries imported (default 100000)",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL URL (emptied!) for the import",
    )
    parser.add_argument(
        "--only",
        choices=("read", "memory", "pain008", "import"),
        action="append",
        help="run only these parts",
    )
    args = parser.parse_args(argv)
    report: dict[str, Any] = {"bench": "payments", "params": {}, "results": {}, "checks": []}
    with tempfile.TemporaryDirectory(prefix="bench-payments-") as temporary:
        directory = Path(temporary)
        wanted = set(args.only or ("read", "memory", "pain008", "import"))
        parts = []
        if "read" in wanted:
            parts.append(camt_read(directory, args.entries, args.repeat))
        if "memory" in wanted:
            parts.append(camt_memory(directory, args.entries, args.small))
        if "pain008" in wanted:
            parts.append(pain008_build(args.pain008_transactions, args.repeat))
        if "import" in wanted:
            parts.append(camt_import(directory, args.import_entries, args.database_url))
    for part in parts:
        report["params"].update(part["params"])
        report["results"].update(part["results"])
        report["checks"].extend(part["checks"])
    print(json.dumps(report, indent=2))
    return 0 if all(item["ok"] for item in report["checks"]) else 1


if __name__ == "__main__":
    sys.exit(main())
