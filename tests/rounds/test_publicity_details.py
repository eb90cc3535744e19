"""The 公示's document number and supervision phone are round settings (issue 11, point 23),
which stay editable after the other settings freeze, until the round is finalised."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.audit.models import AuditEntry
from marketplace.core.policy import NotAllowed
from marketplace.extensions import db
from marketplace.rounds import services
from marketplace.rounds.models import RoundStatus
from tests.factories import make_round
from tests.rounds.helpers import organizer


def test_the_round_settings_form_takes_the_publicity_details(app, login_as):
    from tests.rounds.test_views import _round_form

    client = login_as(organizer())
    response = client.post("/rounds/new", data=_round_form(
        document_number="团舟委〔2026〕12号", supervision_phone="0580-2022000"))
    assert response.status_code == 302
    round_ = db.session.scalar(select(services.Round))
    assert (round_.document_number, round_.supervision_phone) == ("团舟委〔2026〕12号",
                                                                  "0580-2022000")


@pytest.mark.parametrize("status", [RoundStatus.REVIEWING, RoundStatus.PUBLICITY])
def test_the_details_change_after_the_settings_froze_audited(app, status):
    staff = organizer()
    round_ = make_round(status=status)
    services.update_publicity_details(staff, round_, " 团舟委〔2026〕12号 ", "0580-2022000")
    db.session.commit()
    assert round_.document_number == "团舟委〔2026〕12号"
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "round.update_publicity_details"))
    assert entry.after == {"document_number": "团舟委〔2026〕12号",
                           "supervision_phone": "0580-2022000"}


def test_the_details_are_frozen_once_the_round_is_finalised(app):
    round_ = make_round(status=RoundStatus.DELIVERY)
    with pytest.raises(NotAllowed, match="公示已结束"):
        services.update_publicity_details(organizer(), round_, "x", "")


def test_a_supervision_phone_must_look_like_a_phone_number(app):
    round_ = make_round()
    with pytest.raises(NotAllowed, match="电话") as refused:
        services.update_publicity_details(organizer(), round_, "", "请打电话")
    assert refused.value.field == "supervision_phone"


def test_the_details_page_saves_them(app, login_as):
    round_ = make_round(status=RoundStatus.REVIEWING)
    client = login_as(organizer())
    assert 'data-testid="publicity-details"' in client.get(f"/rounds/{round_.id}").get_data(
        as_text=True)
    response = client.post(f"/rounds/{round_.id}/publicity-details",
                           data={"document_number": "团舟委〔2026〕12号",
                                 "supervision_phone": "0580 2022000"})
    assert response.status_code == 302
    assert db.session.get(services.Round, round_.id).supervision_phone == "0580 2022000"
