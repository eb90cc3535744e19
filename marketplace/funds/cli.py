"""`flask funds check`: the money's invariants over the whole ledger, for operators after a
restore or an upgrade (exit status 0 when none is broken, 1 otherwise)."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from marketplace.funds.invariants import violations

funds_cli = AppGroup("funds", help="Money chores.")


@funds_cli.command("check")
def check_command() -> None:
    """Recompute every money invariant over all rounds; print each violation."""
    found = violations()
    for violation in found:
        click.echo(str(violation))
    if found:
        click.echo(f"{len(found)} violation(s)", err=True)
        sys.exit(1)
    click.echo("funds check: every invariant holds")


COMMANDS = [funds_cli]
