import re

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEntry
from marketplace.core.policy import NotAllowed
from marketplace.extensions import db
from marketplace.notify.models import OutboxMessage
from marketplace.organisations import services
from marketplace.organisations.models import (
    MemberRole,
    Membership,
    Organisation,
    OrganisationStatus,
    OrganisationType,
)
from tests.factories import make_organisation, make_user, valid_uscc


def _form(**overrides):
    data = {"name": "东港街道青年志愿服务队", "org_type": "volunteer_team", "uscc": valid_uscc(),
            "region": "普陀区", "contact_name": "王芳", "contact_phone": "13905800123",
            "address": "东港街道", "introduction": "社区志愿服务"}
    data.update(overrides)
    return data


def _data(**overrides):
    form = _form(**overrides)
    form["org_type"] = OrganisationType(form["org_type"])
    return services.OrganisationData(**form)


def test_creator_becomes_owner_and_organisation_starts_pending(client, login_as, app):
    user = make_user()
    response = login_as(user).post("/organisations/new", data=_form())
    assert response.status_code == 302
    organisation = db.session.scalar(select(Organisation))
    assert organisation.status == OrganisationStatus.PENDING
    assert [(m.user_id, m.role) for m in organisation.memberships] == [(user.id, MemberRole.OWNER)]


@pytest.mark.parametrize("uscc,message", [
    ("52330903612000", "现在是 14 位"),
    ("52330903612000O79L", "不允许的字符"),
    ("52330903612000079M", "校验码不正确"),
])
def test_wrong_uscc_is_refused_saying_what_is_wrong_and_keeps_input(client, login_as, app,
                                                                    uscc, message):
    response = login_as(make_user()).post("/organisations/new", data=_form(uscc=uscc))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    assert "东港街道青年志愿服务队" in html  # what was typed is kept
    assert db.session.query(Organisation).count() == 0


def test_lowercase_and_fullwidth_uscc_is_normalised(app):
    code = valid_uscc()
    organisation = services.create_organisation(make_user(), _data(uscc=code.lower()))
    assert organisation.uscc == code


def test_phone_must_be_a_mainland_mobile_number(client, login_as, app):
    response = login_as(make_user()).post("/organisations/new", data=_form(contact_phone="12345"))
    assert "11 位中国大陆手机号码" in response.get_data(as_text=True)


def test_same_uscc_and_same_name_is_a_duplicate(app):
    code = valid_uscc()
    services.create_organisation(make_user(), _data(uscc=code))
    with pytest.raises(NotAllowed, match="不能重复创建"):
        services.create_organisation(make_user(), _data(uscc=code))


def test_same_uscc_with_another_name_is_allowed(app):
    code = valid_uscc()
    services.create_organisation(make_user(), _data(uscc=code))
    other = services.create_organisation(make_user(), _data(uscc=code, name="另一支高校团队"))
    assert other.uscc == code


def test_organizer_verifies_and_owner_is_emailed(app):
    organizer = make_user(roles=[Role.ORGANIZER])
    organisation = make_organisation(status=OrganisationStatus.PENDING)
    services.verify_organisation(organizer, organisation)
    db.session.commit()
    assert organisation.status == OrganisationStatus.VERIFIED
    owner = organisation.memberships[0].user
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == owner.email))
    assert "通过认证" in mail.subject


def test_rejection_needs_a_reason_which_is_emailed(app):
    admin = make_user(roles=[Role.ADMIN])
    organisation = make_organisation(status=OrganisationStatus.PENDING)
    with pytest.raises(NotAllowed):
        services.reject_organisation(admin, organisation, "  ")
    services.reject_organisation(admin, organisation, "登记证书照片不清晰")
    db.session.commit()
    assert organisation.status == OrganisationStatus.REJECTED
    mail = db.session.scalar(select(OutboxMessage))
    assert "登记证书照片不清晰" in mail.body_text


def test_members_cannot_verify_their_own_organisation(app):
    organizer = make_user(roles=[Role.ORGANIZER])
    organisation = make_organisation(organizer, status=OrganisationStatus.PENDING)
    with pytest.raises(NotAllowed):
        services.verify_organisation(organizer, organisation)


def test_plain_user_cannot_verify(client, login_as, app):
    organisation = make_organisation(status=OrganisationStatus.PENDING)
    stranger = make_user()
    response = login_as(stranger).post(f"/organisations/{organisation.id}/verify")
    assert response.status_code == 404
    assert db.session.get(Organisation, organisation.id).status == OrganisationStatus.PENDING


def test_changing_identity_sends_a_verified_organisation_back_to_pending(app):
    owner = make_user()
    organisation = make_organisation(owner)
    data = _data(name="改名后的服务队", uscc=organisation.uscc)
    services.update_organisation(owner, organisation, data)
    assert organisation.status == OrganisationStatus.PENDING


def test_changing_contact_keeps_verification(app):
    owner = make_user()
    organisation = make_organisation(owner)
    data = _data(name=organisation.name, uscc=organisation.uscc, org_type="volunteer_team",
                 region=organisation.region, contact_phone="13600000000")
    services.update_organisation(owner, organisation, data)
    assert organisation.status == OrganisationStatus.VERIFIED


def test_a_member_of_another_organisation_gets_404(client, login_as, app):
    organisation = make_organisation()
    outsider = make_user()
    make_organisation(outsider)
    c = login_as(outsider)
    assert c.get(f"/organisations/{organisation.id}").status_code == 404
    assert c.get(f"/organisations/{organisation.id}/edit").status_code == 404


def test_a_plain_member_cannot_edit(client, login_as, app):
    member = make_user()
    organisation = make_organisation(members=[member])
    assert login_as(member).get(f"/organisations/{organisation.id}/edit").status_code == 404


def test_owner_invites_by_email_and_invitee_joins(client, app):
    owner = make_user()
    organisation = make_organisation(owner)
    invitee = make_user("newbie@example.org")
    services.invite_member(owner, organisation, " NEWBIE@example.org ")
    db.session.commit()
    mail = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.to_address == "newbie@example.org"))
    token = re.search(r"/organisations/invitations/(\S+)", mail.body_text).group(1)
    services.accept_invitation(invitee, token)
    db.session.commit()
    roles = {m.user_id: m.role for m in organisation.memberships}
    assert roles[invitee.id] == MemberRole.MEMBER


def test_invitation_cannot_be_used_by_another_account(app):
    owner = make_user()
    organisation = make_organisation(owner)
    services.invite_member(owner, organisation, "right@example.org")
    db.session.commit()
    mail = db.session.scalar(select(OutboxMessage))
    token = re.search(r"/organisations/invitations/(\S+)", mail.body_text).group(1)
    with pytest.raises(NotAllowed, match="right@example.org"):
        services.accept_invitation(make_user("wrong@example.org"), token)


def test_owner_removes_a_member_but_not_the_owner(app):
    owner, member = make_user(), make_user()
    organisation = make_organisation(owner, members=[member])
    by_user = {m.user_id: m for m in organisation.memberships}
    with pytest.raises(NotAllowed):
        services.remove_member(owner, organisation, by_user[owner.id])
    services.remove_member(owner, organisation, by_user[member.id])
    db.session.commit()
    assert db.session.scalar(select(Membership).where(Membership.user_id == member.id)) is None


def test_organisation_changes_are_audited_with_before_and_after(app):
    owner = make_user()
    organisation = make_organisation(owner)
    services.update_organisation(owner, organisation, _data(
        name=organisation.name, uscc=organisation.uscc, address="新地址"))
    db.session.commit()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "organisation.update"))
    assert entry.actor_id == owner.id
    assert entry.before["address"] == "舟山市" and entry.after["address"] == "新地址"


def test_verification_queue_lists_pending_with_bounded_queries(client, login_as, app,
                                                              count_queries):
    organizer = make_user(roles=[Role.ORGANIZER])
    c = login_as(organizer)
    for _ in range(3):
        make_organisation(status=OrganisationStatus.PENDING)
    with count_queries() as few:
        assert c.get("/admin/organisations").status_code == 200
    for _ in range(12):
        make_organisation(status=OrganisationStatus.PENDING)
    with count_queries() as many:
        assert c.get("/admin/organisations").status_code == 200
    assert many.count == few.count
