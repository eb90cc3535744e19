"""With English chosen, every page reads in English: no Chinese is left outside data.

Every GET page of the app (walked from `app.url_map`, with ids from the demo data: a round in
each stage, an application in each status, …) is rendered for each kind of visitor —
anonymous, a group member, an organizer, a reviewer, finance, an admin, a department
contact — with the English cookie, error pages included. What may stay Chinese is *data*:
what people typed and the database holds (titles, names, organisation names, categories,
comments; JSON values too) and the place names the round is configured with (REGIONS).
Those strings are taken out of the page's text; what remains must hold no Han character and
no full-width punctuation (a "：" or "（" glued to English by a template). Text in another
language on purpose carries its `lang` attribute (the language switch's "中文") and is left
out as well.
"""
from __future__ import annotations

import html
import re
from collections import defaultdict
from html.parser import HTMLParser

from flask import url_for
from sqlalchemy import String, Text, func, select
from sqlalchemy.types import JSON

from marketplace.accounts.models import User
from marketplace.accounts.sitepages import SLUGS
from marketplace.accounts.tokens import make_token
from marketplace.applications.models import Application, Attachment
from marketplace.extensions import db
from marketplace.funds.models import Award, Tranche
from marketplace.funds.payment_models import Payment
from marketplace.funds.spending_models import Expense, FundingSource, Variation
from marketplace.organisations.models import Membership, Organisation
from marketplace.review.models import ReviewAssignment
from marketplace.rounds.models import (
    Challenge,
    ChallengeDraft,
    ChallengeInvitation,
    Department,
    Pool,
    Round,
)
from tests.conftest import IsolatedClient
from tests.factories import make_project, make_stats_round

# Han characters, and the full-width punctuation of Chinese text (、。「」（）：；，！？ …).
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")
ROLES = {
    "anonymous": None,
    "member": "member@demo.example.org",
    "organizer": "organizer@demo.example.org",
    "reviewer": "reviewer1@demo.example.org",
    "finance": "finance@demo.example.org",
    "admin": "admin@demo.example.org",
    "department": "department@demo.example.org",
}
# Tables holding text the app wrote itself (mail as sent), not what people typed.
RENDERED = {"outbox_message"}
MARKUP = re.compile(r"<[^>]*>|\n|[*_`#|]+|^\s*(?:[-+>]|\d+\.)\s", re.MULTILINE)
# What a person reads besides the text: a tooltip, a placeholder, a screen reader's label, the
# question an irreversible button asks.
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "data-confirm")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class ReadText(HTMLParser):
    """The text a person reads on a page: text nodes (the <title> too) and READ_ATTRIBUTES,
    without scripts, styles and elements marked with another `lang` than the page's."""

    def __init__(self, page_lang: str = "en"):
        super().__init__(convert_charrefs=True)
        self.page_lang = page_lang
        self.stack: list[tuple[str, bool]] = []  # (tag, text is left out)
        self.chunks: list[str] = []

    @property
    def skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        lang = attrs.get("lang")
        skip = (self.skipping or tag in ("script", "style")
                or (tag != "html" and lang is not None and not lang.startswith(self.page_lang)))
        if not skip:
            self.chunks += [attrs[a] for a in READ_ATTRIBUTES if attrs.get(a)]
        if tag not in VOID:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.chunks.append(data)


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def data_pattern(app) -> re.Pattern:
    """Every stored text value that holds Chinese, longest first, as one pattern."""
    found: set[str] = set(app.config["REGIONS"])
    # The built-in privacy policy and terms: documents in one wording, data until the admin
    # stores the organisation's own (accounts/sitepages.py).
    found.update(s for title, body in SLUGS.values() for s in (title, body))
    for table in db.metadata.sorted_tables:
        if table.name in RENDERED:
            continue
        for column in table.columns:
            if isinstance(column.type, String | Text | JSON):
                query = select(column).where(column.is_not(None))
                if not isinstance(column.type, JSON):  # PostgreSQL cannot compare json
                    query = query.distinct()
                values = db.session.scalars(query)
                found.update(s for v in values for s in _strings(v) if CHINESE.search(s))
    # Text shown line by line (a textarea, <br>) or as formatted text (a round's introduction
    # is HTML or Markdown): each piece between line breaks and markup is data too.
    found |= {piece.strip() for s in list(found) for piece in MARKUP.split(html.unescape(s))
              if CHINESE.search(piece)}
    ordered = sorted(found, key=len, reverse=True)
    return re.compile("|".join(re.escape(s) for s in ordered))


def leftovers(html: str, data: re.Pattern) -> set[str]:
    parser = ReadText()
    parser.feed(html)
    return {m for chunk in parser.chunks for m in CHINESE.findall(data.sub(" ", chunk))}


# --- the pages ---------------------------------------------------------------------------

def _first_per(rows, key) -> list[int]:
    chosen: dict = {}
    for row in rows:
        chosen.setdefault(key(row), row.id)
    return sorted(chosen.values())


def path_values(app) -> dict[str, list]:
    """Values for each URL argument: one object in each state, so every variant of a page
    (a round in each stage, an application in each status) is rendered."""
    rounds = db.session.scalars(select(Round).order_by(Round.id.desc())).all()
    applications = db.session.scalars(select(Application).order_by(Application.id)).all()
    reviewer = db.session.scalar(select(User).where(User.email == ROLES["reviewer"]))
    # The reviewer's proposals: one not started, one in draft, one submitted.
    assignments = db.session.scalars(select(ReviewAssignment).where(
        ReviewAssignment.reviewer_id == reviewer.id).order_by(ReviewAssignment.id)).all()
    assigned = _first_per(assignments, lambda a: a.review.status if a.review else None)
    assigned = [a.application_id for a in assignments if a.id in assigned]
    member = db.session.scalar(select(User).where(User.email == ROLES["member"]))
    own = list(db.session.scalars(select(Membership.organisation_id)
                                  .where(Membership.user_id == member.id)))
    first_attachment = db.session.scalar(select(Attachment).order_by(Attachment.id))
    application_ids = sorted(set(_first_per(applications, lambda a: (a.status, a.challenge_id
                                                                     is None)) + assigned))
    return {
        "round_id": _first_per(rounds, lambda r: r.status),
        "app_id": application_ids,
        "application_id": application_ids,
        "org_id": sorted(set(_first_per(db.session.scalars(select(Organisation)).all(),
                                        lambda o: o.status) + own)),
        "challenge_id": _first_per(db.session.scalars(select(Challenge)).all(),
                                   lambda c: c.round_id),
        "pool_id": _first_per(db.session.scalars(select(Pool)).all(), lambda p: p.kind),
        "invitation_id": db.session.scalars(select(ChallengeInvitation.id)).all()[:3],
        "department_id": db.session.scalars(select(Department.id)).all()[:2],
        "draft_id": _first_per(db.session.scalars(select(ChallengeDraft)).all(),
                               lambda d: d.status),
        "attachment_id": [first_attachment.id if first_attachment else 1],
        "source_id": db.session.scalars(select(FundingSource.id).order_by(FundingSource.id))
        .all()[:2],
        "expense_id": _first_per(db.session.scalars(select(Expense)).all(), lambda e: e.status),
        "variation_id": _first_per(db.session.scalars(select(Variation)).all(),
                                   lambda v: v.status),
        "award_id": _first_per(db.session.scalars(select(Award)).all(), lambda a: a.status),
        "slug": sorted(SLUGS),
        "tranche_id": _first_per(db.session.scalars(select(Tranche)).all(), lambda t: t.state),
        "payment_id": db.session.scalars(select(Payment.id).order_by(Payment.id)).all()[:1] or [1],
        "number": [1],
        "fmt": ["csv"],
        "kind": ["csv"],
        "code": ["en"],
        "token": [make_token("confirm", {"id": member.id, "email": member.email}),
                  make_token("reset", {"id": member.id, "h": member.password_hash[-16:]}),
                  "not-a-token"],
    }


def urls(app) -> tuple[list[tuple[str, str]], set[str]]:
    """(endpoint, url) for every GET page; and the arguments the walk cannot fill."""
    values = path_values(app)
    unknown: set[str] = set()
    found: list[tuple[str, str]] = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        missing = set(rule.arguments) - set(values)
        if missing:
            unknown |= {f"{rule.endpoint}: {a}" for a in missing}
            continue
        combos = [{}]
        for argument in sorted(rule.arguments):
            combos = [dict(c, **{argument: v}) for c in combos for v in values[argument]]
        found += [(rule.endpoint, url_for(rule.endpoint, **c)) for c in combos]
    # Pages that show more with a query: a pool's ranking, a challenge's rubric, filters.
    rounds = db.session.scalars(select(Round).where(Round.id.in_(values["round_id"]))).all()
    for round_ in rounds:
        found.append(("applications.index", url_for("applications.index", round_id=round_.id)))
        found.append(("stats.dashboard", url_for("stats.dashboard", round=round_.id)))
        found.append(("applications.new", url_for("applications.new", round_id=round_.id)))
        for pool in round_.pools[:2]:
            found.append(("review.ranking", url_for("review.ranking", round_id=round_.id,
                                                    pool_id=pool.id)))
        for challenge in round_.challenges[:1]:
            found.append(("review.rubric", url_for("review.rubric", round_id=round_.id,
                                                   challenge_id=challenge.id)))
            found.append(("applications.new",
                          url_for("applications.new", challenge_id=challenge.id)))
    for status in ("pending", "verified", "rejected"):
        found.append(("admin.organisations", url_for("admin.organisations", status=status)))
    return found, unknown


def _client(app, email: str | None) -> IsolatedClient:
    client = IsolatedClient(app, app.response_class)
    client.set_cookie("lang", "en", domain=app.config["SERVER_NAME"].split(":")[0])
    if email:
        user = db.session.scalar(select(User).where(User.email == email))
        with client.session_transaction() as session:
            session["_user_id"] = user.session_token
            session["_fresh"] = True
    return client


def test_a_page_with_english_chosen_keeps_chinese_only_in_data():
    """The checker itself: data and the language switch pass, glued punctuation does not."""
    data = re.compile("普陀区海韵志愿服务队|岱山县")
    page = ('<html lang="en"><head><title>Review · 普陀区海韵志愿服务队</title></head><body>'
            '<a lang="zh-CN" href="/language/zh_CN">中文</a><p>Only 岱山县</p>'
            '<button data-confirm="确定吗？">Go</button><p>Reviewer 1：80.00</p>'
            '<script>var s = "脚本";</script></body></html>')
    assert leftovers(page, data) == {"确定吗？", "："}


def test_every_page_reads_in_english_outside_data(demo):
    assert db.session.scalar(select(func.count(Round.id))) > 1, "the demo data is missing"
    data = data_pattern(demo)
    with demo.test_request_context():
        pages, unknown = urls(demo)
    assert not unknown, ("teach this test how to fill these URL arguments: "
                         + ", ".join(sorted(unknown)))
    problems: dict[str, set[str]] = defaultdict(set)
    seen_ok: set[str] = set()
    for role, email in ROLES.items():
        client = _client(demo, email)
        for endpoint, url in pages:
            response = client.get(url)
            assert response.status_code < 500, f"{role} {url}: {response.status_code}"
            if "text/html" not in response.content_type or 300 <= response.status_code < 400:
                continue
            html = response.get_data(as_text=True)
            assert '<html lang="en"' in html, f"{role} {url} is not in English"
            if response.status_code == 200:
                seen_ok.add(endpoint)
            for text in leftovers(html, data):
                problems[text].add(f"{role} {url} ({response.status_code})")
    report = [f"{text!r}: {', '.join(sorted(where)[:3])}"
              + (f" and {len(where) - 3} more" if len(where) > 3 else "")
              for text, where in sorted(problems.items())]
    assert not report, ("Chinese left on English pages (translate it, or keep punctuation "
                        "inside the translated string):\n" + "\n".join(report))
    # The walk reached the pages themselves, not only their refusals.
    for endpoint in ("review.proposal", "review.manage_round", "review.ranking",
                     "applications.detail", "applications.mine", "admin.audit_log",
                     "rounds.detail", "review.publicity", "stats.dashboard", "funds.project",
                     "funds.agreement", "funds.payee", "funds.payee_changes",
                     "funds.agreement_text", "admin.invitations"):
        assert endpoint in seen_ok, endpoint


def test_counts_read_as_english_plurals(app, client):
    """"1 awarded project" and "2 awarded projects", not "1 awarded projects" (ngettext)."""
    round_ = make_stats_round(2024)
    make_project(round_, region="定海区")
    make_project(round_, region="嵊泗县")
    make_project(round_, region="嵊泗县")
    client.set_cookie("lang", "en", domain=app.config["SERVER_NAME"].split(":")[0])
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'aria-label="定海区: 1 awarded project, ' in html
    assert 'aria-label="嵊泗县: 2 awarded projects, ' in html
