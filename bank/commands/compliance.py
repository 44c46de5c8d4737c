"""``bank compliance load-list|screen``: sanctions and PEP lists from files, and screening everyone.

``load-list FILE --kind eu|ftm`` stores the file's entries as the current list of its kind and
screens every member against the current lists, in one unit of work: a malformed file (the
error names the line), a file loaded before or an unknown kind is refused with exit status 2
and nothing is written. ``screen`` screens everyone against the lists already loaded. The bank
never fetches a list: it is handed the file.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from bank.actor import system
from bank.commands.refusals import refuse
from bank.compliance import screening_service
from bank.compliance.models import ListFileKind
from bank.errors import BankError
from bank.extensions import db

ACTOR = system("compliance-screening")
#: Service field → the option (or argument) that sets it.
OPTION_OF_FIELD = {"file": "FILE", "kind": "--kind"}


def _words(count: int, one: str, many: str) -> str:
    """``3 entries``, ``1 entry``."""
    return f"{count} {one if count == 1 else many}"


def _hits_in_words(count: int) -> str:
    return "no new hit" if count == 0 else _words(count, "new hit", "new hits")


@click.group("compliance")
def compliance_group() -> None:
    """Sanctions and PEP lists, and the screening of members against them."""


@compliance_group.command("load-list")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--kind",
    required=True,
    type=click.Choice([kind.value for kind in ListFileKind]),
    help="eu: the EU consolidated financial sanctions list (CSV or XML); ftm: FollowTheMoney JSON lines.",
)
@with_appcontext
def load_list_command(file: Path, kind: str) -> None:
    """Load a list file as the current list of its kind, then screen every member against the lists."""
    try:
        with db.unit_of_work(db.new_session()) as session:
            load = screening_service.load_list(session, file.read_bytes(), file.name, kind, ACTOR)
            result = screening_service.screen_everyone(session, ACTOR)
            summary = (
                load.entry_count,
                load.person_count,
                load.organisation_count,
                result.subjects,
                len(result.new_hits),
            )
    except BankError as error:
        refuse(error, OPTION_OF_FIELD)
    entries, persons, organisations, subjects, new_hits = summary
    click.echo(
        f"{file.name}: {_words(entries, 'entry', 'entries')} loaded ({_words(persons, 'person', 'persons')}, "
        f"{_words(organisations, 'organisation', 'organisations')}); "
        f"{_words(subjects, 'member', 'members')} screened, {_hits_in_words(new_hits)}"
    )


@compliance_group.command("screen")
@with_appcontext
def screen_command() -> None:
    """Screen every member who has not left against the current lists."""
    try:
        with db.unit_of_work(db.new_session()) as session:
            entries = len(screening_service.current_lists(session).rows)
            result = screening_service.screen_everyone(session, ACTOR)
            summary = (result.subjects, len(result.new_hits))
    except BankError as error:
        refuse(error, OPTION_OF_FIELD)
    if not entries:
        click.echo("no list is loaded: load one with 'bank compliance load-list FILE --kind eu|ftm'")
        return
    subjects, new_hits = summary
    click.echo(
        f"{_words(subjects, 'member', 'members')} screened against {_words(entries, 'entry', 'entries')}, "
        f"{_hits_in_words(new_hits)}"
    )


def register(cli: click.Group) -> None:
    cli.add_command(compliance_group)
