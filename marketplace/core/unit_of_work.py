"""One unit of work per request: the one place where a request's changes are committed.

- A request that may change something (POST, PUT, PATCH, DELETE) is committed here, after its
  view has answered, when the answer is a success or a redirect (status below 400). Any other
  answer — a form shown again after a refusal (422), a 404, an error page — rolls the whole
  request back; an exception rolls it back too (`teardown_request`, web.py). Services flush and
  views call them (through `core.actions.perform` for a change that may be refused); neither
  commits, so a request is all or nothing.
- A safe request (GET, HEAD, OPTIONS) writes nothing: a flush with changes, or an INSERT,
  UPDATE or DELETE statement, during one raises `WriteOnSafeRequest` (a 500). A link, a
  browser's prefetch or a mail scanner following a link must never change anything.
- When the commit itself fails (a constraint checked at commit, a deadlock, a serialisation
  failure, a lost connection), the request is rolled back, the failure logged, the messages the
  view flashed (its success message among them) dropped, and the answer is the 500 page (JSON
  on /api/): never a success page for a change that was not saved.
- `commit_so_far()` is the one deliberate exception: a request whose first step must stand
  whatever the next one does commits it there and says why at the call (one place:
  applications/views.py, a draft saved before it is submitted).

Commands are not requests: `flask seed-demo`, `flask history import` and the other commands
commit themselves once per command, and the outbox sender (`flask outbox send`) once per batch.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, current_app, g, has_request_context, message_flashed, request
from flask import session as cookie_session
from flask.globals import request_ctx
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from marketplace.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_SAFE = "uow_safe_request"  # in g: this request is being served with a safe method
_FLASHED = "uow_flashed"    # in g: (category, message) of each message this request flashed


class WriteOnSafeRequest(RuntimeError):
    """A GET, HEAD or OPTIONS request tried to write to the database."""


def init_app(app: Flask, server_error: Callable[[], Response]) -> None:
    """Commit or roll back every request of `app`; `server_error` answers a failed commit.

    Called after the other after_request hooks are registered: Flask runs them last to first,
    so this one runs first and they (security headers) apply to a 500 it answers too."""
    app.before_request(_begin)

    @app.after_request
    def _commit_or_roll_back(response: Response) -> Response:
        if request.method in SAFE_METHODS:
            return response  # nothing to commit: the guard refused every write
        if response.status_code >= 400:
            db.session.rollback()
            return response
        try:
            db.session.commit()
        except Exception:
            db.session.rollback()
            current_app.logger.exception("commit failed, %s %s rolled back",
                                         request.method, request.path)
            _forget_flashes()
            return server_error()
        return response

    message_flashed.connect(_remember_flash, app)


def commit_so_far() -> None:
    """Commit what this request has changed so far, on purpose, before a next step that may be
    refused and rolled back on its own; the rest is committed or rolled back as usual. The
    caller says why its first step must stand whatever the next one does."""
    db.session.commit()


def _begin() -> None:
    setattr(g, _SAFE, request.method in SAFE_METHODS)
    setattr(g, _FLASHED, [])


def _in_safe_request() -> bool:
    # Only requests being served (see _begin): a test_request_context() used to build a URL or
    # render a mail is not one.
    return has_request_context() and bool(g.get(_SAFE))


def _refuse(what: str) -> None:
    raise WriteOnSafeRequest(
        f"{request.method} {request.path} tried to write ({what}); a page that is only looked "
        "at changes nothing — make the change a POST, or render defaults without storing them")


@event.listens_for(Session, "before_flush")
def _no_flush_on_safe_request(session: Session, flush_context, instances) -> None:
    if not _in_safe_request():
        return
    changed = [*session.new, *session.deleted,
               *(obj for obj in session.dirty if session.is_modified(obj))]
    if changed:
        _refuse(", ".join(sorted({type(obj).__name__ for obj in changed})))


@event.listens_for(Session, "do_orm_execute")
def _no_statement_on_safe_request(state: ORMExecuteState) -> None:
    if (state.is_insert or state.is_update or state.is_delete) and _in_safe_request():
        _refuse(type(state.statement).__name__)


def _remember_flash(sender: Flask, message, category) -> None:
    if has_request_context():
        g.setdefault(_FLASHED, []).append((category, message))


def _forget_flashes() -> None:
    """Drop the messages this request flashed: they describe a change that was not saved.
    They wait in the session, or, once a template has read them, in the request; any others
    go back to the session for the page that answers now (or the next one)."""
    flashed = g.get(_FLASHED) or []
    waiting = [*(request_ctx.flashes or []), *cookie_session.get("_flashes", [])]
    request_ctx.flashes = None  # read again from the session by the page answering now
    for item in flashed:
        if item in waiting:
            waiting.remove(item)
    if waiting:
        cookie_session["_flashes"] = waiting
    else:
        cookie_session.pop("_flashes", None)
