"""Redirect targets (only paths on this site) and absolute links for e-mails."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


def safe_next(target: str | None, fallback: str) -> str:
    """Return target if it is a local path, else fallback (no open redirects).

    Refuses absolute URLs, scheme-relative '//host', backslash tricks browsers
    normalise to '//', and control characters.
    """
    if not target:
        return fallback
    target = target.strip()
    if any(ord(c) < 32 for c in target) or "\\" in target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


def public_url(path: str) -> str:
    """An absolute link for e-mails and QR codes, from PUBLIC_BASE_URL, never the Host header.

    Accepts a path or a URL from `url_for` (which is absolute outside a request); only its
    path and query are kept.
    """
    parts = urlsplit(path)
    local = parts.path + (f"?{parts.query}" if parts.query else "")
    return current_app.config["PUBLIC_BASE_URL"] + local


def mail_link(endpoint: str, **values) -> str:
    """An absolute link to a page for an e-mail, also from a CLI command or a test (no
    request)."""
    if has_request_context():
        return public_url(url_for(endpoint, **values))
    with current_app.test_request_context():
        return public_url(url_for(endpoint, **values))
