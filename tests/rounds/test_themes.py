"""A round's themes (主题, issue 13 point 5): set on the round form like its categories."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.core.policy import NotAllowed
from marketplace.extensions import db
from marketplace.rounds import services
from marketplace.rounds.models import Round
from tests.rounds.helpers import organizer, round_data
from tests.rounds.test_views import _round_form


def test_a_round_keeps_its_themes_apart_from_its_categories(app):
    round_ = services.create_round(organizer(), round_data(themes=[" 文明创建", "建党百年 ", ""]))
    db.session.commit()
    assert round_.themes == ["文明创建", "建党百年"]
    assert "文明创建" not in round_.themes or round_.categories != round_.themes


def test_a_round_without_themes_is_fine(app):
    round_ = services.create_round(organizer(), round_data())
    assert round_.themes == []


@pytest.mark.parametrize("themes, message", [
    (["文明创建", "文明创建"], "主题不能重复。"),
    (["很" * 41], "每个主题不超过 40 个字。"),
])
def test_bad_themes_are_refused(app, themes, message):
    with pytest.raises(NotAllowed, match=message) as refused:
        services.create_round(organizer(), round_data(themes=themes))
    assert refused.value.field == "themes"


def test_the_round_form_sets_and_shows_the_themes(app, login_as):
    client = login_as(organizer())
    response = client.post("/rounds/new", data=_round_form(themes="文明创建\n建党百年\n"))
    assert response.status_code == 302, response.get_data(as_text=True)
    round_ = db.session.scalar(select(Round))
    assert round_.themes == ["文明创建", "建党百年"]
    edit = client.get(f"/rounds/{round_.id}/edit").get_data(as_text=True)
    assert "文明创建\n建党百年</textarea>" in edit
    assert "文明创建、建党百年" in client.get(f"/rounds/{round_.id}").get_data(as_text=True)


def test_a_repeated_theme_on_the_form_is_shown_and_typing_kept(app, login_as):
    client = login_as(organizer())
    html = client.post("/rounds/new", data=_round_form(themes="文明创建\n文明创建")).get_data(
        as_text=True)
    assert "主题不能重复。" in html and "文明创建\n文明创建</textarea>" in html
    assert db.session.scalar(select(Round)) is None
