"""The navigation bar is a registry: each domain adds its own links, base.html only draws them.

A domain registers its links once, at import, in its views module (`core.nav`):

    nav.register("staff", _l("评审与立项"), "review.rounds", visible=roles.is_organizer,
                 order=20)

`visible(user)` decides who sees the link: a role from `accounts/roles.py` or the policy
question the page itself asks (a truthy `Decision`), so the link shows exactly to those the
page lets in; `badge(user)`, when given, returns a count shown beside the label (None or 0 shows
none). Sections are drawn in the order of SECTIONS: the first two as links in the bar, the
others as a dropdown titled with the section's label (with the sum of its links' counts),
shown only when it has a link. The section "account" sits at the bar's end, beside the
person's name (站内消息), where a link with an `icon` shows the icon instead of its label
when the bar is wide (the label is its accessible name, and is shown in the phone's menu).
`nav_links(section)` (a template global) gives the links the current user sees, worked out
once per request; `nav_total()` the sum of their counts, which the collapsed menu's button
shows on a phone.

A domain may also put a count on a link another domain registered, without touching it:

    nav.badge("review.queue", reviews_waiting)   # review/todo.py: on 我的评审任务

A count is asked on every page, so it is one statement (or none: `core.request_cache.
per_request` shares it with the home page's to-do list, core/todo.py).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import has_request_context, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace.core.request_cache import request_store


@dataclass(frozen=True)
class Section:
    key: str
    label: object = None   # a (lazy) translated string; None: links sit in the bar itself
    testid: str = ""        # the dropdown's data-testid (browser tests open it by this)


SECTIONS = (
    Section("public"),
    Section("mine"),
    Section("staff", _l("工作台"), "staff-menu"),
    Section("admin", _l("系统管理"), "admin-menu"),
)
# Drawn apart, at the end of the bar beside the person's name: what is about the account.
ACCOUNT = Section("account")
_SECTION_KEYS = frozenset(s.key for s in SECTIONS) | {ACCOUNT.key}


def everyone(user) -> bool:
    return True


@dataclass(frozen=True)
class NavEntry:
    section: str
    label: object  # a (lazy) translated string, from the registering domain's catalog
    endpoint: str
    visible: Callable[[object], object] = everyone  # truthy: shown
    order: int = 100
    badge: Callable[[object], int | None] | None = None
    icon: str = ""  # in the "account" section: drawn instead of the label on a wide bar


@dataclass(frozen=True)
class NavLink:
    """One link as drawn for the current user."""
    href: str
    label: str
    badge: int | None = None
    icon: str = ""


_REGISTRY: dict[tuple[str, str], NavEntry] = {}
_BADGES: dict[str, Callable[[object], int | None]] = {}


def register(section: str, label, endpoint: str, visible: Callable[[object], object] = everyone,
             order: int = 100, badge: Callable[[object], int | None] | None = None,
             icon: str = "") -> NavEntry:
    """Add a link to a section. One link per endpoint and section: registering it again (a
    module imported twice) replaces it instead of drawing it twice."""
    if section not in _SECTION_KEYS:
        raise ValueError(f"unknown nav section {section!r}; one of {sorted(_SECTION_KEYS)}")
    entry = NavEntry(section, label, endpoint, visible, order, badge, icon)
    _REGISTRY[(section, endpoint)] = entry
    return entry


def badge(endpoint: str, count: Callable[[object], int | None]) -> None:
    """Show `count(user)` beside every link to `endpoint` that has no count of its own: how a
    domain puts a number on a link it does not own. Registering again replaces it."""
    _BADGES[endpoint] = count


def entries(section: str) -> list[NavEntry]:
    """Every link registered in a section, in drawing order (whoever may see it)."""
    return sorted((e for e in _REGISTRY.values() if e.section == section),
                  key=lambda e: (e.order, e.endpoint))


def _count(entry: NavEntry, user) -> int | None:
    count = entry.badge or _BADGES.get(entry.endpoint)
    return count(user) if count else None


def nav_links(section: str) -> list[NavLink]:
    """The links of a section the current user sees, with their counts (once per request:
    the bar asks for them twice, for the links and for the menu button's total)."""
    drawn = request_store().setdefault("nav_links", {}) if has_request_context() else {}
    if section not in drawn:
        user = current_user._get_current_object()
        drawn[section] = [NavLink(url_for(e.endpoint), str(e.label), _count(e, user), e.icon)
                          for e in entries(section) if e.visible(user)]
    return drawn[section]


def nav_total() -> int:
    """The sum of every count in the bar, for the collapsed menu's button on a phone."""
    return sum(link.badge or 0 for s in (*SECTIONS, ACCOUNT) for link in nav_links(s.key))
