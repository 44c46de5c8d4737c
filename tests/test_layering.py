"""The floors of the code (DEVELOPERS.md, "Floors"), checked on the source with ``ast``.

``FLOORS`` lists them bottom first: the base (money, clock, calendar, errors, transitions, actor;
stdlib only, and ``holidays`` for the calendar), the plumbing, the ledger, then the feature packages one
floor each in the order their imports allow, then the run day that composes the features' jobs,
then the adapters (web, api, commands, cli, serve, scheduler, demo, the model registry). A
module imports only its own floor and the floors below it; imports sit at the top of a module,
never inside a function (``NESTED_ALLOWED`` names the few left, each with its reason); only the
adapters may import Flask or Werkzeug; and no ``float(`` on a money path.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

from bench.import_cycles import imports_in_source, module_name

ROOT = Path(__file__).resolve().parent.parent
BANK = ROOT / "bank"

#: Bottom first: (the top-level parts of ``bank`` on the floor, why it sits there). A part is a
#: package or module directly under ``bank/``.
FLOORS: tuple[tuple[frozenset[str], str], ...] = (
    (
        frozenset({"money", "clock", "calendar", "errors", "transitions", "actor"}),
        "amounts, time, business days, typed errors, status tables and who acts: everything counts in them",
    ),
    (
        frozenset({"db", "migrate", "extensions", "numbers"}),
        "plumbing over SQLAlchemy, Alembic, Flask extensions (unbound) and Babel's notation",
    ),
    (frozenset({"ledger"}), "the only writer of money; it knows no feature"),
    (frozenset({"audit"}), "every feature records its changes"),
    (frozenset({"auth"}), "users and their roles, audited"),
    (frozenset({"approvals"}), "four eyes for savings, shares and loans alike"),
    (frozenset({"members"}), "every account, loan and participation belongs to a member"),
    (frozenset({"compliance"}), "sanctions/PEP lists and screening of members; needs only the base"),
    (frozenset({"notifications"}), "mail to members; knows members only"),
    (
        frozenset({"runs"}),
        "the run framework (record, lock, batches, progress, shortfalls) that every feature's job reports to",
    ),
    (
        frozenset({"payment_orders"}),
        "payment orders (Dr paying account / Cr 1090): what savings, shares, loans and pools pay out",
    ),
    (frozenset({"savings"}), "deposit accounts and their interest job; loans collect from them"),
    (frozenset({"shares"}), "member shares, paid from a deposit account"),
    (frozenset({"loans"}), "products, schedules, servicing and impact; collect from savings"),
    (frozenset({"pools"}), "pools fund loans and bear their losses, so they sit above loans"),
    (frozenset({"applications"}), "a member asks for a loan: drafts, review, the transition table"),
    (
        frozenset({"collateral"}),
        "the collateral register: on applications and their loans; the committee's conditions point at it",
    ),
    (frozenset({"committee"}), "the committee decides applications (and writes the decision letters)"),
    (
        frozenset({"forbearance"}),
        "a payment holiday, a longer term or a lower rate as a new schedule version; provisioning reads it",
    ),
    (
        frozenset({"provisioning"}),
        "expected credit loss: reads loans, grades, pools and collateral; the write-off uses its allowance",
    ),
    (
        frozenset({"lending"}),
        "a loan paid out and written off: composes loans, pools, applications and the committee",
    ),
    (
        frozenset({"payments"}),
        "money in and out via the clearing bank: mandates, SEPA files, statements; pays what features booked",
    ),
    (
        frozenset({"approval_kinds"}),
        "every four-eyes kind with its handler and deciders: knows each feature that asks for one",
    ),
    (frozenset({"statements"}), "statements show savings, shares, loans and pools"),
    (
        frozenset({"arrears"}),
        "reminder ladder, letters and collection cases: follow loans up, letters written like statements",
    ),
    (frozenset({"portal"}), "what a member reads and asks: applications, statements"),
    (
        frozenset({"privacy"}),
        "erasure within the retention periods: anonymises what every feature keeps about a former member",
    ),
    (frozenset({"reports"}), "read everything, write nothing"),
    (
        frozenset({"monitoring"}),
        "transaction monitoring reads what savings, payment orders and statements booked and runs in the "
        "close day; nothing below asks it (tipping-off), so it sits just below the run day",
    ),
    (
        frozenset({"day"}),
        "the run day: composes the features' jobs (close day, catch-up), so above every feature",
    ),
    (
        frozenset({"web", "api", "commands", "cli", "serve", "scheduler", "demo", "models"}),
        "adapters and wiring: the only places that commit, import Flask, or know every package",
    ),
)
BASE = FLOORS[0][0]
#: Third-party packages a base module may import: the TARGET2 closing days come from ``holidays``.
BASE_THIRD_PARTY = {"calendar": {"holidays"}}

#: Imports that climb a floor, each with its reason; (importing file, imported module).
UPWARD_ALLOWED: set[tuple[str, str]] = set()
#: Imports inside functions that remain, each with its reason; (importing file, imported module).
NESTED_ALLOWED = UPWARD_ALLOWED | {
    # The app factory's blueprint step (``register_blueprints``): the views load when the app is built.
    ("bank/web/__init__.py", "*"),
}


#: Paths (relative to the repository) where flask, flask_* and werkzeug may be imported.
FLASK_ALLOWED = (
    "bank/web/",
    "bank/api/",
    "bank/commands/",
    "bank/cli.py",
    "bank/serve.py",
    "bank/scheduler.py",
    "bank/__init__.py",
    "bank/extensions.py",
)
#: Vectorised amortisation maths (numpy) converts at its edges; the two chart modules turn
#: amounts into SVG pixel heights, which are drawn, never stored or summed. Nothing else.
FLOAT_ALLOWED = ("bank/loans/schedule.py", "bank/reports/charts.py", "bank/web/calculator.py")


def floor_part(module: str) -> str | None:
    """The part of ``bank`` a module belongs to (``loans``, ``day``); None for ``bank`` itself."""
    parts = module.split(".")
    if parts[0] != "bank" or len(parts) == 1:
        return None
    return parts[1]


def floor_of(module: str) -> int | None:
    """Floor (0 = bottom) of a ``bank.*`` module; None for the package root (ROOT, create_app)."""
    part = floor_part(module)
    if part is None:
        return None
    for number, (parts, _) in enumerate(FLOORS):
        if part in parts:
            return number
    raise AssertionError(f"{module}: {part} is on no floor; add it to FLOORS with its reason")


def source_files() -> Iterator[Path]:
    yield from sorted(p for p in BANK.rglob("*.py") if "__pycache__" not in p.parts)


def imports_of(path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module) for every import, including those inside functions."""
    for line, module, _ in imports_with_place(path):
        yield line, module


def imports_with_place(path: Path) -> Iterator[tuple[int, str, bool]]:
    """(line, absolute module, inside a function) for every import of ``path``."""
    return imports_in_source(path.read_text(), module_name(path), path.name == "__init__.py")


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_every_part_of_bank_has_a_floor():
    """A new package is placed deliberately: one with no floor fails here, not silently at L3."""
    parts = {floor_part(module_name(path)) for path in source_files()} - {None}
    placed = set().union(*(floor for floor, _ in FLOORS))
    assert parts - placed == set(), "add these to FLOORS with the reason for their floor"
    assert placed - parts == set(), "FLOORS names parts that no longer exist"
    assert floor_of("bank.ledger.service") < floor_of("bank.savings.service") < floor_of("bank.loans")
    assert floor_of("bank.runs.record") < floor_of("bank.savings.jobs") < floor_of("bank.statements.jobs")
    assert floor_of("bank.statements.jobs") < floor_of("bank.day") < floor_of("bank.scheduler")
    assert floor_of("bank.web.staff.ledger") == len(FLOORS) - 1


def test_only_adapters_import_flask_or_werkzeug():
    offenders = []
    for path in source_files():
        if relative(path).startswith(FLASK_ALLOWED):
            continue
        for line, module in imports_of(path):
            root = module.split(".")[0]
            if root in {"flask", "werkzeug"} or root.startswith("flask_"):
                offenders.append(f"{relative(path)}:{line} imports {module}")
    assert offenders == [], "domain code must not import Flask:\n" + "\n".join(offenders)


def test_the_base_imports_only_the_standard_library_and_itself():
    offenders = []
    for path in source_files():
        if floor_of(module_name(path)) != 0:
            continue
        for line, module in imports_of(path):
            root = module.split(".")[0]
            if root == "__future__" or root in sys.stdlib_module_names:
                continue
            if root == "bank" and floor_part(module) in BASE:
                continue
            if root in BASE_THIRD_PARTY.get(module_name(path).split(".")[1], set()):
                continue
            offenders.append(f"{relative(path)}:{line} imports {module}")
    assert offenders == [], "\n".join(offenders)


def upward_imports(path: Path, imports: Iterator[tuple[int, str, bool]]) -> list[str]:
    own = floor_of(module_name(path))
    if own is None:
        return []
    found = []
    for line, module, _ in imports:
        target = floor_of(module)
        if target is not None and target > own and (relative(path), module) not in UPWARD_ALLOWED:
            found.append(f"{relative(path)}:{line} (floor {own}) imports {module} (floor {target})")
    return found


def test_no_floor_imports_a_higher_one():
    offenders = [line for path in source_files() for line in upward_imports(path, imports_with_place(path))]
    assert offenders == [], "a module imports only its own floor and those below:\n" + "\n".join(offenders)


def nested_imports(path: Path, imports: Iterator[tuple[int, str, bool]]) -> list[str]:
    """``bank`` imports inside functions that no entry of NESTED_ALLOWED justifies."""
    if path == BANK / "__init__.py":  # the app factory imports its steps' modules when it runs
        return []
    where = relative(path)
    return [
        f"{where}:{line} imports {module} inside a function"
        for line, module, nested in imports
        if nested
        and module.split(".")[0] == "bank"
        and (where, module) not in NESTED_ALLOWED
        and (where, "*") not in NESTED_ALLOWED
    ]


def test_imports_sit_at_the_top_of_a_module():
    """An import inside a function hides a tie between packages; the few left are listed."""
    offenders = [line for path in source_files() for line in nested_imports(path, imports_with_place(path))]
    assert offenders == [], "move these imports to the top of the module:\n" + "\n".join(offenders)


def test_the_allow_lists_name_only_what_exists():
    """An entry whose import is gone is struck off, so the lists only ever shrink."""
    found = {(relative(path), module) for path in source_files() for _, module, _ in imports_with_place(path)}
    files = {relative(path) for path in source_files()}
    stale = [
        entry
        for entry in NESTED_ALLOWED
        if entry not in found and not (entry[1] == "*" and entry[0] in files)
    ]
    assert stale == []


def test_no_float_on_a_money_path():
    offenders = []
    for path in source_files():
        if relative(path) in FLOAT_ALLOWED:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "float":
                offenders.append(f"{relative(path)}:{node.lineno}")
    assert offenders == [], "float( found; use bank.money (Decimal):\n" + "\n".join(offenders)


def test_the_checker_sees_a_violation(tmp_path):
    """The walker itself: a planted Flask import, a float, a climb and a nested import are found."""
    sample = BANK / "ledger" / "service.py"
    found = {module for _, module in imports_of(sample)}
    assert "bank.money" in found and "bank.ledger.models" in found
    planted = ast.parse("from flask import g\nx = float('1.5')\nfrom . import models\n")
    calls = [n for n in ast.walk(planted) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "float"]
    assert len(calls) == 1
    assert floor_of("bank.web") == len(FLOORS) - 1 and floor_of("bank") is None
    source = "from bank.pools import service\n\ndef f():\n    from bank.ledger import chart\n"
    savings = BANK / "savings" / "planted.py"
    imports = list(imports_in_source(source, "bank.savings.planted", is_package=False))
    assert (1, "bank.pools.service", False) in imports and (4, "bank.ledger.chart", True) in imports
    climbs = upward_imports(savings, iter(imports))
    assert len(climbs) == 2 and "imports bank.pools.service (floor" in climbs[1]
    nested = [line.split()[-4] for line in nested_imports(savings, iter(imports))]
    assert nested == ["bank.ledger", "bank.ledger.chart"]
