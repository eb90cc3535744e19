"""Browser walk (issue 11, points 8, 9 and 13): after login each person's home page is their
to-do list — on a phone without opening the menu — and staff are never asked to register a
group; a reviewer follows a message from the notification centre to the proposal.

Each page is looked at in Chinese and English, at 390 px and 1280 px, and saved as a
screenshot (test-artifacts/screenshots/home-*.png). The data has English names, so an English
page must show no Chinese at all."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from marketplace.accounts.models import Role
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.organisations.models import OrganisationStatus
from marketplace.review import assigning, decisions, publicity
from marketplace.review.publicity import ObjectionData
from tests.factories import (
    make_application,
    make_assignment,
    make_organisation,
    make_organizer,
    make_review_round,
    make_reviewer,
    make_round,
    make_submitted_review,
    make_user,
)

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]+")
SCORES = [18, 17, 20, 15, 12]
WIDTHS = {"phone": "phone_page", "desktop": "page"}


def _world(locale: str) -> dict:
    """Something to do for each person, every name in English."""
    def person(name, **kw):
        return make_user(name=name, locale=locale, **kw)

    staff = person("Organizer Wang", roles=[Role.ORGANIZER])
    reviewer = person("Reviewer Li", roles=[Role.REVIEWER])
    member = person("Member Zhou")
    admin = person("Admin Chen", roles=[Role.ADMIN])
    finance = person("Finance Xu", roles=[Role.FINANCE])
    group = make_organisation(member, name="Harbour Volunteers")
    make_organisation(person("Owner Wu"), name="Island Helpers",
                      status=OrganisationStatus.PENDING)

    open_call = make_round(title="Open call 2027", deadline_at=utcnow() + timedelta(days=5))
    make_application(open_call, group, title="Night school for fishers")
    make_round(title="Late call 2026", deadline_at=utcnow() - timedelta(hours=2))

    reviewing = make_review_round(title="Spring round 2026")
    for title in ("Elder care visits", "Reading corner"):
        make_assignment(make_application(reviewing, group, title=title), reviewer)
    other = make_organisation(person("Owner Ma"), name="Seaside Team")
    make_application(reviewing, other, title="Beach clean-up")  # nobody assigned yet
    make_submitted_review(make_application(reviewing, other, title="Safe crossings"),
                          make_reviewer(name="Reviewer Sun"), SCORES)
    reviewing.review_ends_at = utcnow() + timedelta(days=2)

    in_notice = make_review_round(title="Autumn round 2026")
    approved = make_application(in_notice, other, requested="1000.00", title="Sea rescue drills")
    decisions.approve_application(staff, approved, Decimal("1000.00"))
    publicity.publish_publicity(staff, in_notice)
    publicity.file_objection(in_notice, ObjectionData(approved.id, "A citizen", "13800000000",
                                                      "The budget looks too high for this."))
    db.session.commit()
    return dict(organizer=staff, reviewer=reviewer, member=member, admin=admin,
                finance=finance, reviewing=reviewing)


# person -> (a text their to-do list shows, in each language)
EXPECTED = {
    "member": ("Night school for fishers", "Night school for fishers"),
    "reviewer": ("Spring round 2026", "Spring round 2026"),
    "organizer": ("待答复的异议", "Objections to answer"),
    "admin": ("待审核的组织", "Organisations to verify"),
    "finance": ("正在征集的项目", "Open calls"),
}


def _open_home(page, base, user, lang, login):
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "lang", "value": lang, "url": base}])
    login(page, user)
    page.goto(base + "/")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("width", list(WIDTHS))
def test_each_person_finds_their_to_do_list_first(lang, width, request, live_server, e2e_db,
                                                  login, screenshot):
    page = request.getfixturevalue(WIDTHS[width])
    world = _world(lang)
    for who, texts in EXPECTED.items():
        _open_home(page, live_server.url, world[who], lang, login)
        text = texts[0 if lang == "zh_CN" else 1]
        main = page.locator("main")
        expect(main).to_contain_text(text)
        if who != "finance":
            # The first line of the list is on screen as the page opens, menu folded.
            expect(page.get_by_test_id("todo-item").first).to_be_in_viewport()
        if width == "phone":
            expect(page.locator("#nav")).not_to_be_visible()
            scroll, window = page.evaluate(
                "() => [document.documentElement.scrollWidth, window.innerWidth]")
            assert scroll <= window, f"{who}: {scroll}px wide in a {window}px window"
        # Point 8: staff are never asked to register a group.
        expect(page.get_by_test_id("getting-started")).to_have_count(0)
        if lang == "en":
            leftovers = set(CJK.findall(page.evaluate("() => document.body.innerText")))
            assert leftovers <= {"中文"}, (who, leftovers)  # the language switch names itself
        screenshot(page, f"home-{lang}-{width}-{who}")


def test_a_reviewer_on_a_phone_goes_from_home_to_the_proposals_to_score(
        live_server, e2e_db, phone_page, login, screenshot):
    world = _world("zh_CN")
    _open_home(phone_page, live_server.url, world["reviewer"], "zh_CN", login)
    row = phone_page.locator(f'[data-key="review.round.{world["reviewing"].id}"]')
    expect(row).to_contain_text("2 份评分待提交")
    expect(row).to_contain_text("评审截止")
    expect(row).to_be_in_viewport()
    expect(phone_page.get_by_test_id("nav-total")).to_be_visible()  # on the menu's button
    row.click()
    expect(phone_page).to_have_url(live_server.url + "/review/")
    expect(phone_page.get_by_test_id("queue-item")).to_have_count(2)


def test_a_newcomer_is_asked_to_register_their_group(live_server, e2e_db, phone_page, login,
                                                     screenshot):
    _open_home(phone_page, live_server.url, make_user(name="Newcomer"), "zh_CN", login)
    expect(phone_page.get_by_test_id("getting-started")).to_contain_text("登记我的志愿服务组织")
    screenshot(phone_page, "home-zh_CN-phone-newcomer")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_reviewer_follows_a_message_to_the_proposal_and_marks_the_rest_read(
        lang, width, request, live_server, e2e_db, login, screenshot):
    page = request.getfixturevalue(WIDTHS[width])
    en = lang == "en"
    staff = make_organizer(name="Organizer Wang")
    reviewer = make_reviewer(name="Reviewer Li", locale=lang)
    round_ = make_review_round(title="Spring round 2026",
                               review_ends_at=utcnow() + timedelta(days=10))
    first = make_application(round_, make_organisation(name="Harbour Volunteers"),
                             title="Elder care visits")
    second = make_application(round_, make_organisation(name="Seaside Team"),
                              title="Reading corner")
    for application in (first, second):
        assigning.add_assignment(staff, application, reviewer)
    db.session.commit()

    _open_home(page, live_server.url, reviewer, lang, login)
    inbox = page.locator('[data-key="notify.unread"]')
    expect(inbox.get_by_test_id("todo-count")).to_have_text("2")
    inbox.click()
    expect(page).to_have_url(live_server.url + "/notifications/")
    expect(page.get_by_test_id("notification")).to_have_count(2)
    expect(page.get_by_test_id("unread-count")).to_contain_text(
        "2 unread messages." if en else "2 条未读消息。")
    expect(page.get_by_test_id("notification").first).to_contain_text(
        "New proposals to review" if en else "新的评审任务")
    if en:
        leftovers = set(CJK.findall(page.evaluate("() => document.body.innerText")))
        assert leftovers <= {"中文"}, leftovers
    screenshot(page, f"notifications-{lang}-{width}")

    page.get_by_test_id("open-notification").first.click()  # the newest: the second proposal
    expect(page).to_have_url(live_server.url + f"/review/applications/{second.id}")
    page.goto(live_server.url + "/notifications/")
    expect(page.locator('[data-testid="notification"][data-read="yes"]')).to_have_count(1)
    page.get_by_test_id("read-all").click()
    expect(page.locator('[data-testid="notification"][data-read="no"]')).to_have_count(0)
    # Left on the menu's button: the two reviews to submit (我的评审任务), no message.
    expect(page.get_by_test_id("nav-total")).to_have_text("2")
    screenshot(page, f"notifications-{lang}-{width}-read")
