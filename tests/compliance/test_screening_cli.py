"""``bank compliance load-list FILE --kind eu|ftm`` and ``bank compliance screen``."""

from __future__ import annotations

import pytest
from flask.cli import ScriptInfo
from sqlalchemy import func, select

from bank.cli import cli
from bank.compliance.models import ScreeningHit, ScreeningListEntry, ScreeningListLoad
from compliance import screening_world as world


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))

    return invoke


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_load_list_loads_screens_and_says_so_in_words(run, session):
    world.members(session)
    session.commit()
    result = run("compliance", "load-list", str(world.LIST_FILE), "--kind", "ftm")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "members_screening.ftm.jsonl: 5 entries loaded (4 persons, 1 organisation); "
        "5 members screened, 2 new hits"
    )
    again = run("compliance", "screen")
    assert again.exit_code == 0, again.output
    assert again.output.strip() == "5 members screened against 5 entries, no new hit"
    assert count(session, ScreeningHit) == 2


def test_a_malformed_file_exits_2_naming_the_line_and_writes_nothing(run, session, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"id": "a", "schema": "Person", "properties": {"name": ["A"]}}\nnot json\n')
    result = run("compliance", "load-list", str(bad), "--kind", "ftm")
    assert result.exit_code == 2
    assert result.output.startswith("error: FILE ")
    assert "line 2" in result.output
    assert count(session, ScreeningListLoad) == 0
    assert count(session, ScreeningListEntry) == 0


def test_the_same_file_twice_exits_2(run, session):
    assert run("compliance", "load-list", str(world.LIST_FILE), "--kind", "ftm").exit_code == 0
    result = run("compliance", "load-list", str(world.LIST_FILE), "--kind", "ftm")
    assert result.exit_code == 2
    assert "this file was already loaded on" in result.output
    assert count(session, ScreeningListLoad) == 1


def test_an_unknown_kind_is_a_usage_error(run):
    result = run("compliance", "load-list", str(world.LIST_FILE), "--kind", "ofac")
    assert result.exit_code == 2
    assert "--kind" in result.output


def test_screen_without_a_list_says_so(run):
    result = run("compliance", "screen")
    assert result.exit_code == 0
    assert "no list is loaded" in result.output
