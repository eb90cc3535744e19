"""`make run`: the app on http://127.0.0.1:$PORT (5000 unless set), a local SMTP server on
$MAIL_PORT (8025 unless set) that prints each new mail to this terminal, and the outbox sender
delivering to it — so confirmation and reset links can be followed on a machine without a
mail server.

The demo data queues many mails when it is loaded: they are delivered quietly at start, and
one line says how many; `flask outbox show [--to ADDRESS] [--last N]` prints any of them."""
from __future__ import annotations

import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.handlers import Debugging  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from marketplace import create_app  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.notify.models import OutboxMessage, OutboxStatus  # noqa: E402
from marketplace.notify.services import deliver_pending  # noqa: E402


def port_from(name: str, default: int) -> int:
    value = os.environ.get(name) or str(default)
    if not value.isdigit() or not 0 < int(value) < 65536:
        sys.exit(f"{name}={value!r} is not a port number (1-65535)")
    return int(value)


PORT = port_from("PORT", 5000)
SMTP_PORT = port_from("MAIL_PORT", 8025)


class Terminal(Debugging):
    """Prints each message it receives, except while `quiet` (the demo's mail at start)."""

    quiet = False

    async def handle_DATA(self, server, session, envelope):
        if not self.quiet:
            return await super().handle_DATA(server, session, envelope)
        return "250 OK"


def outbox_loop(app) -> None:
    while True:
        with app.app_context():
            try:
                deliver_pending()
            except Exception as exc:  # keep serving; the next round retries
                print(f"outbox: {exc}", file=sys.stderr)
        time.sleep(2)


def deliver_backlog(app, handler: Terminal) -> int:
    """Deliver the mail queued before start (the demo data's) without printing it."""
    with app.app_context():
        waiting = db.session.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.status == OutboxStatus.PENDING)) or 0
        if waiting:
            handler.quiet = True
            try:
                deliver_pending()
            finally:
                handler.quiet = False
        return waiting


def main() -> None:
    os.environ.setdefault("MAIL_SERVER", "127.0.0.1")
    os.environ["MAIL_PORT"] = str(SMTP_PORT)
    os.environ.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{PORT}")
    handler = Terminal(sys.stdout)
    smtp = Controller(handler, hostname="127.0.0.1", port=SMTP_PORT)
    smtp.start()
    app = create_app()
    backlog = deliver_backlog(app, handler)
    threading.Thread(target=outbox_loop, args=(app,), daemon=True).start()
    print(f"志愿服务创投集市: http://127.0.0.1:{PORT}  (new mail is printed here; "
          f"SMTP on 127.0.0.1:{SMTP_PORT})")
    if backlog:
        print(f"demo mail: {backlog} queued messages delivered quietly; "
              f"see them with `.venv/bin/flask outbox show --last 20 [--to ADDRESS]`")
    try:
        app.run(host="127.0.0.1", port=PORT, debug=False, use_reloader=False)
    finally:
        smtp.stop()


if __name__ == "__main__":
    main()
