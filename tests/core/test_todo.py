"""The to-do list is a registry (core/todo.py): a domain adds a count or a list to a section
from its own module, the home page only draws it; counts are cheap (several in one
statement, shared with the nav bar's counts within a request)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import select

from marketplace.accounts import roles
from marketplace.core import nav, todo
from marketplace.core.request_cache import per_request
from marketplace.core.timeutil import utcnow
from marketplace.rounds.models import Round
from tests.factories import make_round, make_user


@pytest.fixture
def registered():
    """Entries a later domain might add (the funds workbench), removed afterwards."""
    counts = {"n": 2}
    added = [
        todo.register(roles.is_finance, "test.payments", "待拨付的款项",
                      lambda user: counts["n"], lambda tally: url_for("public.healthz"),
                      section="finance"),
        todo.register_rows(roles.is_finance, "test.rows",
                           lambda user: [todo.Todo("test.row", "一行", "/x", detail="说明")],
                           section="finance", order=200),
    ]
    yield counts
    for entry in added:
        del todo._REGISTRY[entry.key]


def _finance_home(login_as) -> str:
    return login_as(make_user(roles=[roles.Role.FINANCE])).get("/").get_data(as_text=True)


def test_a_domain_adds_its_lines_to_a_section_without_touching_the_page(app, login_as,
                                                                        registered):
    html = _finance_home(login_as)
    section = html.split('data-testid="todo-section-finance"', 1)[1]
    assert "财务工作" in section
    assert 'href="/healthz" data-testid="todo-item" data-key="test.payments"' in section
    assert 'data-testid="todo-count">2<' in section
    assert section.index("test.payments") < section.index("test.row")  # in order


def test_a_count_of_nothing_draws_nothing_and_the_section_says_so(app, login_as, registered):
    registered["n"] = 0
    html = _finance_home(login_as)
    section = html.split('data-testid="todo-section-finance"', 1)[1]
    assert "test.payments" not in section and "test.row" in section


def test_a_section_is_drawn_only_for_those_its_entries_are_for(app, login_as, registered):
    html = login_as(make_user(roles=[roles.Role.REVIEWER])).get("/").get_data(as_text=True)
    assert 'data-testid="todo-section-finance"' not in html


def test_an_unknown_section_is_refused():
    with pytest.raises(ValueError, match="sidebar"):
        todo.register(roles.is_finance, "x", "x", lambda user: 1, lambda tally: "/",
                      section="sidebar")


def test_several_things_are_counted_in_one_statement(app, count_queries):
    now = utcnow().replace(microsecond=0)
    first = make_round(deadline_at=now + timedelta(days=3))
    make_round(deadline_at=now + timedelta(days=5))
    first_id, first_deadline = first.id, first.deadline_at
    with count_queries() as counter:
        tallies = todo.tallies({
            "all": select(Round.id.label("ref"), Round.deadline_at.label("due")),
            "first": select(Round.id.label("ref")).where(Round.id == first_id),
            "none": select(Round.id.label("ref")).where(Round.id < 0),
        })
    assert counter.count == 1
    assert tallies["all"] == todo.Tally(2, due_at=first_deadline, only=None)
    assert tallies["first"] == todo.Tally(1, only=first_id)  # one place: link straight there
    assert tallies["none"] == todo.Tally(0) and not tallies["none"]


def test_a_count_shown_twice_in_a_request_is_asked_once(app):
    asked = []

    @per_request
    def waiting(user) -> int:
        asked.append(user)
        return 3

    user = make_user()
    with app.test_request_context("/"):
        assert waiting(user) + waiting(user) == 6
    with app.test_request_context("/"):
        waiting(user)
    assert len(asked) == 2  # once per request


@pytest.fixture
def badge_on_home():
    nav.badge("public.home", lambda user: 4)
    yield
    del nav._BADGES["public.home"]


def test_a_domain_puts_a_count_on_a_link_it_does_not_own(app, client, badge_on_home):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/">首页<span class="badge rounded-pill text-bg-light ms-1" ' \
           'data-testid="nav-badge">4</span>' in html
    assert 'data-testid="nav-total">4<' in html  # the folded menu's button on a phone
