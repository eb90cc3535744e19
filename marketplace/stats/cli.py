from __future__ import annotations

import json
import sys

import click
from flask.cli import with_appcontext

from marketplace.stats import services


@click.command("stats")
@click.option("--year", type=int, required=True, help="The round's year.")
@with_appcontext
def stats_command(year: int) -> None:
    """Print a round's statistics as JSON (the same as GET /api/v1/rounds/<id>/stats)."""
    round_ = services.round_for_year(year)
    if round_ is None:
        click.echo(json.dumps({"error": f"no round in {year}"}), err=True)
        sys.exit(1)
    click.echo(json.dumps(services.round_stats(round_), ensure_ascii=False, indent=2))


COMMANDS = [stats_command]
