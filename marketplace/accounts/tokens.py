"""Signed, expiring tokens for e-mailed links (confirm address, reset password, invitations)."""
from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"marketplace.{purpose}")


def make_token(purpose: str, payload: Any) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age: int | None = None) -> Any | None:
    """The payload, or None when the token is forged, for another purpose or expired."""
    try:
        return _serializer(purpose).loads(
            token, max_age=max_age or current_app.config["TOKEN_MAX_AGE"]
        )
    except BadSignature:
        return None
