"""The tests mirror the code (DEVELOPERS.md, "Tests"): a test folder is named after what it tests.

``tests/<name>/`` tests ``bank/<name>/`` (a package, or the Dutch catalogue in
``bank/translations/``), its pages, API and commands included. A folder inside it is named after
a module or package of ``bank/<name>/`` (``tests/loans/servicing/`` for ``bank/loans/servicing.py``)
or is ``web`` (the feature through its pages and API), and exists when that part needs a world of
its own. Suites that walk across every package stay at the top under the names in
``CROSS_CUTTING``. Someone looking for the tests of a module finds them where the module is; a
new folder that matches nothing fails here until it is named after its package or listed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

TESTS = Path(__file__).resolve().parent
BANK = TESTS.parent / "bank"

#: Top-level suites that test no one package, with the reason each is whole.
CROSS_CUTTING: dict[str, str] = {
    "browser": "journeys of the product's people through every feature, in a real browser",
    "crawl": "every page of the demo, reached link by link and checked alike",
    "security": "attacks replayed across every feature: access, bad input, mail links, throttling",
}
#: Folder names allowed inside a package's folder besides its modules: the feature through an adapter.
ADAPTER_FOLDERS = frozenset({"web"})


def folders_of_tests(root: Path = TESTS) -> Iterator[Path]:
    """Every folder under ``root`` that holds Python files (caches and data folders aside)."""
    for folder in sorted(path for path in root.rglob("*") if path.is_dir()):
        if "__pycache__" not in folder.parts and any(folder.glob("*.py")):
            yield folder


def mirrors(parts: tuple[str, ...], bank: Path = BANK) -> bool:
    """Whether ``tests/<parts>`` is named after a part of ``bank/`` (see the module's docstring)."""
    if len(parts) == 1 and parts[0] in CROSS_CUTTING:
        return True
    target = bank / parts[0]
    if not target.is_dir():
        return False
    for depth, name in enumerate(parts[1:], start=1):
        if (target / name).is_dir():
            target = target / name
        elif (target / f"{name}.py").is_file() or (depth == 1 and name in ADAPTER_FOLDERS):
            return depth == len(parts) - 1
        else:
            return False
    return True


def misplaced(folders: Iterable[Path], root: Path = TESTS, bank: Path = BANK) -> list[str]:
    return [
        folder.relative_to(root).as_posix()
        for folder in folders
        if not mirrors(folder.relative_to(root).parts, bank)
    ]


def test_every_test_folder_is_named_after_a_part_of_bank_or_is_a_cross_cutting_suite():
    assert misplaced(folders_of_tests()) == []


def test_every_test_folder_is_a_package():
    """Test modules share names (``test_pages.py`` in many folders), so each folder is a package."""
    without = [f for f in folders_of_tests() if not (f / "__init__.py").exists()]
    assert [folder.relative_to(TESTS).as_posix() for folder in without] == []


def test_the_cross_cutting_suites_exist():
    assert [name for name in CROSS_CUTTING if not (TESTS / name).is_dir()] == []


def test_the_checker_sees_a_misplaced_folder(tmp_path):
    bank = tmp_path / "bank"
    (bank / "loans").mkdir(parents=True)
    (bank / "loans" / "servicing.py").touch()
    tests = tmp_path / "tests"
    for name in ("loans/servicing", "loans/web", "loans/disbursement", "servicing", "browser"):
        (tests / name).mkdir(parents=True)
        (tests / name / "__init__.py").touch()
    (tests / "loans" / "__init__.py").touch()
    assert misplaced(folders_of_tests(tests), tests, bank) == ["loans/disbursement", "servicing"]
