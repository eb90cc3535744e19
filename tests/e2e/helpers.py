"""Small helpers for browser tests (import: `from tests.e2e.helpers import mail_link`)."""
from __future__ import annotations

import re
from email.message import EmailMessage

from tests.smtp import SMTPServer

_URL = re.compile(r"https?://[^\s<>\"']+")


def mail_link(message: EmailMessage, contains: str = "") -> str:
    """The first link in the mail's text whose URL contains `contains`."""
    body = SMTPServer.body(message)
    for url in _URL.findall(body):
        if contains in url:
            return url
    raise AssertionError(f"no link containing {contains!r} in mail:\n{body}")
