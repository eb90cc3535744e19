from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import AppGroup

from marketplace.extensions import db
from marketplace.review.reminders import REMIND_BEFORE, remind_reviewers

review_cli = AppGroup("review", help="Review chores.")


@review_cli.command("remind")
@click.option("--days", default=REMIND_BEFORE.days, show_default=True,
              help="Remind when the review deadline is at most this many days away.")
def remind_command(days: int) -> None:
    """Mail reviewers with reviews still to submit before a near deadline (once a day)."""
    queued = remind_reviewers(within=timedelta(days=days))
    db.session.commit()
    click.echo(f"reminders queued: {queued}")


COMMANDS = [review_cli]
