"""The layers of DESIGN.md, checked on the source with ``ast``.

L0 money/clock/calendar/errors/actor (stdlib only, and ``holidays`` for the calendar) < L1
db/migrate < L2 ledger/audit/auth < L3 domain packages < L4 adapters (web, api, commands, cli,
serve, scheduler, demo, the model registry).
A layer imports only layers below it (and its own); only the adapters may import Flask or
Werkzeug; and no ``float(`` on a money path.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BANK = ROOT / "bank"

L0 = {"money", "clock", "calendar", "errors", "actor"}
#: Third-party packages an L0 module may import: the TARGET2 closing days come from ``holidays``.
L0_THIRD_PARTY = {"calendar": {"holidays"}}
L1 = {"db", "migrate"}
L2 = {"ledger", "audit", "auth"}
#: Adapters and wiring: the only places that may commit, import Flask, or know every package.
L4 = {"web", "api", "commands", "cli", "serve", "scheduler", "demo", "models", "extensions"}

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


def layer_of(module: str) -> int | None:
    """Layer of a ``bank.*`` module; None for the package root (ROOT, create_app)."""
    parts = module.split(".")
    if parts[0] != "bank" or len(parts) == 1:
        return None
    top = parts[1]
    if top in L0:
        return 0
    if top in L1:
        return 1
    if top in L2:
        return 2
    if top in L4:
        return 4
    return 3


def module_name(path: Path) -> str:
    relative = path.relative_to(ROOT).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def source_files() -> Iterator[Path]:
    yield from sorted(p for p in BANK.rglob("*.py") if "__pycache__" not in p.parts)


def imports_of(path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module) for every import, including those inside functions."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield node.lineno, target
            # ``from bank import clock`` imports the module bank.clock.
            for alias in node.names:
                candidate = ROOT.joinpath(*target.split("."), alias.name)
                if candidate.with_suffix(".py").exists() or (candidate / "__init__.py").exists():
                    yield node.lineno, f"{target}.{alias.name}"


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_the_layer_map_covers_the_source():
    assert (BANK / "money.py").exists() and (BANK / "ledger").is_dir()
    assert layer_of("bank.ledger.service") == 2
    assert layer_of("bank.savings.service") == 3
    assert layer_of("bank.web.staff.ledger") == 4


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


def test_l0_modules_import_only_the_standard_library_and_each_other():
    offenders = []
    for path in source_files():
        if layer_of(module_name(path)) != 0:
            continue
        for line, module in imports_of(path):
            root = module.split(".")[0]
            if root == "__future__" or root in sys.stdlib_module_names:
                continue
            if root == "bank" and layer_of(module) == 0:
                continue
            if root in L0_THIRD_PARTY.get(module_name(path).split(".")[1], set()):
                continue
            offenders.append(f"{relative(path)}:{line} imports {module}")
    assert offenders == [], "\n".join(offenders)


def test_no_layer_imports_a_higher_one():
    offenders = []
    for path in source_files():
        own = layer_of(module_name(path))
        if own is None:
            continue
        for line, module in imports_of(path):
            target = layer_of(module)
            if target is not None and target > own:
                offenders.append(f"{relative(path)}:{line} (L{own}) imports {module} (L{target})")
    assert offenders == [], "a layer imports only layers below it:\n" + "\n".join(offenders)


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
    """The walker itself: a planted Flask import and a float are found."""
    sample = BANK / "ledger" / "service.py"
    found = {module for _, module in imports_of(sample)}
    assert "bank.money" in found and "bank.ledger.models" in found
    planted = ast.parse("from flask import g\nx = float('1.5')\nfrom . import models\n")
    calls = [n for n in ast.walk(planted) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "float"]
    assert len(calls) == 1
    assert layer_of("bank.web") == 4 and layer_of("bank") is None
