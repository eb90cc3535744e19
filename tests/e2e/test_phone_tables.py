"""Tables with more than three columns on a phone (390 px): 我的申报, the organizer's
application list, 公示, the manage-round page, the audit log and the organisation review
become cards, each value labelled with its column; the ranking keeps its first two columns
in place while the others scroll sideways, with a cue that more columns exist. Nothing makes
the page itself scroll sideways. At 1280 px they stay tables. Both languages."""
from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from marketplace.accounts.models import Role
from marketplace.applications.models import ApplicationStatus
from marketplace.extensions import db
from marketplace.organisations.models import OrganisationStatus
from marketplace.review import decisions
from marketplace.review import publicity as review_publicity
from marketplace.rounds.models import Round
from tests.factories import (
    make_application,
    make_challenge,
    make_organisation,
    make_organizer,
    make_review_round,
    make_reviewer,
    make_round,
    make_submitted_review,
    make_user,
)

CARDS = """table => {
  const rows = [...table.tBodies[0].rows].filter(r => r.cells.length > 1);
  return rows.map(row => {
    const cells = [...row.cells].filter(c => getComputedStyle(c).display !== 'none');
    const title = row.querySelector('.card-title-cell');
    return {
      display: getComputedStyle(row).display,
      titleFirst: !!title && cells.every(c => c.getBoundingClientRect().top
                                              >= title.getBoundingClientRect().top - 1),
      unlabelled: cells.filter(c => c !== title && !(getComputedStyle(c, '::before').content
                                                      || 'none').replace(/none|""/g, ''))
                       .map(c => c.textContent.trim()),
      right: Math.max(...cells.map(c => c.getBoundingClientRect().right)),
    };
  });
}"""


def _people_and_pages():
    """Data for every table; returns (who sees it, path, table selector) per page."""
    member = make_user(name="海韵 张队长")
    group = make_organisation(member, name="普陀区海韵志愿服务队", region="普陀区")
    organizer = make_organizer(name="团市委 王老师")
    admin = make_user(roles=[Role.ADMIN], name="系统管理员")
    make_organisation(name="嵊泗县海岛公益服务社", region="嵊泗县",
                      status=OrganisationStatus.PENDING)

    open_round = make_round(title="2026年志愿服务集市创投项目")
    challenge = make_challenge(open_round, title="斑马线守护")
    make_application(open_round, group, title="渔港社区“银龄课堂”",
                     status=ApplicationStatus.SUBMITTED)
    make_application(open_round, group, title="学校路口文明劝导", challenge=challenge,
                     status=ApplicationStatus.SUBMITTED)

    review_round = make_review_round(title="2026年志愿服务集市创投项目（春季批次）")
    reviewer = make_reviewer(name="评审专家 李教授")
    titles = ["定海老街文明劝导青年行动", "海岛护学：放学路上安全守护",
              "渔港夜校：新渔民数字技能课堂", "岱山渔村留守老人“暖心食堂”助餐服务"]
    applications = [make_application(review_round, make_organisation(region="定海区"),
                                     title=t, requested="30000") for t in titles]
    scored = [[18, 16, 22, 18, 12], [15, 15, 20, 15, 10], [12, 12, 15, 12, 8]]
    for application, scores in zip(applications[:3], scored, strict=True):
        make_submitted_review(application, reviewer, scores)
    decisions.approve_application(organizer, applications[0], Decimal("28000"))
    decisions.approve_application(organizer, applications[1], Decimal("30000"))
    decisions.waitlist_application(organizer, applications[2], "评分靠后，列入候补。")
    decisions.reject_application(organizer, applications[3], "还没有评分。")
    db.session.commit()
    review_publicity.publish_publicity(organizer, db.session.get(Round, review_round.id))
    db.session.commit()
    pool = review_round.pools[0]
    return [
        (member, "/applications/mine", "main table.table-cards", "mine"),
        (organizer, f"/applications/?round_id={open_round.id}",
         "[data-testid=applications-table]", "application-list"),
        (None, f"/publicity/{review_round.id}", "[data-testid=publicity-list]", "publicity"),
        (organizer, f"/review/rounds/{review_round.id}", "table.review-assign-table",
         "manage-round"),
        (admin, "/admin/audit", "main table.table-cards", "audit-log"),
        (admin, "/admin/organisations", "main table.table-cards", "organisation-review"),
        (organizer, f"/review/rounds/{review_round.id}/ranking?pool_id={pool.id}",
         "[data-testid=ranking]", "ranking"),
    ]


def _open(page, login, base, user, path, lang):
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "lang", "value": lang, "url": base}])
    if user is not None:
        login(page, user)
    response = page.goto(base + path)
    assert response is not None and response.status == 200, path


def _no_sideways_page(page, name):
    scroll, window = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= window, f"{name}: {scroll}px wide in a {window}px window"


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_wide_tables_become_cards_or_scroll_beside_a_sticky_title_on_a_phone(
        lang, live_server, e2e_db, phone_page, login, screenshot):
    page = phone_page
    for user, path, selector, name in _people_and_pages():
        _open(page, login, live_server.url, user, path, lang)
        table = page.locator(selector)
        expect(table).to_be_visible()
        _no_sideways_page(page, name)
        if name == "ranking":
            _check_sticky(page, table)
        else:
            rows = table.evaluate(CARDS)
            assert rows, f"{name}: no rows"
            for row in rows:
                assert row["display"] == "flex", f"{name}: rows are not cards"
                assert row["titleFirst"], f"{name}: the card's title is not on top"
                assert not row["unlabelled"], f"{name}: values without a label {row}"
                assert row["right"] <= page.viewport_size["width"], f"{name}: card too wide"
        screenshot(page, f"tables-{lang}-phone-{name}")


def _check_sticky(page, table):
    box = table.locator("xpath=ancestor::div[contains(@class,'table-responsive')][1]")
    frame = box.locator("xpath=..")
    expect(frame).to_have_class("scroll-frame scroll-more-right")
    title = table.locator("tbody tr").first.locator("td").nth(1)
    left = title.bounding_box()["x"]
    box.evaluate("b => { b.scrollLeft = b.scrollWidth; b.dispatchEvent(new Event('scroll')); }")
    expect(frame).to_have_class("scroll-frame scroll-more-left")
    assert abs(title.bounding_box()["x"] - left) < 1, "the title column scrolled away"
    last = table.locator("tbody tr").first.locator("td").last.bounding_box()
    assert last["x"] + last["width"] <= page.viewport_size["width"] + 1


def test_wide_tables_stay_tables_on_a_desktop(live_server, e2e_db, page, login, screenshot):
    for user, path, selector, name in _people_and_pages():
        _open(page, login, live_server.url, user, path, "zh_CN")
        row = page.locator(selector).locator("tbody tr").first
        assert row.evaluate("r => getComputedStyle(r).display") == "table-row", name
        screenshot(page, f"tables-zh_CN-desktop-{name}")
