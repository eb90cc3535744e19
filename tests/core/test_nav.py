"""The navigation bar is built from what each domain registers (core/nav.py): every person
keeps the links they had, base.html holds no role test and no list of domains, and a domain
adds a link — with a count — without touching the layout."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from marketplace.accounts import roles
from marketplace.accounts.models import Role
from marketplace.core import nav
from tests.factories import make_organisation, make_user

ROOT = Path(__file__).resolve().parents[2]

PUBLIC = ["首页", "创投集市", "立项公示", "数据总览"]
STAFF = ["新建创投集市", "命题部门", "评审与立项", "申报管理", "历史数据"]
ADMIN = ["组织审核", "用户与角色", "邀请用户", "审计日志", "隐私政策与用户协议"]

# person -> (links in the bar, the 工作台 menu, the 系统管理 menu), in drawing order. 我的组织 and
# 我的申报 are the group side's: staff see them only when they belong to a group (issue 11).
SEEN = {
    "anonymous": (PUBLIC, [], []),
    "member": (PUBLIC + ["我的组织", "我的申报"], [], []),
    "signed in, no group yet": (PUBLIC + ["我的组织", "我的申报"], [], []),
    "reviewer": (PUBLIC + ["我的评审任务"], [], []),
    "finance": (PUBLIC, ["财务工作台"], []),
    "organizer": (PUBLIC, STAFF + ["组织审核"], []),
    "organizer in a group": (PUBLIC + ["我的组织", "我的申报"], STAFF + ["组织审核"], []),
    # An admin may do everything an organizer may; 组织审核 sits in the admin's own menu.
    "admin": (PUBLIC, STAFF, ADMIN),
    "organizer and admin": (PUBLIC, STAFF, ADMIN),
}


def _bar(html: str) -> tuple[list[str], list[str], list[str]]:
    bar = html.split('<ul class="navbar-nav me-auto">')[1].split(
        '<ul class="navbar-nav align-items-xl-center">')[0]

    def menu(testid: str) -> list[str]:
        if f'data-testid="{testid}"' not in bar:
            return []
        items = bar.split(f'data-testid="{testid}"')[1].split("</ul>")[0]
        return re.findall(r'class="dropdown-item" href="[^"]+">([^<]+)<', items)

    return (re.findall(r'class="nav-link" href="[^"]+">([^<]+)<', bar), menu("staff-menu"),
            menu("admin-menu"))


@pytest.mark.parametrize("person", list(SEEN))
def test_each_person_sees_the_links_of_their_roles(app, client, login_as, person):
    if person != "anonymous":
        kinds = {"member": [], "signed in, no group yet": [], "reviewer": [Role.REVIEWER],
                 "finance": [Role.FINANCE], "organizer": [Role.ORGANIZER],
                 "organizer in a group": [Role.ORGANIZER], "admin": [Role.ADMIN],
                 "organizer and admin": [Role.ORGANIZER, Role.ADMIN]}[person]
        user = make_user(roles=kinds)
        if person in ("member", "organizer in a group"):
            make_organisation(user)
        client = login_as(user)
    assert _bar(client.get("/").get_data(as_text=True)) == SEEN[person]


def test_every_link_opens_for_those_who_see_it(app, login_as):
    client = login_as(make_user(roles=[Role.ORGANIZER, Role.ADMIN, Role.REVIEWER]))
    html = client.get("/").get_data(as_text=True)
    bar = html.split('<ul class="navbar-nav me-auto">')[1].split(
        '<ul class="navbar-nav align-items-xl-center">')[0]
    hrefs = set(re.findall(r'class="(?:nav-link|dropdown-item)" href="(/[^"]*)"', bar))
    assert len(hrefs) >= len(PUBLIC + STAFF + ADMIN)
    for href in sorted(hrefs):
        assert client.get(href).status_code == 200, href


def test_base_html_holds_no_role_test_and_no_list_of_domains():
    layout = (ROOT / "templates" / "base.html").read_text(encoding="utf-8")
    bar = layout.split('<ul class="navbar-nav me-auto">')[1].split("</ul>\n      <ul")[0]
    assert "has_role" not in layout and "Role." not in layout
    assert "_nav_links" not in layout
    assert "url_for(" not in bar  # every link of the bar comes from the registry


@pytest.fixture
def extra_link():
    """A link a later domain might add (issue 11's counts), removed again afterwards."""
    counts = {"n": 3}
    entry = nav.register("mine", "待办事项", "public.healthz", visible=roles.is_signed_in,
                         order=5, badge=lambda user: counts["n"])
    yield counts
    del nav._REGISTRY[(entry.section, entry.endpoint)]


def test_a_domain_adds_a_link_with_a_count_without_touching_the_layout(app, login_as,
                                                                       extra_link):
    client = login_as(make_user())
    html = client.get("/").get_data(as_text=True)
    assert _bar(html)[0][len(PUBLIC)] == "待办事项"  # order 5: before 我的组织 (10)
    assert 'href="/healthz">待办事项<span class="badge rounded-pill text-bg-light ms-1" ' \
           'data-testid="nav-badge">3</span>' in html
    extra_link["n"] = 0
    html = client.get("/").get_data(as_text=True)
    assert "待办事项" in html and 'data-testid="nav-badge"' not in html


def test_a_link_is_registered_once_however_often_its_module_is_imported(app, extra_link):
    before = len(nav.entries("mine"))
    nav.register("mine", "待办事项", "public.healthz", visible=roles.is_signed_in, order=5)
    assert len(nav.entries("mine")) == before


def test_an_unknown_section_is_refused():
    with pytest.raises(ValueError, match="sidebar"):
        nav.register("sidebar", "x", "public.home")
