"""One explicit table of approval kinds: complete, installed by the app factory, never by an import.

Every kind a feature can request (``approvals.request_approval(kind=...)``, found in the source)
has a handler and deciders in ``bank.approval_kinds.KINDS``, and nothing else is listed there;
importing every module of ``bank`` registers nothing (a fresh interpreter finds no kind
installed), so a handler can no longer depend on some unrelated module having been imported.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

from bank import approval_kinds
from bank.approvals import service as approvals

ROOT = Path(__file__).resolve().parents[2]
BANK = ROOT / "bank"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def requested_kinds() -> dict[str, str]:
    """kind -> the module that requests it, for every ``request_approval(kind=...)`` call."""
    found: dict[str, str] = {}
    for path in sorted(BANK.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "request_approval"):
                continue
            kind = next(k.value for k in node.keywords if k.arg == "kind")
            module = _module_name(path)
            if isinstance(kind, ast.Constant):
                found[kind.value] = module
            else:
                assert isinstance(kind, ast.Name), f"{module}: name the kind with a constant"
                found[getattr(importlib.import_module(module), kind.id)] = module
    return found


def test_every_requested_kind_has_a_handler_and_nothing_else_is_listed():
    requested = requested_kinds()
    assert set(requested) == {
        "withdrawal",
        "share_redemption",
        "loan_disbursement",
        "loan_write_off",
        "statement_suspense",
    }
    assert set(approval_kinds.KINDS) == set(requested)
    for kind in approval_kinds.KINDS.values():
        assert callable(kind.handler) and kind.roles


def test_the_app_factory_installs_the_table(app):
    assert dict(approvals.installed()) == dict(approval_kinds.KINDS)


def test_importing_the_code_registers_no_kind():
    modules = sorted(
        _module_name(path)
        for path in BANK.rglob("*.py")
        if "__pycache__" not in path.parts and path.name != "__main__.py"
    )
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "from bank.approvals import service\n"
        "print(len(service.installed()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True, timeout=300
    )
    assert done.stdout.strip() == "0", done.stderr
