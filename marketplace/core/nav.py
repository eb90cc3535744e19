"""The navigation bar is a registry: each domain adds its own links, base.html only draws them.

A domain registers its links once, at import, in its views module (`core.nav`):

    nav.register("staff", _l("评审与立项"), "review.rounds", visible=roles.is_organizer,
                 order=20)

`visible(user)` decides who sees the link: a role from `accounts/roles.py` or the policy
question the page itself asks (a truthy `Decision`), so the link shows exactly to those the
page lets in; `badge(user)`, when given, returns a count shown beside the label (None or 0 shows
none). Sections are drawn in the order of SECTIONS: the first two as links in the bar, the
others as a dropdown titled with the section's label, shown only when it has a link.
`nav_links(section)` (a template global) gives the links the current user sees.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user


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
_SECTION_KEYS = frozenset(s.key for s in SECTIONS)


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


@dataclass(frozen=True)
class NavLink:
    """One link as drawn for the current user."""
    href: str
    label: str
    badge: int | None = None


_REGISTRY: dict[tuple[str, str], NavEntry] = {}


def register(section: str, label, endpoint: str, visible: Callable[[object], object] = everyone,
             order: int = 100, badge: Callable[[object], int | None] | None = None) -> NavEntry:
    """Add a link to a section. One link per endpoint and section: registering it again (a
    module imported twice) replaces it instead of drawing it twice."""
    if section not in _SECTION_KEYS:
        raise ValueError(f"unknown nav section {section!r}; one of {sorted(_SECTION_KEYS)}")
    entry = NavEntry(section, label, endpoint, visible, order, badge)
    _REGISTRY[(section, endpoint)] = entry
    return entry


def entries(section: str) -> list[NavEntry]:
    """Every link registered in a section, in drawing order (whoever may see it)."""
    return sorted((e for e in _REGISTRY.values() if e.section == section),
                  key=lambda e: (e.order, e.endpoint))


def nav_links(section: str) -> list[NavLink]:
    """The links of a section the current user sees, with their counts."""
    user = current_user._get_current_object()
    return [NavLink(url_for(e.endpoint), str(e.label), e.badge(user) if e.badge else None)
            for e in entries(section) if e.visible(user)]
