"""How a ``bank`` command refuses bad input, and its date options.

Shared by the command groups so that a refusal reads the same everywhere: one line on stderr,
each broken rule under the option that sets the field, exit status 2 (a script can tell a
refusal from a crash).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Mapping
from typing import NoReturn

import click

from bank import clock
from bank.errors import BankError


def refuse(error: BankError, option_of_field: Mapping[str, str]) -> NoReturn:
    """Print the refusal, naming the option of each field (``--iban is required``), and exit 2."""
    if error.fields:
        text = "; ".join(f"{option_of_field.get(name, name)} {rule}" for name, rule in error.fields.items())
    else:
        text = str(error.message)
    click.echo(f"error: {text}", err=True)
    sys.exit(2)


def date_or_today(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date:
    """A ``--date``-style option's callback: the ISO date given, or today's business clock date."""
    if value is None:
        return clock.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date as YYYY-MM-DD") from None
