"""Times in messages and mails are Asia/Shanghai with their label (issue 11, point 6): the
finalise refusal read "09:27 UTC" on a page showing 17:27."""
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.applications import services as applications
from marketplace.applications.models import ApplicationStatus
from marketplace.core.policy import NotAllowed
from marketplace.core.timeutil import format_local
from marketplace.extensions import db
from marketplace.notify.models import OutboxMessage
from marketplace.review import decisions, publicity
from marketplace.rounds.models import RoundStatus
from tests.factories import make_application, make_organizer, make_review_round, make_round

START = datetime(2030, 1, 1, 9, 27)  # naive UTC: 17:27 in Shanghai


def test_format_local_is_shanghai_with_its_label(app):
    assert format_local(START) == "2030-01-01 17:27（北京时间）"
    assert format_local(None) == ""


def test_finalise_refusal_names_the_end_in_shanghai_time(app):
    organizer = make_organizer()
    round_ = make_review_round(publicity_days=7)
    application = make_application(round_, requested="1000")
    decisions.approve_application(organizer, application, Decimal("1000"))
    publicity.publish_publicity(organizer, round_, starts_at=START, now=START)
    db.session.commit()
    with pytest.raises(NotAllowed) as refused:
        publicity.finalise_round(organizer, round_, now=START + timedelta(hours=1))
    assert "2030-01-08 17:27（北京时间）" in str(refused.value)
    assert "09:27" not in str(refused.value)


def test_return_mail_names_the_deadline_in_shanghai_time(app):
    round_ = make_round(status=RoundStatus.OPEN, deadline_at=START + timedelta(days=3650))
    application = make_application(round_, status=ApplicationStatus.SUBMITTED)
    applications.return_application(make_organizer(), application, "请补充活动计划")
    db.session.commit()
    mail = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.template == "applications/returned")).all()
    assert mail and all("2039-12-30 17:27（北京时间）" in m.body_text for m in mail)
    assert not any("09:27" in m.body_text for m in mail)


def test_every_page_says_its_times_are_beijing_time_in_both_languages(app, client):
    assert "页面上的时间均为北京时间" in client.get("/").get_data(as_text=True)
    client.set_cookie("lang", "en", domain=app.config["SERVER_NAME"].split(":")[0])
    assert "Times are Beijing time (UTC+8)" in client.get("/rounds/").get_data(as_text=True)
