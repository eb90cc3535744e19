"""One `status_badge` macro: every status enum carries its label and its tone, and every page
draws a status through the macro."""
from __future__ import annotations

import enum
import re
from pathlib import Path

import pytest
from flask import render_template_string

from marketplace import DOMAINS
from marketplace.applications.models import ApplicationStatus
from marketplace.organisations.models import OrganisationStatus
from marketplace.rounds.models import RoundStatus

ROOT = Path(__file__).resolve().parents[2]
TONES = {"secondary", "info", "primary", "warning", "success", "danger", "dark"}


def _status_enums() -> list[type[enum.Enum]]:
    found = []
    for domain in DOMAINS:
        if hasattr(domain, "models"):
            module = domain.models
            found += [value for name, value in vars(module).items()
                      if isinstance(value, type) and issubclass(value, enum.Enum)
                      and value.__module__ == module.__name__
                      and (name.endswith("Status") or name == "InvitationAnswer")]
    return found


def test_the_status_enums_are_all_found():
    names = {e.__name__ for e in _status_enums()}
    assert {"ApplicationStatus", "RoundStatus", "OrganisationStatus", "AwardStatus",
            "ReviewStatus", "AssignmentStatus", "ObjectionStatus", "InvitationAnswer",
            "InvitationStatus", "OutboxStatus"} <= names


@pytest.mark.parametrize("status_enum", _status_enums(), ids=lambda e: e.__name__)
def test_every_status_has_a_label_and_a_tone(app, status_enum):
    for status in status_enum:
        assert status.label and status.label != status.value, status
        assert status.tone in TONES, status


@pytest.mark.parametrize("status, tone, label", [
    (ApplicationStatus.RETURNED, "warning", "退回修改"),
    (RoundStatus.OPEN, "success", "征集中"),
    (OrganisationStatus.PENDING, "warning", "待审核"),
])
def test_the_badge_shows_the_label_in_the_status_tone(app, status, tone, label):
    with app.test_request_context("/"):
        html = render_template_string(
            '{% from "_macros.html" import status_badge %}{{ status_badge(s) }}', s=status)
    assert html == (f'<span class="badge text-bg-{tone}" data-status="{status.value}">'
                    f'{label}</span>')


def test_pages_draw_statuses_only_through_the_macro():
    adhoc = re.compile(r'class="badge[^"]*"[^>]*>\s*\{\{[^}]*status')
    for path in sorted((ROOT / "templates").rglob("*.html")):
        if path.name == "_macros.html" and path.parent.name == "templates":
            continue  # the macro itself
        text = path.read_text(encoding="utf-8")
        assert not adhoc.search(text), path
        assert "org_status_badge" not in text and "phase_badge" not in text, path
    assert "macro status_badge" not in (ROOT / "templates" / "applications" /
                                        "_macros.html").read_text(encoding="utf-8")
