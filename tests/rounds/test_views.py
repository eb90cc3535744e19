"""Pages: public list, round and challenge pages, organizer forms, 派单 answers, preferences."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from marketplace.audit.models import AuditEntry
from marketplace.core.timeutil import to_local, utcnow
from marketplace.extensions import db
from marketplace.funds.models import LedgerEntry, LedgerKind
from marketplace.rounds import invitations, matching
from marketplace.rounds.models import (
    Challenge,
    ChallengeInvitation,
    InvitationAnswer,
    MatchingPreference,
    Pool,
    PoolKind,
    Round,
    RoundStatus,
)
from tests.factories import make_challenge, make_organisation, make_pool, make_round, make_user
from tests.rounds.helpers import organizer


def _local(value):
    return to_local(value).strftime("%Y-%m-%dT%H:%M")


def _round_form(**overrides):
    now = utcnow()
    data = {"year": "2026", "title": "2026年志愿服务集市创投项目",
            "introduction": "<p>欢迎<script>x</script></p>", "total_budget": "579,000",
            "opens_at": _local(now - timedelta(hours=1)),
            "deadline_at": _local(now + timedelta(days=30)),
            "review_ends_at": _local(now + timedelta(days=40)), "publicity_days": "7",
            "delivery_ends_at": _local(now + timedelta(days=300)),
            "categories": "文明创建\n关爱帮扶\n生态环保", "max_amount_per_project": "50000",
            "max_applications_per_org": "2", "rule_personnel": "30",
            "tranches-0-label": "立项拨付", "tranches-0-percent": "50",
            "tranches-0-gate": "on_award",
            "tranches-1-label": "中期报告通过后拨付", "tranches-1-percent": "30",
            "tranches-1-gate": "after_report",
            "tranches-2-label": "验收合格后拨付", "tranches-2-percent": "20",
            "tranches-2-gate": "after_acceptance"}
    for i in range(3, 5):
        data.update({f"tranches-{i}-label": "", f"tranches-{i}-percent": "",
                     f"tranches-{i}-gate": "on_award"})
    data.update(overrides)
    return data


# --- public -------------------------------------------------------------------------------

def test_public_list_shows_open_and_past_rounds_but_no_drafts(client, app):
    open_round = make_round(title="正在征集的集市")
    make_round(title="往期集市", status=RoundStatus.CLOSED)
    make_round(title="草稿集市", status=RoundStatus.DRAFT)
    html = client.get("/rounds/").get_data(as_text=True)
    assert "正在征集的集市" in html and "往期集市" in html and "草稿集市" not in html
    assert f"/rounds/{open_round.id}" in html


def test_a_draft_round_is_404_for_the_public(client, app):
    draft = make_round(status=RoundStatus.DRAFT)
    assert client.get(f"/rounds/{draft.id}").status_code == 404


def test_round_page_shows_pools_and_challenges_without_login(client, app):
    round_ = make_round()
    make_pool(round_, name="海岛定向扶持", amount_fen=11_000_000)
    challenge = make_challenge(round_, title="斑马线守护")
    html = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert "海岛定向扶持" in html and "¥110,000.00" in html and "斑马线守护" in html
    page = client.get(f"/rounds/challenges/{challenge.id}")
    assert page.status_code == 200
    path = urlsplit(matching.apply_url(round_.id, challenge.id))
    assert f"{path.path}?{path.query}".replace("&", "&amp;") in page.get_data(as_text=True)


def test_challenge_of_a_closed_call_has_no_bid_button(client, app):
    round_ = make_round(deadline_at=utcnow() - timedelta(minutes=1))
    challenge = make_challenge(round_)
    html = client.get(f"/rounds/challenges/{challenge.id}").get_data(as_text=True)
    assert 'data-testid="bid"' not in html


def test_home_page_lists_open_rounds(client, app):
    round_ = make_round(title="首页上的集市")
    html = client.get("/").get_data(as_text=True)
    assert "首页上的集市" in html and f"/rounds/{round_.id}" in html


def test_round_page_query_count_does_not_grow_with_pools(client, app, count_queries):
    round_ = make_round()
    for _ in range(6):
        pool = make_pool(round_)
        db.session.add(LedgerEntry(round_id=round_.id, pool_id=pool.id,
                                   kind=LedgerKind.COMMIT, amount_fen=1000))
        make_challenge(round_, pool=pool)
    db.session.commit()
    staff = organizer()
    client.get("/")  # warm up
    with client.session_transaction() as session:
        session["_user_id"] = staff.session_token
    url = f"/rounds/{round_.id}"
    with count_queries() as counter:
        html = client.get(url).get_data(as_text=True)
    assert "¥10.00" in html  # committed shows for the organizer
    # 8 for the page, 1 asking whether this organizer also belongs to a group (applicants'
    # calls to action and nav links are theirs only then), 4 for the nav bar's counts
    # (messages, review, verification, 我的申报), 1 for which pools something depends on
    # (their 删除 buttons).
    assert counter.count <= 14, counter.statements


def test_public_list_query_count_is_bounded(client, app, count_queries):
    for n in range(8):
        make_round(title=f"集市{n}", status=RoundStatus.OPEN if n % 2 else RoundStatus.CLOSED)
    with count_queries() as counter:
        assert client.get("/rounds/").status_code == 200
    assert counter.count <= 3, counter.statements


# --- organizer pages ----------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/rounds/new", "/rounds/{round}/edit", "/rounds/{round}/pools/new",
    "/rounds/{round}/challenges/new", "/rounds/pools/{pool}/edit",
    "/rounds/challenges/{challenge}/edit",
])
def test_organizer_pages_are_404_for_others(app, login_as, path):
    round_ = make_round(status=RoundStatus.OPEN)
    challenge = make_challenge(round_)
    client = login_as(make_user())
    url = path.format(round=round_.id, pool=round_.pools[0].id, challenge=challenge.id)
    assert client.get(url).status_code == 404
    assert client.post(url, data={}).status_code == 404


def test_publish_and_invite_are_404_for_others(app, login_as):
    draft = make_round(status=RoundStatus.DRAFT)
    challenge = make_challenge(make_round())
    client = login_as(make_user())
    assert client.post(f"/rounds/{draft.id}/publish").status_code == 404
    assert client.post(f"/rounds/challenges/{challenge.id}/invite").status_code == 404
    assert db.session.get(Round, draft.id).status == RoundStatus.DRAFT


def test_organizer_creates_a_round_through_the_form(app, login_as):
    client = login_as(organizer())
    response = client.post("/rounds/new", data=_round_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    round_ = db.session.scalar(select(Round))
    assert round_.total_budget_fen == 57_900_000
    assert round_.budget_rules == {"personnel": 30}
    assert "<script>x</script>" not in client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert [t["percent"] for t in round_.tranche_template] == [50, 30, 20]
    # typed in Shanghai, stored in UTC
    assert _local(round_.deadline_at) == _round_form()["deadline_at"]


def test_bad_round_input_shows_a_message_per_field_and_keeps_typing(app, login_as):
    client = login_as(organizer())
    form = _round_form(total_budget="12.345", title="保留的标题",
                       deadline_at=_round_form()["opens_at"], **{"tranches-2-percent": "10"})
    html = client.post("/rounds/new", data=form).get_data(as_text=True)
    assert "请填写金额（元），最多两位小数。" in html
    assert 'value="保留的标题"' in html and 'value="12.345"' in html
    assert db.session.scalar(select(Round)) is None
    form = _round_form(deadline_at=_round_form()["opens_at"], **{"tranches-2-percent": "10"})
    html = client.post("/rounds/new", data=form).get_data(as_text=True)
    assert "申报截止时间应晚于申报开始时间。" in html
    assert "各期比例合计应为 100%，现在是 90%。" in html


def test_organizer_adds_a_targeted_pool_and_a_challenge_then_publishes(app, login_as):
    staff = organizer()
    client = login_as(staff)
    client.post("/rounds/new", data=_round_form())
    round_ = db.session.scalar(select(Round))
    response = client.post(f"/rounds/{round_.id}/pools/new", data={
        "name": "海岛定向扶持", "kind": "targeted", "amount": "110000",
        "regions": ["岱山县", "嵊泗县"]})
    assert response.status_code == 302
    html = client.post(f"/rounds/{round_.id}/pools/new", data={
        "name": "太多", "kind": "general", "amount": "469000.01"}).get_data(as_text=True)
    assert "资金池合计不能超过总预算" in html and 'value="太多"' in html
    response = client.post(f"/rounds/{round_.id}/challenges/new", data={
        "title": "斑马线守护", "cap_per_team": "30000", "slots": "2", "pool_id": "new",
        "eligible_regions": ["定海区"]})
    assert response.status_code == 302
    member_org = make_organisation(region="定海区")
    assert client.post(f"/rounds/{round_.id}/publish").status_code == 302
    db.session.expire_all()
    round_ = db.session.get(Round, round_.id)
    assert round_.status == RoundStatus.OPEN
    challenge = db.session.scalar(select(Challenge))
    assert challenge.published_at is not None and challenge.pool.amount_fen == 6_000_000
    targeted = db.session.scalar(select(Pool).where(Pool.kind == PoolKind.TARGETED))
    assert targeted.regions == ["岱山县", "嵊泗县"]
    from marketplace.notify.models import OutboxMessage

    mail = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.to_address == member_org.memberships[0].user.email))
    assert "斑马线守护" in mail.body_text


def test_pool_edit_refuses_going_over_the_budget_with_a_field_message(app, login_as):
    round_ = make_round(status=RoundStatus.OPEN)  # 1,000,000 budget, 500,000 general pool
    make_pool(round_, amount_fen=50_000_000)
    client = login_as(organizer())
    html = client.post(f"/rounds/pools/{round_.pools[0].id}/edit", data={
        "name": "综合资金池", "kind": "general", "amount": "500000.01"}).get_data(as_text=True)
    assert "资金池合计不能超过总预算" in html
    db.session.expire_all()
    assert db.session.get(Pool, round_.pools[0].id).amount_fen == 50_000_000


# --- 派单 and preferences ---------------------------------------------------------------------

def test_invitation_shows_on_home_and_decline_needs_a_reason(app, login_as):
    challenge = make_challenge(make_round(), title="海岛老人关爱")
    member = make_user()
    org = make_organisation(members=[member])
    staff = organizer()
    login_as(staff).post(f"/rounds/challenges/{challenge.id}/invite",
                         data={"organisations": [str(org.id)], "message": "期待"})
    invitation = db.session.scalar(select(ChallengeInvitation))
    assert invitation is not None
    client = login_as(member)
    home = client.get("/").get_data(as_text=True)
    assert "海岛老人关爱" in home and f"/rounds/invitations/{invitation.id}" in home
    html = client.post(f"/rounds/invitations/{invitation.id}",
                       data={"answer": "decline", "reason": ""}).get_data(as_text=True)
    assert "请填写婉拒的理由。" in html
    response = client.post(f"/rounds/invitations/{invitation.id}",
                           data={"answer": "decline", "reason": "人手不足"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ChallengeInvitation, invitation.id).status == InvitationAnswer.DECLINED
    page = login_as(staff).get(f"/rounds/challenges/{challenge.id}").get_data(as_text=True)
    assert "人手不足" in page


def test_staff_are_not_offered_and_cannot_invite_their_own_organisation(app, login_as):
    challenge = make_challenge(make_round())
    staff = organizer()
    own = make_organisation(staff, name="自己的志愿服务队")
    other = make_organisation(name="别的志愿服务队")
    client = login_as(staff)
    page = client.get(f"/rounds/challenges/{challenge.id}").get_data(as_text=True)
    form = page.split(f'action="/rounds/challenges/{challenge.id}/invite"')[1].split("</form>")[0]
    assert "别的志愿服务队" in form and "自己的志愿服务队" not in form
    response = client.post(f"/rounds/challenges/{challenge.id}/invite",
                           data={"organisations": [str(own.id), str(other.id)]})
    assert "自己所在的组织" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(ChallengeInvitation)) is None


def test_accepting_an_invitation_leads_to_the_bid_form(app, login_as):
    round_ = make_round()
    challenge = make_challenge(round_)
    org = make_organisation()
    [invitation] = invitations.invite_organisations(organizer(), challenge, [org])
    db.session.commit()
    response = login_as(org.memberships[0].user).post(
        f"/rounds/invitations/{invitation.id}", data={"answer": "bid"})
    assert response.status_code == 302
    target = urlsplit(matching.apply_url(round_.id, challenge.id))
    assert response.headers["Location"] == f"{target.path}?{target.query}"


def test_an_invitation_is_404_for_other_organisations(app, login_as):
    challenge = make_challenge(make_round())
    [invitation] = invitations.invite_organisations(organizer(), challenge, [make_organisation()])
    db.session.commit()
    client = login_as(make_organisation().memberships[0].user)
    assert client.get(f"/rounds/invitations/{invitation.id}").status_code == 404


def test_owner_sets_matching_preferences_others_get_404(app, login_as):
    member = make_user()
    org = make_organisation(members=[member])
    owner = org.memberships[0].user
    assert "/rounds/preferences/" in login_as(owner).get(
        f"/organisations/{org.id}").get_data(as_text=True)
    response = login_as(owner).post(f"/rounds/preferences/{org.id}", data={
        "categories": ["生态环保"], "regions": ["岱山县"]})
    assert response.status_code == 302
    preference = db.session.scalar(select(MatchingPreference))
    assert preference.categories == ["生态环保"] and preference.regions == ["岱山县"]
    assert login_as(member).get(f"/rounds/preferences/{org.id}").status_code == 404


def test_pages_render_in_english(app, client):
    round_ = make_round()
    challenge = make_challenge(round_)
    english = {"Accept-Language": "en"}
    html = client.get(f"/rounds/challenges/{challenge.id}", headers=english).get_data(True)
    assert "Bid on this challenge" in html
    assert "Funding rounds" in client.get("/rounds/", headers=english).get_data(True)


def test_edit_form_shows_the_saved_settings_and_saves_changes(app, login_as):
    staff = organizer()
    client = login_as(staff)
    client.post("/rounds/new", data=_round_form())
    round_ = db.session.scalar(select(Round))
    html = client.get(f"/rounds/{round_.id}/edit").get_data(as_text=True)
    assert 'value="579000.00"' in html and 'value="中期报告通过后拨付"' in html
    assert f'value="{_local(round_.deadline_at)}"' in html
    response = client.post(f"/rounds/{round_.id}/edit",
                           data=_round_form(total_budget="600000", title="改过的标题"))
    assert response.status_code == 302
    db.session.expire_all()
    round_ = db.session.get(Round, round_.id)
    assert round_.title == "改过的标题" and round_.total_budget_fen == 60_000_000
    actions = [a for a in db.session.scalars(select(AuditEntry.action))]
    assert actions.count("round.update") == 1


def test_draft_page_lists_what_publishing_still_needs(app, login_as):
    staff = organizer()
    client = login_as(staff)
    client.post("/rounds/new", data=_round_form())
    round_ = db.session.scalar(select(Round))
    html = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert 'data-testid="publish-problems"' in html and "请至少设置一个资金池。" in html
    html = client.post(f"/rounds/{round_.id}/publish", follow_redirects=True).get_data(True)
    assert "还不能发布" in html
    db.session.expire_all()
    assert db.session.get(Round, round_.id).status == RoundStatus.DRAFT


# --- organizer navigation ---------------------------------------------------------------------

def test_round_page_links_organizers_to_its_applications_and_review(client, app):
    from marketplace.applications.models import ApplicationStatus
    from tests.factories import make_application

    round_ = make_round(status=RoundStatus.REVIEWING)
    for status in (ApplicationStatus.SUBMITTED, ApplicationStatus.SUBMITTED,
                   ApplicationStatus.RETURNED, ApplicationStatus.DRAFT):
        make_application(round_, status=status)
    with client.session_transaction() as session:
        session["_user_id"] = organizer().session_token
    html = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert 'data-testid="round-staff-links"' in html
    assert f'href="/applications/?round_id={round_.id}"' in html
    assert f"/review/rounds/{round_.id}" in html
    counts = html.split('data-testid="round-status-counts"')[1].split("</ul>")[0]
    submitted = counts.split('data-status="submitted"')[1]
    assert f'/applications/?round_id={round_.id}&amp;status=submitted' in counts
    assert ">2</span>" in submitted.split("</li>")[0]
    assert '>1</span>' in counts.split('data-status="returned"')[1].split("</li>")[0]
    assert "已提交 3 份" in html
    assert 'data-status="draft"' not in counts  # drafts belong to their groups


@pytest.mark.parametrize("who", ["anonymous", "member", "reviewer"])
def test_round_page_has_no_staff_links_for_others(client, app, who):
    from marketplace.accounts.models import Role

    round_ = make_round(status=RoundStatus.REVIEWING)
    if who != "anonymous":
        user = make_user(roles=[Role.REVIEWER] if who == "reviewer" else [])
        make_organisation(user)
        with client.session_transaction() as session:
            session["_user_id"] = user.session_token
    html = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert "round-staff-links" not in html
    assert "/applications/?round_id" not in html and "/review/rounds/" not in html


def test_a_draft_round_links_to_its_applications_but_not_to_review(client, app):
    round_ = make_round(status=RoundStatus.DRAFT)
    with client.session_transaction() as session:
        session["_user_id"] = organizer().session_token
    html = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert f'href="/applications/?round_id={round_.id}"' in html
    assert "/review/rounds/" not in html
