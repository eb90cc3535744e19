"""Which language a page speaks: the person's explicit choice (the cookie the language switch
sets, or their account's language), then the browser's, then Chinese."""
from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_login import current_user

LOCALE_COOKIE = "lang"


def select_locale() -> str:
    """Explicit choice (cookie or account) first, then the browser, then Chinese."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and background work: mail sets its own locale
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.cookies.get(LOCALE_COOKIE)
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    best = request.accept_languages.best_match(["zh_CN", "zh", "en"])
    if best == "en":
        return "en"
    return current_app.config["BABEL_DEFAULT_LOCALE"]
