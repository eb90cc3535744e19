"""The pages the admin writes — the privacy policy (隐私政策) and the terms (用户协议) — in
Markdown, kept in versions, and the consent a person gives to them when registering.

Until the admin saves a page, its built-in text (below) is the current one, as version 1: it
is stored the first time someone agrees to it, so every consent names a stored version — the
text agreed to, and when. An admin's edit adds the next version; earlier consents keep
naming the version their person agreed to.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.accounts import policy
from marketplace.accounts.models import Consent, SitePage, User
from marketplace.audit.services import record
from marketplace.core.locks import named_lock
from marketplace.core.policy import NotAllowed, require
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db

TITLE_LENGTH = SitePage.title.property.columns[0].type.length
BODY_LENGTH = 50_000


@dataclass(frozen=True)
class Page:
    """A page as shown: a stored version, or the built-in text before any was stored."""

    slug: str
    version: int
    title: str
    body: str
    stored: SitePage | None = None
    created_at: datetime | None = None


# slug -> (title, built-in text). The admin replaces the text with the organisation's own. Not
# translated: a page is a document in one wording, the one a consent names (the admin's text
# is data too).
SLUGS = {
    "privacy": ("隐私政策", (
        "## 我们收集哪些信息\n\n"
        "注册时收集你的姓名、邮箱和（可选的）手机号码；登记组织和申报项目时收集组织信息、"
        "项目内容和附件。\n\n"
        "## 信息用于什么\n\n"
        "仅用于创投集市的申报、评审、立项公示、资金拨付和项目管理，以及向你发送相关通知。"
        "立项公示会公开项目名称、申报组织、类别和资助金额。\n\n"
        "## 谁能看到\n\n"
        "团市委工作人员、受邀评审专家（仅限分配给他们的项目）和系统管理员。手机号码对其他用户"
        "只显示部分数字。\n\n"
        "## 联系我们\n\n"
        "如需查询、更正或删除你的信息，请联系共青团市委。")),
    "terms": ("用户协议", (
        "## 账号\n\n"
        "请使用真实姓名和有效邮箱注册，妥善保管密码，不要与他人共用账号。\n\n"
        "## 申报内容\n\n"
        "申报组织对所填信息和上传材料的真实性负责；同一项目不得重复申报。\n\n"
        "## 资金使用\n\n"
        "获得资助的项目须按预算和协议使用资金，接受团市委的检查和验收。\n\n"
        "## 公示\n\n"
        "拟立项项目在平台上公示，任何单位和个人可以在公示期内提出异议。")),
}


def _latest(slug: str) -> SitePage | None:
    return db.session.scalar(select(SitePage).where(SitePage.slug == slug)
                             .order_by(SitePage.version.desc()).limit(1))


def current_page(slug: str) -> Page:
    """The version in force (read only: a page that is only looked at writes nothing)."""
    if slug not in SLUGS:
        raise KeyError(slug)
    stored = _latest(slug)
    if stored is not None:
        return Page(slug, stored.version, stored.title, stored.body, stored, stored.created_at)
    title, body = SLUGS[slug]
    return Page(slug, 1, title, body)


def _stored_current(slug: str) -> SitePage:
    """The version in force as a row: the built-in text is stored as version 1 the first time
    it is needed. Under a lock per page, so two at once store it once."""
    named_lock(f"site_page:{slug}")
    stored = _latest(slug)
    if stored is None:
        page = current_page(slug)
        stored = SitePage(slug=slug, version=1, title=page.title, body=page.body)
        db.session.add(stored)
        db.session.flush()
    return stored


def record_consent(user: User, now: datetime | None = None) -> list[Consent]:
    """`user` agrees to the versions of every page in force now."""
    now = now or utcnow()
    consents = []
    for slug in SLUGS:
        page = _stored_current(slug)
        consent = Consent(user_id=user.id, site_page_id=page.id, agreed_at=now)
        db.session.add(consent)
        consents.append(consent)
    db.session.flush()
    record("user.consent", user, actor=user,
           after={"pages": {c.page.slug: c.page.version for c in consents},
                  "agreed_at": now})
    return consents


def publish_page(actor: User, slug: str, title: str, body: str) -> SitePage:
    """The admin's new version of a page. Saving the same text again adds nothing."""
    require(policy.can_edit_site_pages(actor))
    if slug not in SLUGS:
        raise NotAllowed(_l("找不到该页面。"))
    title, body = (title or "").strip(), (body or "").replace("\r\n", "\n").strip()
    if not title:
        raise NotAllowed(_l("请填写标题。"), field="title")
    if len(title) > TITLE_LENGTH:
        raise NotAllowed(_l("标题不能超过 %(n)d 个字。", n=TITLE_LENGTH), field="title")
    if not body:
        raise NotAllowed(_l("请填写正文。"), field="body")
    if len(body) > BODY_LENGTH:
        raise NotAllowed(_l("正文不能超过 %(n)d 个字。", n=BODY_LENGTH), field="body")
    named_lock(f"site_page:{slug}")
    latest = _latest(slug)
    if latest is not None and (latest.title, latest.body) == (title, body):
        return latest
    version = (db.session.scalar(select(func.max(SitePage.version))
                                 .where(SitePage.slug == slug)) or 0) + 1
    page = SitePage(slug=slug, version=version, title=title, body=body,
                    created_by_id=actor.id)
    db.session.add(page)
    db.session.flush()
    record("site_page.publish", page, actor=actor, after={"slug": slug, "version": version,
                                                          "title": title})
    return page


def consents_of(user: User) -> list[Consent]:
    return list(db.session.scalars(select(Consent).where(Consent.user_id == user.id)
                                   .order_by(Consent.id)))
