"""Every foundation page renders, in Chinese and English, at phone and desktop width.

The walk saves a screenshot of each page (test-artifacts/screenshots/pages-<lang>-<width>-*.png)
for a person to look at; the assertions keep it from silently rotting: the status, a key text,
the page's language, no sideways scrolling on a phone, and no Chinese left on an English page
(apart from the language switch and data such as district names).
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from marketplace.accounts.models import Role, User
from marketplace.accounts.tokens import make_token
from marketplace.audit.services import record
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db, limiter
from marketplace.organisations.models import Invitation, OrganisationStatus
from tests.e2e.helpers import mail_link
from tests.factories import PASSWORD, make_organisation, make_user

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]+")
DATA_IN_CHINESE = {"中文", "定海区", "普陀区", "岱山县", "嵊泗县", "新城", "市直"}


class Walk:
    def __init__(self, page, lang: str, width: str, base: str, screenshot):
        self.page, self.lang, self.width, self.base = page, lang, width, base
        self._screenshot = screenshot
        self.seen: list[str] = []
        self.untranslated: dict[str, set[str]] = {}

    def t(self, zh: str, en: str) -> str:
        return zh if self.lang == "zh_CN" else en

    def set_language_cookie(self) -> None:
        self.page.context.add_cookies([{"name": "lang", "value": self.lang, "url": self.base}])

    def goto(self, path: str, status: int = 200):
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == status, (
            f"{path}: {response.status if response else 'no response'}")

    def check(self, name: str, key_text: str, status: int | None = None) -> None:
        """The page now shown: language, key text, layout, translation; then a screenshot."""
        page = self.page
        expect(page.locator("html")).to_have_attribute(
            "lang", "zh-CN" if self.lang == "zh_CN" else "en")
        expect(page.locator("main")).to_contain_text(key_text)
        if self.width == "phone":
            scroll, window = page.evaluate(
                "() => [document.documentElement.scrollWidth, window.innerWidth]")
            assert scroll <= window, f"{name}: {scroll}px wide in a {window}px window"
        if self.lang == "en":
            text = page.evaluate("() => document.body.innerText")
            leftovers = set(CJK.findall(text)) - DATA_IN_CHINESE
            if leftovers:  # reported at the end, so the walk still looks at every page
                self.untranslated[name] = leftovers
        self._screenshot(page, f"pages-{self.lang}-{self.width}-{name}")
        self.seen.append(name)

    def submit(self, button_name: str, form=None) -> int:
        """Click a submit button; return the status of the page the form led to."""
        scope = form if form is not None else self.page.locator("main")
        with self.page.expect_navigation() as navigation:
            scope.get_by_role("button", name=button_name, exact=True).first.click()
        return navigation.value.status

    def log_in(self, user) -> None:
        self.page.context.clear_cookies()
        self.set_language_cookie()
        self.goto("/login")
        self.page.get_by_label(self.t("邮箱", "E-mail")).fill(user.email)
        self.page.get_by_label(self.t("密码", "Password"), exact=True).fill(PASSWORD)
        assert self.submit(self.t("登录", "Log in")) == 200
        assert self.page.url == self.base + "/", f"login as {user.email} failed"


def _people(lang: str):
    """Users and organisations; English runs get English names so leftovers stand out."""
    def n(zh, en):
        return zh if lang == "zh_CN" else en

    admin = make_user("admin@example.org", roles=[Role.ADMIN], name=n("周管理", "Ada Admin"),
                      locale=lang)
    organizer = make_user("organizer@example.org", roles=[Role.ORGANIZER],
                          name=n("团市委 陈老师", "Olivia Organizer"), locale=lang)
    owner = make_user("owner@example.org", name=n("王小明", "Oscar Owner"), locale=lang)
    member = make_user("member@example.org", name=n("李小红", "Mia Member"), locale=lang)
    make_user("reviewer@example.org", roles=[Role.REVIEWER, Role.FINANCE],
              name=n("赵专家", "Rita Reviewer"), locale=lang)
    make_user("new@example.org", confirmed=False, name=n("刚注册", "Nina New"), locale=lang)
    make_user("gone@example.org", disabled_at=utcnow(), name=n("已停用", "Dan Disabled"),
              locale=lang)
    organisation = make_organisation(
        owner, status=OrganisationStatus.PENDING, members=[member], region="岱山县",
        name=n("岱山海岛青年志愿服务队", "Daishan Island Youth Volunteers"),
        contact_name=n("王小明", "Oscar Owner"), address=n("岱山县高亭镇", "Gaoting, Daishan"),
        introduction=n("我们在海岛社区开展助老和环保活动。\n每周六集合。",
                       "We help older people and clean beaches on the island.\nEvery Saturday."))
    db.session.add(Invitation(organisation=organisation, email="invitee@example.org",
                              invited_by_id=owner.id))
    verified = make_organisation(make_user(name=n("张三", "Sam Smith"), locale=lang),
                                 status=OrganisationStatus.VERIFIED,
                                 name=n("定海社区服务社", "Dinghai Community Service"))
    record("organisation.verify", verified, actor=organizer, before={"status": "pending"},
           after={"status": "verified"})
    db.session.commit()
    return admin, organizer, owner, organisation


@pytest.mark.parametrize("width", ["phone", "desktop"])
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_foundation_page_renders(lang, width, request, live_server, e2e_db, deliver_mail,
                                       screenshot):
    page = request.getfixturevalue("phone_page" if width == "phone" else "page")
    walk = Walk(page, lang, width, live_server.url, screenshot)
    t = walk.t
    admin, organizer, owner, organisation = _people(lang)
    walk.set_language_cookie()

    # Anonymous pages.
    walk.goto("/")
    walk.check("home", t("正在征集的项目", "Open calls"))
    walk.goto("/register")
    walk.check("register", t("注册账号", "Create an account"))
    assert walk.submit(t("注册", "Register")) == 422  # the form again, refused
    # Error wording may be shared with other catalogs; the count of field messages is ours.
    expect(page.locator("main .invalid-feedback")).to_have_count(5)
    walk.check("register-errors", t("注册账号", "Create an account"))
    page.get_by_label(t("姓名", "Name")).fill(t("新用户", "Nora Newcomer"))
    page.get_by_label(t("邮箱", "E-mail")).fill("newcomer@example.org")
    page.get_by_label(t("密码", "Password"), exact=True).fill(PASSWORD)
    page.get_by_label(t("再次输入密码", "Repeat password")).fill(PASSWORD)
    page.locator("#agree").check()
    assert walk.submit(t("注册", "Register")) == 200
    walk.check("check-email", "newcomer@example.org")
    walk.goto("/login")
    walk.check("login", t("忘记密码？", "Forgot your password?"))
    walk.goto("/password/forgot")
    walk.check("forgot-password", t("发送重置链接", "Send reset link"))
    page.get_by_label(t("邮箱", "E-mail")).fill(owner.email)
    assert walk.submit(t("发送重置链接", "Send reset link")) == 200
    walk.check("forgot-password-sent", t("重置密码的链接已发送", "password reset link"))
    [reset_mail] = deliver_mail(to=owner.email)
    walk.page.goto(mail_link(reset_mail, "/password/reset/"))
    walk.check("reset-password", t("设置新密码", "Set a new password"))
    unconfirmed = db.session.scalar(select(User).where(User.email == "new@example.org"))
    walk.goto("/confirm/" + make_token("confirm", {"id": unconfirmed.id,
                                                   "email": unconfirmed.email}))
    walk.check("confirm-email", t("确认这个邮箱属于你", "belongs to you"))
    walk.goto("/no-such-page", status=404)
    walk.check("404", t("找不到页面", "Page not found"))

    # The organisation's owner.
    walk.log_in(owner)
    walk.goto("/organisations/")
    walk.check("organisations", organisation.name)
    walk.goto("/organisations/new")
    assert walk.submit(t("提交审核", "Submit for review")) == 422
    expect(page.locator("main .invalid-feedback")).to_have_count(4)
    walk.check("organisation-form-errors",
               t("登记志愿服务组织", "Register a volunteer organisation"))
    walk.goto(f"/organisations/{organisation.id}")
    walk.check("organisation-owner", t("组织正在等待团市委审核", "awaits review"))
    expect(page.locator("main")).to_contain_text("invitee@example.org")
    expect(page.get_by_role("heading", name=t("组织成员", "Members"))).to_be_visible()
    expect(page.locator("main .list-group-item").first).to_contain_text(owner.name)

    # An organizer reviews it.
    walk.log_in(organizer)
    walk.goto(f"/organisations/{organisation.id}")
    walk.check("organisation-organizer", t("不通过的理由", "Reason for rejection"))
    expect(page.get_by_role("button", name=t("通过认证", "Verify"))).to_be_visible()
    walk.goto("/admin/organisations")
    walk.check("admin-organisations", organisation.name)

    # The system administrator.
    walk.log_in(admin)
    if width == "phone":
        page.locator(".navbar-toggler").click()
    page.get_by_test_id("admin-menu").click()
    page.get_by_role("link", name=t("用户与角色", "Users and roles")).click()
    expect(page).to_have_url(live_server.url + "/admin/users")
    walk.check("admin-users", t("邮箱未确认", "E-mail not confirmed"))
    walk.goto("/admin/audit")
    walk.check("audit-log", t("审核通过了组织", "verified the organisation"))

    # Too many failed logins for one account: 429.
    page.context.clear_cookies()
    walk.set_language_cookie()
    walk.goto("/login")
    status = 200
    for _ in range(8):
        page.get_by_label(t("邮箱", "E-mail")).fill("owner@example.org")
        page.get_by_label(t("密码", "Password"), exact=True).fill("not-the-password")
        status = walk.submit(t("登录", "Log in"))
        if status == 429:
            break
    assert status == 429
    walk.check("429", t("操作太频繁", "Too many requests"))
    limiter.reset()

    assert len(walk.seen) == 18
    assert not walk.untranslated, f"Chinese left on English pages: {walk.untranslated}"
