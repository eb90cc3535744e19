"""`flask outbox show` prints queued and sent mail, and `make run` sums up the demo's mail in
one line instead of printing every message (issue 11, point 27)."""
from __future__ import annotations

import importlib.util
import io
import socket
import subprocess
from pathlib import Path

from click.testing import CliRunner

from marketplace.extensions import db
from marketplace.notify.services import deliver_pending, queue_mail
from tests.factories import make_user

ROOT = Path(__file__).resolve().parents[2]


def _queue(email: str, n: int) -> None:
    user = make_user(email)
    for i in range(n):
        queue_mail(user.email, "accounts/confirm_email", "zh_CN", user=user,
                   link=f"https://x/{email}/{i}")
    db.session.commit()


def test_outbox_show_prints_the_latest_mail_with_its_links(app):
    _queue("a@example.org", 3)
    deliver_pending()
    _queue("b@example.org", 1)  # still queued
    result = CliRunner().invoke(app.cli, ["outbox", "show", "--last", "2"],
                                catch_exceptions=False)
    assert result.exit_code == 0
    assert result.output.count("Subject: ") == 2
    assert "https://x/a@example.org/2" in result.output and "[sent]" in result.output
    assert "https://x/b@example.org/0" in result.output and "[pending]" in result.output
    assert "https://x/a@example.org/0" not in result.output


def test_outbox_show_filters_by_address_whatever_its_case(app):
    _queue("a@example.org", 2)
    _queue("b@example.org", 1)
    result = CliRunner().invoke(app.cli, ["outbox", "show", "--to", "B@Example.org"],
                                catch_exceptions=False)
    assert result.output.count("To: b@example.org") == 1 and "a@example.org" not in result.output
    none = CliRunner().invoke(app.cli, ["outbox", "show", "--to", "c@example.org"])
    assert none.output.strip() == "no mail to c@example.org"


def _devserver():
    spec = importlib.util.spec_from_file_location("devserver", ROOT / "tools" / "devserver.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_dev_server_delivers_the_demo_mail_quietly_and_counts_it(app):
    """The demo's queued mail reaches the local SMTP server without a line each: one summary
    line says how many (tools/devserver.py)."""
    from aiosmtpd.controller import Controller

    from marketplace.extensions import mail

    _queue("demo@example.org", 5)
    devserver = _devserver()
    printed = io.StringIO()
    handler = devserver.Terminal(printed)
    port = _free_port()
    smtp = Controller(handler, hostname="127.0.0.1", port=port)
    smtp.start()
    test_port = app.config["MAIL_PORT"]
    try:
        app.config["MAIL_PORT"] = port
        mail.init_app(app)
        assert devserver.deliver_backlog(app, handler) == 5
    finally:
        smtp.stop()
        app.config["MAIL_PORT"] = test_port  # the other tests' SMTP server again
        mail.init_app(app)
    assert printed.getvalue() == ""
    assert not handler.quiet  # mail queued from now on is printed


def test_make_run_takes_the_ports(app):
    dry = subprocess.run(["make", "-n", "run", "PORT=5050", "MAIL_PORT=2525"], cwd=ROOT,
                         capture_output=True, text=True, check=False).stdout
    assert "PORT=5050 MAIL_PORT=2525" in dry
    assert "PUBLIC_BASE_URL=http://127.0.0.1:5050" in dry
