"""Contrast, keyboard focus and tap targets (WCAG 2.2 AA), computed by the browser: nav links
and buttons reach 4.5:1 against what is behind them, every button shows where the keyboard
focus is, and what a finger taps is at least 24 × 24 px. The English navigation bar of the
busiest account (an admin) fits one row at 1280 px."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from marketplace.accounts.models import Role
from marketplace.applications.models import ApplicationStatus
from marketplace.core.timeutil import utcnow
from tests.factories import (
    make_application,
    make_assignment,
    make_organisation,
    make_organizer,
    make_review_round,
    make_reviewer,
    make_round,
    make_user,
)

# The contrast of each visible nav link and button with the colour behind it: its own
# background, or the first ancestor's that is not transparent (alpha blended over white).
CONTRAST = """selector => {
  const rgba = s => { const m = s.match(/[\\d.]+/g).map(Number);
                      return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
  const over = (top, below) => top.slice(0, 3).map((c, i) => c * top[3] + below[i] * (1 - top[3]));
  const luminance = rgb => { const [r, g, b] = rgb.map(c => { c /= 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const behind = el => { const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const bg = rgba(getComputedStyle(e).backgroundColor);
      if (bg[3] > 0) { layers.push(bg); if (bg[3] >= 1) break; } }
    return layers.reverse().reduce((below, top) => over(top, below), [255, 255, 255]); };
  return [...document.querySelectorAll(selector)]
    .filter(e => e.offsetParent !== null && !e.disabled && e.textContent.trim())
    .map(e => { const bg = behind(e), fg = over(rgba(getComputedStyle(e).color), bg);
      const [a, b] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
      return { text: e.textContent.trim().slice(0, 30), cls: e.className,
               ratio: (a + 0.05) / (b + 0.05) }; });
}"""

TARGETS = """() => [...document.querySelectorAll(
    'button, .btn, input[type=checkbox], input[type=radio], select, .page-link, summary, ' +
    '.nav-link, .navbar-toggler, .btn-close')]
  .filter(e => e.offsetParent !== null && getComputedStyle(e).visibility !== 'hidden')
  .map(e => { const r = e.getBoundingClientRect();
              return { what: e.tagName + ' ' + (e.textContent.trim() || e.name || e.className)
                             .slice(0, 30), width: r.width, height: r.height }; })"""

# (Tab also stops on the calendar button inside a date field, which the browser draws itself:
# the field is then the active element without matching :focus.)
FOCUS = """() => { const e = document.activeElement, s = getComputedStyle(e);
  return { tag: e.tagName, cls: e.className, text: (e.textContent || '').trim().slice(0, 20),
           inside: !e.matches(':focus'),
           outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
           shadow: s.boxShadow !== 'none' }; }"""


def _staff_pages():
    """An admin who also belongs to a group (every nav link), and pages full of buttons."""
    admin = make_user(roles=[Role.ADMIN], name="系统管理员")
    group = make_organisation(admin, name="普陀区海韵志愿服务队", region="普陀区")
    round_ = make_round(title="2026年志愿服务集市创投项目",
                        opens_at=utcnow() - timedelta(days=20),
                        deadline_at=utcnow() - timedelta(hours=1))
    mine = make_application(round_, group, status=ApplicationStatus.SUBMITTED)
    make_application(round_, status=ApplicationStatus.SUBMITTED)
    review = make_review_round(title="2026年“文明实践”专项创投")
    reviewer = make_reviewer()
    for _ in range(2):
        make_assignment(make_application(review), reviewer)
    make_organizer()
    return admin, [
        "/", f"/rounds/{round_.id}", f"/review/rounds/{round_.id}",
        f"/review/rounds/{review.id}", f"/applications/{mine.id}",
        f"/applications/?round_id={round_.id}", f"/rounds/{round_.id}/pools/new",
        "/admin/users", "/admin/organisations", "/organisations/new",
    ]


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_nav_links_and_buttons_have_enough_contrast_and_tap_area(
        width, live_server, e2e_db, request, login, screenshot):
    page = request.getfixturevalue("phone_page" if width == "phone" else "page")
    admin, paths = _staff_pages()
    login(page, admin)
    low, small = [], []
    for path in paths:
        page.goto(live_server.url + path)
        if width == "phone":  # the links sit in the menu
            page.get_by_role("button", name="菜单").click()
            expect(page.locator("#nav")).to_be_visible()
        for item in page.evaluate(CONTRAST, ".navbar .nav-link, .navbar-brand, "
                                            ".navbar .navbar-text, .btn"):
            if item["ratio"] < 4.5:
                low.append(f"{path}: {item['text']!r} ({item['cls']}) {item['ratio']:.2f}:1")
        for item in page.evaluate(TARGETS):
            if item["width"] < 24 or item["height"] < 24:
                small.append(f"{path}: {item['what']!r} {item['width']:.0f}×"
                             f"{item['height']:.0f}")
        screenshot(page, f"a11y-{width}-{path.strip('/').replace('/', '-') or 'home'}")
    assert not low, "contrast below 4.5:1:\n" + "\n".join(low)
    assert not small, "tap targets under 24 × 24 px:\n" + "\n".join(small)


def test_every_button_shows_the_keyboard_focus(live_server, e2e_db, page, login, screenshot):
    admin, paths = _staff_pages()
    login(page, admin)
    missing, seen = [], set()
    for path in paths[:4]:
        page.goto(live_server.url + path)
        page.locator("body").click(position={"x": 1, "y": 1})  # start from the top
        for _ in range(60):
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUS)
            if focused["tag"] in ("BUTTON", "A", "INPUT", "SELECT", "TEXTAREA", "SUMMARY") \
                    and not focused["inside"]:
                seen.add(focused["cls"])
                if not (focused["outline"] or focused["shadow"]):
                    missing.append(f"{path}: {focused}")
            if "btn-brand" in focused["cls"]:
                screenshot(page, "a11y-focus-btn-brand")
    assert any("btn-brand" in c for c in seen), "no brand button was reached"
    assert any("nav-link" in c for c in seen)
    assert not missing, "no visible focus:\n" + "\n".join(missing)


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_the_navigation_bar_fits_one_row_at_1280_px(lang, live_server, e2e_db, page, login,
                                                     screenshot):
    admin, _ = _staff_pages()
    page.context.add_cookies([{"name": "lang", "value": lang, "url": live_server.url}])
    login(page, admin)
    page.goto(live_server.url + "/")
    bar = page.locator("nav.navbar")
    tops = page.evaluate("""() => [...document.querySelectorAll(
        '.navbar .nav-link, .navbar .navbar-text, .navbar .btn')]
        .filter(e => e.offsetParent !== null)
        .map(e => { const r = e.getBoundingClientRect(); return r.top + r.height / 2; })""")
    screenshot(page, f"navbar-{lang}-desktop-admin")
    assert max(tops) - min(tops) < 8, f"the links sit on several rows: {tops}"
    assert bar.bounding_box()["height"] <= 72
