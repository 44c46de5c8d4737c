"""Import cycles between the packages of ``bank/``, measured on the source with ``ast``.

    python -m bench.import_cycles [--list-nested]

A node is a top-level part of ``bank`` (``bank.loans``, ``bank.money``; the ten ``demo*``
modules of old count as one node, ``demo``; ``bank.day``, the run day that composes the features'
jobs on its own floor above them, is a node like any other, DEVELOPERS.md, "Floors"); an edge
is any import from one node into another, at module level or inside a function. Issue 15 asks
for zero cycles between packages: this counts the two-way ties (pairs that import each other),
the strongly connected groups of more than one node, and the imports made inside functions below
the app factory. Prints one JSON object (DESIGN.md, "Benchmarks"); it measures structure, not
time.
"""

from __future__ import annotations

import argparse
import ast
import json
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BANK = ROOT / "bank"


def node_of(module: str) -> str | None:
    """The package node of a ``bank.*`` module; None for ``bank`` itself and non-bank modules."""
    parts = module.split(".")
    if parts[0] != "bank" or len(parts) == 1:
        return None
    return "demo" if parts[1].startswith("demo") else parts[1]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports(path: Path) -> Iterator[tuple[int, str, bool]]:
    """(line, absolute module, inside a function) for every import of ``path``."""
    return imports_in_source(path.read_text(), module_name(path), path.name == "__init__.py")


def imports_in_source(source: str, module: str, is_package: bool) -> Iterator[tuple[int, str, bool]]:
    """(line, absolute module, inside a function) for every import in ``source`` of ``module``.

    Shared with ``tests/test_layering.py``, so the floors test and this measure read imports alike.
    """
    tree = ast.parse(source)
    package = module if is_package else module.rpartition(".")[0]

    def walk(node: ast.AST, nested: bool) -> Iterator[tuple[int, str, bool]]:
        for child in ast.iter_child_nodes(node):
            inner = nested or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield child.lineno, alias.name, nested
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[: len(base) - (child.level - 1)]
                    target = ".".join([*base, child.module] if child.module else base)
                else:
                    target = child.module or ""
                yield child.lineno, target, nested
                # ``from bank import clock`` imports the module bank.clock.
                for alias in child.names:
                    candidate = ROOT.joinpath(*target.split("."), alias.name)
                    if candidate.with_suffix(".py").exists() or (candidate / "__init__.py").exists():
                        yield child.lineno, f"{target}.{alias.name}", nested
            yield from walk(child, inner)

    yield from walk(tree, False)


def package_graph(*, inside_functions: bool = True) -> dict[str, set[str]]:
    """Edges between package nodes; with ``inside_functions=False`` module-level imports only."""
    graph: dict[str, set[str]] = {}
    for path in sorted(p for p in BANK.rglob("*.py") if "__pycache__" not in p.parts):
        source = node_of(module_name(path))
        if source is None:
            continue
        graph.setdefault(source, set())
        for _, module, nested in imports(path):
            target = node_of(module)
            if target is None or target == source or (nested and not inside_functions):
                continue
            graph[source].add(target)
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the groups of nodes that reach each other (size > 1 only)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def two_way_ties(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    return sorted((a, b) for a, targets in graph.items() for b in targets if a < b and a in graph.get(b, ()))


def nested_imports() -> list[str]:
    """``path:line module`` of every ``bank.*`` import inside a function, outside the app factory."""
    found: dict[str, str] = {}
    for path in sorted(p for p in BANK.rglob("*.py") if "__pycache__" not in p.parts):
        if path == BANK / "__init__.py":
            continue
        for line, module, nested in imports(path):
            if nested and module.startswith("bank"):
                # One entry per statement: ``from bank.pools import funding`` names the longer module.
                found[f"{path.relative_to(ROOT).as_posix()}:{line}"] = module
    return [f"{where} {module}" for where, module in found.items()]


def measure() -> dict[str, object]:
    everything = package_graph()
    top_level = package_graph(inside_functions=False)
    cycles = strongly_connected(everything)
    return {
        "bench": "import_cycles",
        "params": {"packages": len(everything)},
        "results": {
            "two_way_ties": [f"{a} <-> {b}" for a, b in two_way_ties(everything)],
            "two_way_ties_module_level": [f"{a} <-> {b}" for a, b in two_way_ties(top_level)],
            "cycle_groups": cycles,
            "packages_in_cycles": sum(len(group) for group in cycles),
            "imports_inside_functions": len(nested_imports()),
        },
        "checks": [
            {
                "name": "cycles_between_packages",
                "value": len(cycles),
                "target": "== 0",
                "ok": not cycles,
            }
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--list-nested", action="store_true", help="also list the imports inside functions")
    arguments = parser.parse_args()
    report = measure()
    if arguments.list_nested:
        report["nested"] = nested_imports()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
