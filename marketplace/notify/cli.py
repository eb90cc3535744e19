from __future__ import annotations

import signal
import time

import click
from flask.cli import AppGroup

from marketplace.notify.services import deliver_pending

outbox_cli = AppGroup("outbox", help="Deliver queued e-mail.")


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


COMMANDS = [outbox_cli]
