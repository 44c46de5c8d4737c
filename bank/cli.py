"""The ``bank`` command for operators: a Flask CLI group over ``create_app`` (L4).

Each module in ``COMMAND_MODULES`` defines click commands or groups and a ``register(cli)``.
Commands commit once, at the end, through ``db.unit_of_work()``.
"""

from __future__ import annotations

import importlib

import click
from flask import Flask
from flask.cli import FlaskGroup

from bank import create_app

#: Modules under bank.commands, each with ``register(group)``.
COMMAND_MODULES = [
    "core",
    "loans",
    "runs",
    "statements",
    "applications",
    "pools",
    "payments",
    "mandates",
    "periods",
    "compliance",
]


def _create_app() -> Flask:
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False, add_version_option=False)
def cli() -> None:
    """Wijkbank operator commands."""


for _name in COMMAND_MODULES:
    importlib.import_module(f"bank.commands.{_name}").register(cli)


def main() -> None:
    cli(prog_name="bank")
