"""Themes (主题, issue 13 point 5): an application carries one category and any themes of its
round; a theme the round does not define is refused; the form shows and keeps them."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.applications import services
from marketplace.applications.models import Application, ApplicationTheme
from marketplace.core.policy import NotAllowed
from marketplace.extensions import db
from tests.applications.test_views import form_data
from tests.factories import application_data, make_round

THEMES = ["文明创建", "建党百年", "共同富裕"]


@pytest.fixture
def themed_round(app):
    return make_round(themes=list(THEMES))


def _ticked(html: str) -> list[str]:
    boxes = [tag.split(">")[0] for tag in html.split("<input")[1:] if 'name="themes"' in tag]
    return [theme for theme in THEMES for box in boxes
            if f'value="{theme}"' in box and "checked" in box]


def _start(member, organisation, round_, **data):
    application = services.start_application(member, organisation, round_)
    services.save_draft(member, application, application_data(**data))
    db.session.commit()
    return application


def test_a_theme_not_of_the_round_is_refused(member, organisation, themed_round):
    application = _start(member, organisation, themed_round)
    with pytest.raises(NotAllowed) as refused:
        services.save_draft(member, application, application_data(themes=["文明创建", "乡村振兴"]))
    assert refused.value.field == "themes"
    assert "乡村振兴" in str(refused.value)
    db.session.rollback()
    assert application.themes == []


def test_a_round_without_themes_refuses_any_theme(member, organisation, open_round):
    application = _start(member, organisation, open_round)
    with pytest.raises(NotAllowed):
        services.save_draft(member, application, application_data(themes=["文明创建"]))


@pytest.mark.parametrize("chosen", [[], ["建党百年"], ["共同富裕", "文明创建", "建党百年"]])
def test_an_application_carries_any_number_of_the_rounds_themes(member, organisation,
                                                                 themed_round, chosen):
    application = _start(member, organisation, themed_round, themes=chosen)
    assert application.themes == [t for t in THEMES if t in chosen]  # in the round's order
    assert application.category == "关爱帮扶"  # one category beside them


def test_saving_again_replaces_the_themes_and_a_repeat_counts_once(member, organisation,
                                                                     themed_round):
    application = _start(member, organisation, themed_round, themes=["文明创建", "建党百年"])
    services.save_draft(member, application, application_data(
        themes=["建党百年", "共同富裕", "共同富裕"]))
    db.session.commit()
    assert application.themes == ["建党百年", "共同富裕"]
    assert db.session.scalar(select(db.func.count()).select_from(ApplicationTheme)) == 2


def test_the_submitted_snapshot_holds_the_themes(member, organisation, themed_round):
    application = _start(member, organisation, themed_round, themes=["文明创建"])
    services.submit_application(member, application)
    db.session.commit()
    assert application.snapshot["proposal"]["themes"] == ["文明创建"]


def test_a_copy_keeps_the_themes_the_new_round_also_has(member, organisation, themed_round):
    source = _start(member, organisation, themed_round, themes=["文明创建", "共同富裕"])
    other = make_round(themes=["文明创建"])
    copy = services.copy_application(member, source, other)
    db.session.commit()
    assert copy.themes == ["文明创建"]


def test_the_form_offers_the_rounds_themes(login_as, member, organisation, themed_round):
    html = login_as(member).get(f"/applications/new?round_id={themed_round.id}").get_data(
        as_text=True)
    for theme in THEMES:
        assert f'value="{theme}"' in html
    assert 'name="themes"' in html and 'type="checkbox"' in html


def test_the_form_saves_themes_and_the_detail_page_shows_them(login_as, member, organisation,
                                                               themed_round):
    client = login_as(member)
    response = client.post(f"/applications/new?round_id={themed_round.id}",
                           data=form_data(themes=["文明创建", "共同富裕"]))
    assert response.status_code == 302
    application = db.session.scalar(select(Application))
    assert application.themes == ["文明创建", "共同富裕"]
    html = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "文明创建、共同富裕" in html
    edit = client.get(f"/applications/{application.id}/edit").get_data(as_text=True)
    assert _ticked(edit) == ["文明创建", "共同富裕"]


def test_a_re_shown_form_keeps_the_ticked_themes(login_as, member, organisation, themed_round):
    response = login_as(member).post(
        f"/applications/new?round_id={themed_round.id}",
        data=form_data(themes=["建党百年"], **{"budget-0-unit_price": "12.345"}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert _ticked(html) == ["建党百年"]


def test_a_theme_not_of_the_round_is_shown_next_to_the_boxes(login_as, member, organisation,
                                                             themed_round):
    response = login_as(member).post(f"/applications/new?round_id={themed_round.id}",
                                     data=form_data(themes=["乡村振兴"]))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "不是本轮的主题" in html
    assert db.session.scalar(select(Application)) is None
