"""The round introduction is Markdown with a preview (issue 11, point 24)."""
from __future__ import annotations

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.rounds.models import Round
from tests.factories import make_round
from tests.rounds.helpers import organizer
from tests.rounds.test_views import _round_form


def test_the_round_page_renders_the_introduction_from_markdown(app, client):
    round_ = make_round(introduction="## 申报须知\n\n- **公开申报**\n- [命题](https://example.org)")
    html = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    intro = html.split('data-testid="round-introduction"', 1)[1].split("</div>", 1)[0]
    assert "<h2>申报须知</h2>" in intro and "<strong>公开申报</strong>" in intro
    assert 'href="https://example.org"' in intro


def test_preview_shows_the_rendered_introduction_and_saves_nothing(app, login_as):
    client = login_as(organizer())
    response = client.post("/rounds/new", data=_round_form(
        introduction="**加粗**<script>alert(1)</script>", action="preview"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    preview = html.split('data-testid="introduction-preview"', 1)[1].split("</section>", 1)[0]
    assert "<strong>加粗</strong>" in preview and "<script>alert" not in preview
    assert "**加粗**" in html  # the textarea keeps what was typed
    assert db.session.scalar(select(func.count(Round.id))) == 0
