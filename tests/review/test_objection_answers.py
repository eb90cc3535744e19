"""Answering an objection (issue 11, point 19): no outcome is chosen at first, a missing one
is refused with a message beside the field (the reply kept), and the objection links to the
project it is about."""
from decimal import Decimal

from marketplace.extensions import db
from marketplace.review import decisions, publicity
from marketplace.review.models import Objection, ObjectionStatus
from tests.factories import make_application, make_organizer, make_review_round


def _objection():
    organizer = make_organizer()
    round_ = make_review_round()
    application = make_application(round_, requested="1000", title="海岛护学")
    decisions.approve_application(organizer, application, Decimal("1000"))
    publicity.publish_publicity(organizer, round_)
    objection = publicity.file_objection(round_, publicity.ObjectionData(
        application.id, "甲", "x", "内容足够长的一条异议文字。"))
    db.session.commit()
    return round_, application, objection


def test_answer_form_starts_without_an_outcome_and_links_to_the_project(app, login_as):
    round_, application, _ = _objection()
    html = login_as(make_organizer()).get(f"/review/rounds/{round_.id}/objections") \
        .get_data(as_text=True)
    select = html.split('name="outcome"')[1].split("</select>")[0]
    assert select.split("<option")[1].startswith(' value=""') and "selected" not in select
    assert f'href="/applications/{application.id}" data-testid="objection-project"' in html


def test_a_missing_outcome_is_refused_beside_the_field_keeping_the_reply(app, login_as):
    round_, _, objection = _objection()
    page = login_as(make_organizer()).post(f"/review/objections/{objection.id}/answer",
                                           data={"outcome": "", "reply": "经核实后答复。"})
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "请选择答复结果" in html and f'id="outcome-{objection.id}-error"' in html
    assert "经核实后答复。</textarea>" in html
    db.session.expire_all()
    assert db.session.get(Objection, objection.id).status == ObjectionStatus.OPEN
