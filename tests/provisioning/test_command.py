"""``bank runs provisioning --date D``: the summary, a rerun that does nothing, refusals (exit 2)."""

from __future__ import annotations

from flask.cli import ScriptInfo

from bank.cli import cli

from .conftest import D, World


def _invoke(app, *args: str):
    return app.test_cli_runner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))


def test_the_command_provisions_the_month_end_once(app, world: World):
    world.loan("12345.67", D(2027, 1, 15))
    refused = _invoke(app, "runs", "provisioning", "--date", "2027-01-31")
    assert refused.exit_code == 2
    assert "no probability-of-default table is in force on this day" in refused.output

    world.set_table(D(2027, 1, 1))
    done = _invoke(app, "runs", "provisioning", "--date", "2027-02-03")
    assert done.exit_code == 0, done.output
    assert "provisioning 2027-02-03: completed" in done.output
    assert "loans staged 1 · allowance 86.42 (added 86.42, released 0.00)" in done.output
    again = _invoke(app, "runs", "provisioning", "--date", "2027-02-03")
    assert again.exit_code == 0 and "already completed earlier; nothing to do" in again.output
    assert world.allowance() == world.stored(D(2027, 1, 31))[1][1]
