"""Request plumbing shared by every page: locale, login loading, security headers, errors,
the unit of work (core/unit_of_work.py: one commit per request, no write on GET), template
helpers."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from itertools import chain

from flask import (
    Flask,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from marketplace.accounts.locale import select_locale
from marketplace.accounts.models import User
from marketplace.accounts.roles import current_roles
from marketplace.core import nav, unit_of_work, workflow
from marketplace.core.markdown import render_markdown
from marketplace.core.money import format_yuan
from marketplace.core.timeutil import format_local, to_local
from marketplace.extensions import db, login_manager

MAX_ID = 2**31 - 1  # the largest INTEGER key: a larger id or page number names nothing
ERROR_CODES = (400, 403, 404, 405, 413, 429)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def load_user(session_token: str):
    user = db.session.scalar(select(User).where(User.session_token == session_token))
    if user is None or not user.is_active:
        return None
    return user


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def render_error(error: HTTPException):
    code = error.code or 500
    if _wants_json():
        return jsonify({"error": error.description or error.name}), code
    return render_template("errors/error.html", code=code, error=error), code


def server_error_response():
    """The 500 answer: after an unhandled error, or when a request's commit failed."""
    db.session.rollback()
    if _wants_json():
        return jsonify({"error": "internal server error"}), 500
    return render_template("errors/error.html", code=500, error=InternalServerError()), 500


def refuse_nul_bytes():
    """A NUL character (%00) in the path, a query string, a form field or a file name is
    refused with 400 before any view runs. PostgreSQL cannot store or even compare text with
    NUL in it, so it would be a 500 wherever it reached a query (list filters, searches,
    tokens); no person types it, and checking once here covers every present and future
    filter and form."""
    fields = sorted(
        {key for key, value in chain(request.args.items(multi=True),
                                     request.form.items(multi=True))
         if "\x00" in key or "\x00" in value}
        | {key for key, upload in request.files.items(multi=True)
           if "\x00" in key or "\x00" in (upload.filename or "")})
    if not fields and "\x00" not in request.path:
        return None
    message = _("请求中含有不允许的控制字符（NUL），未予处理。")
    if _wants_json():
        return jsonify({"error": message, "fields": {name: message for name in fields}}), 400
    flash(message, "danger")
    return render_template("errors/error.html", code=400, error=BadRequest()), 400


def _commit_failed():
    """A request whose commit failed: the 500 page says that nothing was saved."""
    if not _wants_json():
        flash(_("操作没有保存成功，请稍后重试。"), "danger")
    return server_error_response()


def _names_a_row_or_page(name: str) -> bool:
    # How this app names integer query arguments: ?round_id=, ?pool_id=, ?round=, ?page=
    return name in ("page", "round") or name.endswith("_id")


def refuse_impossible_ids():
    """An id or page number in the query string too large for an INTEGER names nothing: 404,
    instead of "integer out of range" (PostgreSQL) or OverflowError (SQLite) in the query or
    the pagination's OFFSET."""
    for name, value in request.args.items(multi=True):
        if not _names_a_row_or_page(name):
            continue
        try:
            number = int(value)  # as the views read it: full-width digits and signs too
        except ValueError:
            continue  # not a number: the views already ignore it
        if abs(number) > MAX_ID:
            abort(404)


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: an id too large for the INTEGER column does not match the
    route (404) instead of overflowing the query."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = MAX_ID, signed: bool = False):
        super().__init__(map, fixed_digits, min, max, signed)


def init_app(app: Flask) -> None:
    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=0)

    # Before any blueprint adds a route, so every `<int:…>` gets the bound.
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul_bytes)
    app.before_request(refuse_impossible_ids)
    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    @login_manager.unauthorized_handler
    def _unauthorized():
        if _wants_json():
            return jsonify({"error": "login required"}), 401
        flash(_("请先登录。"), "info")
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    # After the other after_request hooks: it runs before them (see unit_of_work.init_app).
    unit_of_work.init_app(app, lambda: app.make_response(_commit_failed()))

    for code in ERROR_CODES:
        app.register_error_handler(code, render_error)

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        return render_template("errors/error.html", code=400, error=error,
                               csrf_failed=True), 400

    @app.errorhandler(500)
    def _server_error(error):
        return server_error_response()

    @app.teardown_request
    def _rollback_unfinished(exc):
        # Nothing is half-written: a request that failed leaves no pending changes.
        if exc is not None:
            db.session.rollback()

    app.jinja_env.filters["yuan"] = format_yuan
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["local"] = _format_local
    # A time in a sentence or a mail: Shanghai with its label ("17:27（北京时间）").
    app.jinja_env.filters["local_label"] = format_local
    app.jinja_env.globals["current_locale"] = lambda: str(select_locale())

    # Templates ask about roles through `roles` (accounts/roles.py), never `has_role`; the
    # bar draws the links each domain registered (core/nav.py).
    app.jinja_env.globals["nav_sections"] = nav.SECTIONS
    app.jinja_env.globals["nav_links"] = nav.nav_links
    app.jinja_env.globals["nav_total"] = nav.nav_total
    # A button for a workflow move takes its label and its question from the table.
    app.jinja_env.globals["transition"] = workflow.transition

    @app.context_processor
    def _globals():
        return {"roles": current_roles(), "LANGUAGES": app.config["LANGUAGES"],
                "session": session}


def format_number(value) -> str:
    """A quantity as people write it: 12, not 12.00; 2.5, not 2.50 (money keeps its two
    decimals: `yuan`)."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if number == number.to_integral_value():
        return f"{number.to_integral_value():f}"
    return f"{number.normalize():f}"


def _format_local(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    local = to_local(value)
    return local.strftime(fmt) if local else ""
