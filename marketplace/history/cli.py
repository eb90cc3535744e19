from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from marketplace.extensions import db
from marketplace.history.services import import_history

history_cli = AppGroup("history", help="Past rounds: import them from CSV or XLSX.")


@history_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file and say what would change; "
                                               "write nothing.")
def import_command(file: str, dry_run: bool) -> None:
    """Import FILE (the format of DESIGN.md). Any bad row: nothing is written, exit 1."""
    with open(file, "rb") as handle:
        data = handle.read()
    report = import_history(None, data, dry_run=dry_run)
    if not report.ok:
        db.session.rollback()
        click.echo(f"{len(report.problems)} problem(s); nothing imported:", err=True)
        for p in report.problems:
            click.echo(f"  line {p.line}, {p.column or '-'}: {p.reason}", err=True)
        sys.exit(1)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    prefix = "dry run, nothing written: " if dry_run else ""
    click.echo(f"{prefix}{report.new} new, {report.unchanged} unchanged "
               f"({report.rounds} rounds, {report.organisations} organisations, "
               f"{report.challenges} challenges, {report.awards} awards created)")


COMMANDS = [history_cli]
