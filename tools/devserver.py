"""`make run`: the app on http://127.0.0.1:5000, a local SMTP server that prints every mail
to this terminal, and the outbox sender delivering to it — so confirmation and reset links
can be followed on a machine without a mail server."""
from __future__ import annotations

import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.handlers import Debugging  # noqa: E402

from marketplace import create_app  # noqa: E402
from marketplace.notify.services import deliver_pending  # noqa: E402

SMTP_PORT = int(os.environ.get("MAIL_PORT", "8025"))


def outbox_loop(app) -> None:
    while True:
        with app.app_context():
            try:
                deliver_pending()
            except Exception as exc:  # keep serving; the next round retries
                print(f"outbox: {exc}", file=sys.stderr)
        time.sleep(2)


def main() -> None:
    os.environ.setdefault("MAIL_SERVER", "127.0.0.1")
    os.environ["MAIL_PORT"] = str(SMTP_PORT)
    smtp = Controller(Debugging(sys.stdout), hostname="127.0.0.1", port=SMTP_PORT)
    smtp.start()
    app = create_app()
    threading.Thread(target=outbox_loop, args=(app,), daemon=True).start()
    print("志愿服务创投集市: http://127.0.0.1:5000  (mail is printed here)")
    try:
        app.run(host="127.0.0.1", port=5000, debug=False, use_reloader=False)
    finally:
        smtp.stop()


if __name__ == "__main__":
    main()
