"""One unit of work per request (core/unit_of_work.py): a request's changes are committed once,
after the view has answered, and only for a success or a redirect; a refusal, an error page or
a failed commit leaves nothing behind; a page that is only looked at (GET) writes nothing."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import Blueprint, jsonify, redirect, render_template_string
from sqlalchemy import event, func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.audit.models import AuditEntry
from marketplace.audit.services import record
from marketplace.core.actions import perform
from marketplace.core.policy import NotAllowed
from marketplace.core.unit_of_work import WriteOnSafeRequest
from marketplace.extensions import db
from marketplace.notify.models import OutboxMessage
from marketplace.notify.services import queue_mail
from marketplace.review import assigning, rules
from marketplace.review.models import Review, RoundReviewSettings, Rubric
from tests.conftest import make_test_app
from tests.factories import (
    make_application,
    make_assignment,
    make_organizer,
    make_review_round,
    make_reviewer,
    make_round,
    make_user,
)

ROOT = Path(__file__).resolve().parents[2]
SUCCESS = "已保存（这条消息只属于保存成功的请求）"
FAIL_COMMIT = "uow_test_fail_commit"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _audit_and_mail(action: str) -> None:
    """What a service does besides its change: an audit entry and a queued mail."""
    record(action, object_type="test")
    queue_mail("someone@example.org", "accounts/confirm_email", link="https://example.org/x")
    db.session.flush()


def _throwaway_routes() -> Blueprint:
    bp = Blueprint("uow_test", __name__)

    @bp.post("/uow/done")
    def done():
        perform(lambda: _audit_and_mail("uow.done"), SUCCESS)
        return redirect("/")

    @bp.post("/uow/refused")
    def refused():
        def change():
            _audit_and_mail("uow.refused")
            raise NotAllowed("不行")

        perform(change, SUCCESS)
        return redirect("/")  # a redirect commits: the refused change must be gone by then

    @bp.post("/uow/unprocessable")
    def unprocessable():
        _audit_and_mail("uow.unprocessable")
        return "shown again", 422

    @bp.post("/uow/commit-fails/<answer>")
    def commit_fails(answer: str):
        perform(lambda: _audit_and_mail("uow.lost"), SUCCESS)
        db.session.info[FAIL_COMMIT] = True
        if answer == "page":  # the flashes are read while rendering the success page
            return render_template_string('{% extends "base.html" %}'
                                          '{% block content %}saved{% endblock %}')
        return redirect("/")

    @bp.post("/api/uow/commit-fails")
    def api_commit_fails():
        _audit_and_mail("uow.lost")
        db.session.info[FAIL_COMMIT] = True
        return jsonify({"ok": True})

    @bp.get("/uow/reads")
    def reads():
        return str(_count(User))

    @bp.get("/uow/adds")
    def adds():
        record("uow.get", object_type="test")
        db.session.flush()
        return "written"

    @bp.get("/uow/changes-a-loaded-row")
    def changes_a_loaded_row():
        user = db.session.scalars(select(User)).first()
        user.name = "改了"
        return str(_count(User))  # the query autoflushes the change

    @bp.get("/uow/bulk-update")
    def bulk_update():
        db.session.execute(update(User).values(name="改了"))
        return "written"

    return bp


@pytest.fixture(scope="module")
def uow_app(database_url, tmp_path_factory, smtp_server):
    """The app with a few throwaway routes (registered before its first request), on the same
    database as `app`, whose fixture empties the tables after each test."""
    throwaway = make_test_app(database_url, tmp_path_factory, smtp_server.port)
    throwaway.register_blueprint(_throwaway_routes())
    return throwaway


@pytest.fixture
def failing_commits():
    def fail(session: Session) -> None:
        if session.info.pop(FAIL_COMMIT, False):
            raise OperationalError("COMMIT", {}, Exception("deadlock detected"))

    event.listen(Session, "before_commit", fail)
    yield
    event.remove(Session, "before_commit", fail)


# --- one commit, after the view ----------------------------------------------------------------

def test_a_change_is_committed_once_the_view_has_answered(app, uow_app):
    response = uow_app.test_client().post("/uow/done")
    assert response.status_code == 302
    assert _count(AuditEntry) == 1 and _count(OutboxMessage) == 1


def test_a_refusal_in_perform_leaves_no_audit_entry_and_no_outbox_mail(app, uow_app):
    client = uow_app.test_client()
    response = client.post("/uow/refused")
    assert response.status_code == 302
    assert _count(AuditEntry) == 0 and _count(OutboxMessage) == 0
    page = client.get("/").get_data(as_text=True)
    assert "不行" in page and SUCCESS not in page


def test_an_answer_that_refuses_rolls_the_request_back(app, uow_app):
    assert uow_app.test_client().post("/uow/unprocessable").status_code == 422
    assert _count(AuditEntry) == 0 and _count(OutboxMessage) == 0


@pytest.mark.parametrize("answer", ["redirect", "page"])
def test_a_failed_commit_answers_500_without_the_success_message(app, uow_app,
                                                                 failing_commits, answer):
    client = uow_app.test_client()
    response = client.post(f"/uow/commit-fails/{answer}")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "操作没有保存成功" in html and SUCCESS not in html
    assert response.headers["X-Frame-Options"] == "DENY"  # still a page of this site
    assert SUCCESS not in client.get("/").get_data(as_text=True)  # nor on the next page
    assert _count(AuditEntry) == 0 and _count(OutboxMessage) == 0


def test_a_failed_commit_on_the_api_answers_json_500(app, uow_app, failing_commits):
    response = uow_app.test_client().post("/api/uow/commit-fails")
    assert response.status_code == 500 and response.get_json() == {
        "error": "internal server error"}
    assert _count(AuditEntry) == 0


# --- no write on GET ---------------------------------------------------------------------------

def test_a_get_that_only_reads_is_served(app, uow_app):
    make_user()
    client = uow_app.test_client()
    assert client.get("/uow/reads").get_data(as_text=True) == "1"
    assert client.head("/uow/reads").status_code == 200


@pytest.mark.parametrize("url", ["/uow/adds", "/uow/changes-a-loaded-row", "/uow/bulk-update"])
def test_a_get_that_writes_fails(app, uow_app, url):
    user = make_user(name="原名")
    with pytest.raises(WriteOnSafeRequest, match="GET"):
        uow_app.test_client().get(url)
    assert _count(AuditEntry) == 0
    assert db.session.get(User, user.id).name == "原名"


def test_opening_a_proposal_stores_no_review_until_the_first_save(app, login_as):
    application = make_application()
    reviewer = make_reviewer()
    make_assignment(application, reviewer)
    client = login_as(reviewer)
    url = f"/review/applications/{application.id}"
    page = client.get(url)
    assert page.status_code == 200 and 'name="score_' in page.get_data(as_text=True)
    assert _count(Review) == 0
    criteria = rules.stored_rubric_for(application).criteria
    db.session.commit()
    client.post(url, data={f"score_{criteria[0].id}": "12", "action": "save"})
    assert _count(Review) == 1


def test_review_pages_of_a_round_not_in_review_store_no_settings_and_no_rubric(app, login_as):
    round_ = make_round()  # open: review has not started
    client = login_as(make_organizer())
    for url in (f"/review/rounds/{round_.id}", f"/review/rounds/{round_.id}/rubric",
                f"/review/rounds/{round_.id}/ranking"):
        assert client.get(url).status_code == 200, url
    page = client.get(f"/review/rounds/{round_.id}/rubric").get_data(as_text=True)
    assert "可持续与可推广性" in page  # the default criteria, shown without being stored
    assert _count(RoundReviewSettings) == 0 and _count(Rubric) == 0


def test_starting_review_stores_the_settings_and_the_default_rubric(app):
    round_ = make_round()
    assigning.start_review(make_organizer(), round_,
                                 now=round_.deadline_at.replace(year=round_.deadline_at.year + 1))
    db.session.commit()
    assert db.session.get(RoundReviewSettings, round_.id).review_started_at is not None
    assert len(rules.round_rubric(round_).criteria) == 5
    assert _count(Rubric) == 1


def test_a_review_round_page_shows_a_stored_rubric_unchanged(app, login_as):
    round_ = make_review_round()
    rules.save_rubric(make_organizer(), round_, [rules.CriterionData("公益性", 100, 10)])
    db.session.commit()
    page = login_as(make_organizer()).get(f"/review/rounds/{round_.id}/rubric")
    assert 'value="公益性"' in page.get_data(as_text=True)
    assert _count(Rubric) == 1


# --- the language switch and e-mail confirmation are POSTs ----------------------------------

def test_the_language_switch_is_a_post_that_a_link_cannot_trigger(app, client, login_as):
    user = make_user(locale="zh_CN")
    client = login_as(user)
    client.get("/language/en")  # a visitor's cookie link: it never touches the account
    assert client.get("/language").status_code == 405
    assert db.session.get(User, user.id).locale == "zh_CN"
    page = client.get("/organisations/").get_data(as_text=True)
    assert 'action="/language"' in page and 'name="next" value="/organisations/"' in page
    response = client.post("/language", data={"locale": "en", "next": "/organisations/"})
    assert response.status_code == 302 and response.headers["Location"] == "/organisations/"
    assert "lang=en" in response.headers["Set-Cookie"]
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "en"


def test_an_unknown_language_is_refused(app, client):
    assert client.post("/language", data={"locale": "fr"}).status_code == 400
    assert client.get("/language/fr").status_code == 404


def test_a_visitor_switches_language_by_a_link_that_starts_no_session(app, client):
    page = client.get("/")
    assert "Set-Cookie" not in page.headers  # a public page starts no session
    assert 'href="/language/en?next=/"' in page.get_data(as_text=True)
    response = client.get("/language/en?next=//evil.example")
    assert response.headers["Location"] == "/"
    assert response.headers.getlist("Set-Cookie") == [
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("lang=en")]
    assert 'data-testid="lang-switch">中文</a>' in client.get("/").get_data(as_text=True)


def test_following_the_confirmation_link_confirms_nothing_until_the_button_is_pressed(app):
    from marketplace.accounts.tokens import make_token

    user = make_user(confirmed=False)
    client = app.test_client()
    path = f"/confirm/{make_token('confirm', {'id': user.id, 'email': user.email})}"
    page = client.get(path)
    assert page.status_code == 200 and "确认邮箱" in page.get_data(as_text=True)
    assert db.session.get(User, user.id).email_confirmed_at is None
    response = client.post(path)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).email_confirmed_at is not None


def test_a_bad_confirmation_token_is_refused_when_the_button_is_pressed(app, client):
    response = client.post("/confirm/garbage.token.value", follow_redirects=True)
    assert "确认链接无效或已过期" in response.get_data(as_text=True)


# --- one place commits -------------------------------------------------------------------------

# Modules that commit, and why: the unit of work (every request), commands (once per command),
# demo seeding (once), the outbox sender (once per batch, so what was sent stays marked sent;
# it refuses to run inside a request).
MAY_COMMIT = {"marketplace/core/unit_of_work.py", "marketplace/demo.py",
              "marketplace/notify/services.py"}


def _may_commit(path: str) -> bool:
    return path in MAY_COMMIT or path.endswith(("/cli.py", "/demo.py"))


def _modules():
    for path in sorted((ROOT / "marketplace").rglob("*.py")):
        yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text("utf-8"))


def _calls(tree: ast.AST, name: str):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            if called == name:
                yield node


def test_only_the_unit_of_work_and_commands_commit():
    offenders = [f"{path}:{call.lineno}" for path, tree in _modules() if not _may_commit(path)
                 for call in _calls(tree, "commit")]
    assert offenders == []


def test_the_one_deliberate_early_commit_is_in_the_application_form():
    """Saving a draft with 提交 commits the draft before submitting it, so a refused
    submission keeps what was typed (tests/applications/test_views.py:
    test_submitting_an_incomplete_form_keeps_the_draft_and_lists_every_problem)."""
    callers = [path for path, tree in _modules() for _ in _calls(tree, "commit_so_far")]
    assert callers == ["marketplace/applications/views.py"]


def _is_view_module(path: str) -> bool:
    return Path(path).name.startswith("views") or "/views/" in path


def _handlers_of_not_allowed(tree: ast.AST):
    """(function, line) of each `except NotAllowed` in the module."""
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef):
            for node in ast.walk(function):
                if isinstance(node, ast.ExceptHandler) and isinstance(node.type, ast.Name) \
                        and node.type.id == "NotAllowed":
                    yield function.name, node.lineno


def test_views_leave_refusals_to_perform():
    handlers = {(path, function) for path, tree in _modules() if _is_view_module(path)
                for function, _line in _handlers_of_not_allowed(tree)}
    # _pools_for filters the pools that may pay for a project (funds.check_pool_funds raises
    # for the others): a question asked, not a refused change.
    assert handlers <= {("marketplace/review/views.py", "_pools_for")}
