"""The project agreement (项目协议书): the round's text with its fields, the PDF of each award's
agreement, signing it in the app or through a stamped scan the organizer confirms, and the
gate it is for the first tranche.

The text is the organizer's, per round (AgreementText; until saved, DEFAULT_*). Fields in
braces are filled in per award (FIELDS). The document is Chinese whatever the reader's
language (it is the one both parties sign) and deterministic (funds/agreement_pdf.py), so the
SHA-256 shown on the page is the one of the bytes the group signs: signing compares the two
and refuses if the document changed in between (the text, the amount, the payee), and the
bytes are stored — the signed document never changes afterwards.

Before the group may sign, every `hooks.AGREEMENT_PREREQUISITES` check must pass (the
revised budget, the payee recorded). At signing the organisation's confirmed payee account is
copied onto the award (funds/payees.py).
"""
from __future__ import annotations

import hashlib
import os
import secrets
import string
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.applications.attachments import check_file, clean_filename
from marketplace.applications.models import Application
from marketplace.audit.services import record
from marketplace.core.files import remove_after_commit, remove_on_rollback, upload_folder
from marketplace.core.locks import lock_rows
from marketplace.core.money import format_yuan
from marketplace.core.policy import NotAllowed, require
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.funds import hooks, payees
from marketplace.funds import payee_policy as policy
from marketplace.funds.agreement_models import (
    Agreement,
    AgreementStatus,
    AgreementText,
    SigningMethod,
)
from marketplace.funds.agreement_pdf import AgreementDocument, render_agreement
from marketplace.funds.agreement_workflow import AGREEMENT
from marketplace.funds.models import Award
from marketplace.funds.services import lock_for_money
from marketplace.rounds.models import Round, TrancheGate

AGREEMENT_LOCALE = "zh_CN"
MAX_BODY = 20000
MAX_DUTIES = 5000
MAX_SIGNER = 60
MAX_REASON = 1000
SCAN_KINDS = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}

# The fields a text may use, with what each becomes (documented on the organizer's form).
FIELDS = {
    "organisation": _l("申报组织名称"),
    "project": _l("项目名称"),
    "round": _l("创投集市（年度项目）名称"),
    "amount": _l("立项（资助）金额"),
    "tranches": _l("分期拨付计划：每期的比例、金额和拨付条件"),
    "duties": _l("报告义务（下方“报告义务”一栏的内容）"),
    "rules_version": _l("所依据的资金管理办法及其版本（下方一栏）"),
    "payee": _l("收款账户（户名、开户行、隐去中间位的账号；依托单位）"),
    "number": _l("协议编号"),
}

DEFAULT_TITLE = "志愿服务创投项目协议书"
DEFAULT_BODY = """甲方：共青团市委（以下简称甲方）
乙方：{organisation}（以下简称乙方）

经{round}专家评审和公示，乙方申报的“{project}”项目予以立项，资助金额为{amount}。为规范项目实施和资金使用，双方约定如下：

一、资助资金分期拨付：
{tranches}

二、乙方的报告义务：
{duties}

三、资助资金汇入乙方收款账户：{payee}。资金专款专用，按经确认的预算执行；调整预算或变更项目须事先经甲方同意。

四、本协议依据{rules_version}订立，未尽事宜按该办法执行。

五、本协议自乙方在线确认或盖章确认之日起生效。"""
DEFAULT_DUTIES = ("按期提交项目进展报告（本期工作进展、下期工作计划）；接受中期评估和实地评估；"
                  "如实登记资金使用并保存票据；项目结束后提交结项材料并接受验收。")
DEFAULT_RULES_VERSION = "《志愿服务创投项目资金管理方案》（现行版本）"
GATE_TEXT = {
    TrancheGate.ON_AWARD: "立项后拨付",
    TrancheGate.AFTER_AGREEMENT: "协议书签署后拨付",
    TrancheGate.AFTER_REPORT: "进展报告通过后拨付",
    TrancheGate.AFTER_MIDTERM: "中期评估合格后拨付",
    TrancheGate.AFTER_ACCEPTANCE: "验收合格后拨付",
}


# --- the round's text -------------------------------------------------------------------------

def text_for(round_id: int) -> AgreementText:
    """The round's text, or the default one (not stored: a page that only looks writes
    nothing)."""
    found = db.session.get(AgreementText, round_id)
    if found is not None:
        return found
    return AgreementText(round_id=round_id, title=DEFAULT_TITLE, body=DEFAULT_BODY,
                         duties=DEFAULT_DUTIES, rules_version=DEFAULT_RULES_VERSION, version=0)


def template_problem(body: str) -> str | None:
    """Why a text cannot be filled in (a brace left open, a field that does not exist)."""
    try:
        parsed = list(string.Formatter().parse(body))
    except ValueError:
        return str(_l("花括号不成对：字段写作 {organisation} 这样；"
                      "正文中要写花括号本身，请写两个 {{ 或 }}。"))
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in FIELDS or spec or conversion:
            return str(_l("没有字段“%(name)s”；可用的字段见下方说明。", name=name))
    return None


def update_text(actor, round_: Round, title: str, body: str, duties: str,
                rules_version: str) -> AgreementText:
    """The organizer sets the round's agreement text (the next version). Agreements already
    signed keep the document they were signed on."""
    require(policy.can_edit_agreement_text(actor, round_))
    lock_rows(Round, [round_.id])
    title, body = (title or "").strip(), (body or "").strip()
    duties, rules_version = (duties or "").strip(), (rules_version or "").strip()
    for field, value, limit in (("title", title, 200), ("body", body, MAX_BODY),
                                ("duties", duties, MAX_DUTIES),
                                ("rules_version", rules_version, 100)):
        if field in ("title", "body") and not value:
            raise NotAllowed(_l("请填写这一项。"), field=field)
        if len(value) > limit:
            raise NotAllowed(_l("不能超过 %(n)d 个字。", n=limit), field=field)
    problem = template_problem(body)
    if problem:
        raise NotAllowed(problem, field="body")
    text = db.session.get(AgreementText, round_.id)
    before = None
    if text is None:
        text = AgreementText(round_id=round_.id, version=0)
        db.session.add(text)
    else:
        before = {"version": text.version, "title": text.title, "body": text.body,
                  "duties": text.duties, "rules_version": text.rules_version}
    text.title, text.body, text.duties, text.rules_version = title, body, duties, rules_version
    text.version = (text.version or 0) + 1
    text.updated_at = utcnow()
    text.updated_by_id = getattr(actor, "id", None)
    db.session.flush()
    record("agreement_text.update", round_, actor=actor, before=before,
           after={"version": text.version, "title": title, "body": body, "duties": duties,
                  "rules_version": rules_version})
    return text


# --- one award's document ---------------------------------------------------------------------

def agreement_of(award: Award) -> Agreement | None:
    return db.session.scalar(select(Agreement).where(Agreement.award_id == award.id))


def agreement_or_new(award: Award) -> Agreement:
    """The award's agreement, or a pending one not yet stored (for pages and policies)."""
    found = agreement_of(award)
    if found is not None:
        return found
    agreement = Agreement(award_id=award.id, status=AgreementStatus.PENDING)
    agreement.award = award
    return agreement


def is_signed(award: Award) -> bool:
    found = agreement_of(award)
    return found is not None and found.status == AgreementStatus.SIGNED


DIGITS = "零壹贰叁肆伍陆柒捌玖"


def _four(n: int) -> str:
    """0 < n < 10000 in capital numerals, with 零 for the gaps (1005: 壹仟零伍)."""
    out, zero = "", False
    for value, unit in ((1000, "仟"), (100, "佰"), (10, "拾"), (1, "")):
        digit = n // value % 10
        if digit:
            out += ("零" if zero and out else "") + DIGITS[digit] + unit
            zero = False
        else:
            zero = True
    return out


def amount_in_words(fen: int) -> str:
    """An amount in the capital numerals of Chinese contracts (大写): 2_500_050 fen is
    人民币贰万伍仟元伍角整. Pure."""
    yuan, rest = divmod(int(fen), 100)
    jiao, cents = divmod(rest, 10)
    groups = []
    while yuan:
        yuan, group = divmod(yuan, 10000)
        groups.append(group)
    words, gap = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if not group:
            gap = True
            continue
        if words and (gap or group < 1000):
            words += "零"
        words += _four(group) + ("", "万", "亿")[index]
        gap = False
    words = (words or "零") + "元"
    if jiao:
        words += DIGITS[jiao] + "角"
    elif cents and words != "零元":
        words += "零"
    words += DIGITS[cents] + "分" if cents else "整"
    return "人民币" + words


def number_of(award: Award) -> str:
    return f"{award.round.year}-{award.round_id:03d}-{award.id:04d}"


def _tranche_lines(award: Award) -> str:
    if not award.tranches:
        return f"一次性拨付 {format_yuan(award.amount_fen)}。"
    return "\n".join(
        f"第 {t.index} 期{('（' + t.label + '）') if t.label else ''}：{t.percent}%，"
        f"{format_yuan(t.amount_fen)}，{GATE_TEXT.get(t.gate, t.gate.value)}"
        f"{('，计划 ' + t.planned_date.isoformat()) if t.planned_date else ''}。"
        for t in award.tranches)


def _payee_text(award: Award) -> str:
    account = payees.confirmed_account(award.application.organisation_id)
    if account is None:
        return "以财务确认的收款账户为准"
    text = f"{account.account_name}，{account.bank}，{account.masked}"
    if account.via_host_unit:
        text += f"（经依托单位 {account.host_unit_name}）"
    return text


def fields_for(award: Award, text: AgreementText) -> dict[str, str]:
    application = award.application
    return {
        "organisation": application.organisation.name,
        "project": application.title,
        "round": award.round.title,
        "amount": f"{format_yuan(award.amount_fen)}（{amount_in_words(award.amount_fen)}）",
        "tranches": _tranche_lines(award),
        "duties": text.duties,
        "rules_version": text.rules_version,
        "payee": _payee_text(award),
        "number": number_of(award),
    }


def document_for(award: Award) -> AgreementDocument:
    """The award's agreement as a document, in Chinese whatever the reader's language."""
    text = text_for(award.round_id)
    fields = fields_for(award, text)
    body = text.body.format_map(fields) if template_problem(text.body) is None else text.body
    application = award.application
    with force_locale(AGREEMENT_LOCALE):
        return AgreementDocument(
            title=text.title, number=_("协议编号：%(n)s", n=fields["number"]),
            paragraphs=[p for p in body.split("\n")],
            parties=[(_("项目名称"), application.title),
                     (_("申报组织"), application.organisation.name),
                     (_("创投集市"), award.round.title),
                     (_("资金池"), award.pool.name if award.pool else "—"),
                     (_("资助金额"), fields["amount"]),
                     (_("收款账户"), fields["payee"])],
            signature_lines=[_("甲方（盖章）：共青团市委　　　　日期："),
                             _("乙方（盖章）：%(org)s　　　　负责人签字：　　　　日期：",
                               org=application.organisation.name)],
            footer=_("协议书文本第 %(v)d 版", v=text.version or 1))


def render(award: Award) -> bytes:
    return render_agreement(document_for(award), current_app.config.get("CJK_FONT_PATH"))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def document_bytes(award: Award) -> bytes:
    """The document to show: the stored one once there is one (signed, or the scan's),
    else the current draft."""
    found = agreement_of(award)
    if found is not None and found.pdf is not None and found.status != AgreementStatus.PENDING:
        return found.pdf
    return render(award)


# --- signing ----------------------------------------------------------------------------------

def _lock(award: Award) -> Agreement:
    """The award's row (round → pool → award), then its agreement, read again: two signing
    requests run one after the other and the second sees what the first did."""
    lock_for_money(award.round_id, award.pool_id, award_id=award.id)
    db.session.refresh(award)
    agreement = agreement_of(award)
    if agreement is not None:
        db.session.refresh(agreement)
    return agreement


def _stored(award: Award, agreement: Agreement | None) -> Agreement:
    if agreement is None:
        agreement = Agreement(award_id=award.id, status=AgreementStatus.PENDING)
        db.session.add(agreement)
        db.session.flush()
    return agreement


def sign_agreement(actor, award: Award, signer_name: str, seen_sha256: str, ip: str | None,
                   now: datetime | None = None) -> Agreement:
    """The group's owner confirms the agreement in the app: the typed name of the signer, the
    time, the IP address and the SHA-256 of the exact PDF the page showed, whose bytes are
    kept. Refused when the document changed since it was shown."""
    agreement = _lock(award)
    if agreement is not None and agreement.status == AgreementStatus.SIGNED:
        raise NotAllowed(_l("协议书已经签署，不能再次签署。"))
    probe = agreement or agreement_or_new(award)
    require(AGREEMENT.may(actor, probe, AgreementStatus.SIGNED))
    signer_name = (signer_name or "").strip()
    if not signer_name:
        raise NotAllowed(_l("请填写签署人姓名。"), field="signer_name")
    if len(signer_name) > MAX_SIGNER:
        raise NotAllowed(_l("不能超过 %(n)d 个字。", n=MAX_SIGNER), field="signer_name")
    pdf = render(award)
    digest = sha256(pdf)
    if (seen_sha256 or "").strip().lower() != digest:
        raise NotAllowed(_l("协议书内容在你打开页面后有了变化，请重新阅读后再签署。"))
    agreement = _stored(award, agreement)
    agreement.pdf, agreement.pdf_sha256 = pdf, digest
    agreement.text_version = text_for(award.round_id).version or 1
    agreement.method = SigningMethod.IN_APP
    agreement.signer_name = signer_name
    agreement.signed_ip = (ip or "")[:45] or None
    agreement.signed_at = now or utcnow()
    agreement.signed_by_id = getattr(actor, "id", None)
    account = payees.assign_on_signing(award)
    AGREEMENT.move(actor, agreement, AgreementStatus.SIGNED, audit={
        "method": SigningMethod.IN_APP, "signer_name": signer_name, "ip": agreement.signed_ip,
        "sha256": digest, "signed_at": agreement.signed_at,
        "payee": account.masked if account else None})
    return agreement


def scan_dir() -> str:
    return upload_folder("agreements")


def scan_path(agreement: Agreement) -> str:
    return os.path.join(scan_dir(), agreement.scan_stored_name or "-")


def upload_scan(actor, award: Award, filename: str, data: bytes) -> Agreement:
    """The group uploads the agreement printed, signed and stamped (PDF, JPG or PNG, checked
    by content); the organizer confirms it. The document it was printed from is kept."""
    agreement = _lock(award)
    if agreement is not None and agreement.status == AgreementStatus.SIGNED:
        raise NotAllowed(_l("协议书已经签署，不能再上传扫描件。"))
    probe = agreement or agreement_or_new(award)
    require(AGREEMENT.may(actor, probe, AgreementStatus.SCAN_UPLOADED))
    kind = check_file(filename, data)
    if kind not in SCAN_KINDS:
        raise NotAllowed(_l("盖章扫描件请上传 PDF、JPG 或 PNG 文件。"), field="file")
    agreement = _stored(award, agreement)
    if agreement.scan_stored_name:
        remove_after_commit(scan_path(agreement))  # a scan sent back before
    stored_name = secrets.token_hex(16)
    path = os.path.join(scan_dir(), stored_name)
    with open(path, "xb") as out:
        remove_on_rollback(path)
        out.write(data)
    pdf = render(award)
    agreement.pdf, agreement.pdf_sha256 = pdf, sha256(pdf)
    agreement.text_version = text_for(award.round_id).version or 1
    agreement.scan_name = clean_filename(filename)
    agreement.scan_stored_name = stored_name
    agreement.scan_type = SCAN_KINDS[kind]
    agreement.scan_sha256 = sha256(data)
    agreement.scan_uploaded_at = utcnow()
    agreement.scan_uploaded_by_id = getattr(actor, "id", None)
    agreement.reject_reason = None
    AGREEMENT.move(actor, agreement, AgreementStatus.SCAN_UPLOADED, audit={
        "scan": agreement.scan_name, "scan_sha256": agreement.scan_sha256,
        "size": len(data), "sha256": agreement.pdf_sha256})
    return agreement


def confirm_scan(actor, agreement: Agreement, now: datetime | None = None) -> Agreement:
    """The organizer checked the stamped scan: the agreement is signed."""
    award = agreement.award
    found = _lock(award)
    require(AGREEMENT.may(actor, found, AgreementStatus.SIGNED))
    found.method = SigningMethod.SCAN
    found.signed_at = now or utcnow()
    found.signed_by_id = found.scan_uploaded_by_id
    found.confirmed_by_id = getattr(actor, "id", None)
    account = payees.assign_on_signing(award)
    AGREEMENT.move(actor, found, AgreementStatus.SIGNED, audit={
        "method": SigningMethod.SCAN, "scan_sha256": found.scan_sha256,
        "sha256": found.pdf_sha256, "payee": account.masked if account else None})
    return found


def reject_scan(actor, agreement: Agreement, reason: str) -> Agreement:
    """The organizer sends the scan back (unreadable, unstamped, another document): the
    group signs again, in the app or with a new scan."""
    award = agreement.award
    found = _lock(award)
    require(AGREEMENT.may(actor, found, AgreementStatus.PENDING))
    reason = (reason or "").strip()
    if not reason:
        raise NotAllowed(_l("请填写退回的理由，项目组会收到这条说明。"), field="reason")
    if len(reason) > MAX_REASON:
        raise NotAllowed(_l("不能超过 %(n)d 个字。", n=MAX_REASON), field="reason")
    found.reject_reason = reason
    AGREEMENT.move(actor, found, AgreementStatus.PENDING, audit={"reason": reason})
    return found


def scans_waiting() -> list[Agreement]:
    """Stamped scans waiting for the organizer, oldest first, with their projects."""
    return list(db.session.scalars(
        select(Agreement).where(Agreement.status == AgreementStatus.SCAN_UPLOADED)
        .options(selectinload(Agreement.award).selectinload(Award.application)
                 .selectinload(Application.organisation))
        .order_by(Agreement.scan_uploaded_at, Agreement.id)))


# --- what the tranche side asks (hooks.py) -----------------------------------------------------

def _not_signed(award: Award):
    return None if is_signed(award) else _l("项目协议书尚未签署")


hooks.GATE_CHECKS["after_agreement"] = _not_signed
hooks.PAYMENT_BLOCKERS["agreement"] = _not_signed
