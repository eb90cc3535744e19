from __future__ import annotations

import signal
import time

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from marketplace.core.timeutil import to_local
from marketplace.extensions import db
from marketplace.notify.models import OutboxMessage
from marketplace.notify.services import deliver_pending

outbox_cli = AppGroup("outbox", help="Deliver queued e-mail, or show it.")


@outbox_cli.command("send")
@click.option("--watch", is_flag=True, help="Keep running and deliver new mail as it is queued.")
@click.option("--interval", default=5.0, show_default=True,
              help="Seconds between polls with --watch.")
def send_command(watch: bool, interval: float) -> None:
    """Send pending messages (once, or continuously with --watch)."""
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    while True:
        report = deliver_pending()
        if report.sent or report.retried or report.failed or not watch:
            click.echo(f"sent {report.sent}, to retry {report.retried}, failed {report.failed}")
        if not watch or stopping:
            return
        for _ in range(int(interval * 10)):
            if stopping:
                return
            time.sleep(0.1)


@outbox_cli.command("show")
@click.option("--to", "address", default=None, help="Only mail to this address.")
@click.option("--last", default=10, show_default=True, type=click.IntRange(1, 10_000),
              help="How many of the latest messages.")
def show_command(address: str | None, last: int) -> None:
    """Print queued and sent mail, oldest of the last N first: for following a confirmation
    or reset link on a machine without a mail server (`make run` prints only new mail)."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(last)
    if address:
        stmt = stmt.where(func.lower(OutboxMessage.to_address) == address.strip().lower())
    messages = list(db.session.scalars(stmt))[::-1]
    if not messages:
        click.echo("no mail" + (f" to {address}" if address else ""))
        return
    for message in messages:
        click.echo(format_message(message))


def format_message(message: OutboxMessage) -> str:
    queued = to_local(message.created_at).strftime("%Y-%m-%d %H:%M")
    rule = "-" * 72
    return (f"{rule}\n#{message.id} [{message.status.value}] {queued} (Asia/Shanghai)\n"
            f"To: {message.to_address}\nSubject: {message.subject}\n\n"
            f"{message.body_text.rstrip()}\n")


COMMANDS = [outbox_cli]
