"""The project agreement (项目协议书): the round's text with fields, the PDF (text extractable,
CJK font embedded), signing in the app on the exact document shown (hash, name, time, IP,
never changed afterwards), the prerequisites (revised budget, payee), the scan path, the gate
for the first tranche and the payment blocker."""
from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from sqlalchemy import func, select

from marketplace.audit.models import AuditEntry
from marketplace.core.policy import NotAllowed
from marketplace.extensions import db
from marketplace.funds import agreements, hooks, variations
from marketplace.funds.agreement_models import Agreement, AgreementStatus, SigningMethod
from marketplace.notify.models import OutboxMessage
from marketplace.organisations.models import Membership
from tests.factories import (
    PDF,
    PNG,
    lines_of,
    make_awarded,
    make_finance,
    make_organizer,
    make_payee,
    make_user,
    member_of,
    sign,
)

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext") or not shutil.which("pdffonts"),
                                   reason="poppler-utils (pdftotext, pdffonts) not installed")


def _ready(**kw):
    """An awarded project whose group has a confirmed payee: it may sign."""
    award = make_awarded(**kw)
    make_payee(award.application.organisation)
    return award


# --- the document -----------------------------------------------------------------------------

@needs_poppler
def test_the_pdf_has_extractable_text_and_an_embedded_cjk_font(app):
    award = _ready(title="岱山渔村“暖心食堂”助餐服务")
    data = agreements.render(award)
    assert data.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()
    squeezed = "".join(text.split())
    assert "岱山渔村“暖心食堂”助餐服务" in squeezed
    assert "".join(award.application.organisation.name.split()) in squeezed
    assert "¥3,000.00" in squeezed and "6222****" in squeezed
    fonts = subprocess.run(["pdffonts", "-"], input=data, capture_output=True,
                           check=True).stdout.decode()
    cjk = [line for line in fonts.splitlines() if "WenQuanYi" in line or "CJK" in line]
    assert cjk and all(" yes " in line for line in cjk), fonts


def test_the_same_agreement_gives_the_same_bytes(app):
    award = _ready()
    assert agreements.render(award) == agreements.render(award)


def test_the_round_text_fills_its_fields_and_refuses_unknown_ones(app):
    award = _ready()
    organizer = make_organizer()
    with pytest.raises(NotAllowed) as refused:
        agreements.update_text(organizer, award.round, "协议", "乙方：{organisation}{nope}", "", "")
    assert refused.value.field == "body"
    with pytest.raises(NotAllowed):
        agreements.update_text(organizer, award.round, "协议", "乙方：{organisation", "", "")
    agreements.update_text(organizer, award.round, "资助协议",
                           "乙方{organisation}承担{project}，金额{amount}；{duties}；依据{rules_version}",
                           "每月报送进展", "2026 年修订版")
    db.session.commit()
    document = agreements.document_for(award)
    body = "\n".join(document.paragraphs)
    assert award.application.organisation.name in body and award.application.title in body
    assert "¥3,000.00" in body and "每月报送进展" in body and "2026 年修订版" in body
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "agreement_text.update"))
    assert entry.after["version"] == 1


def test_only_organizers_set_the_text(app):
    award = _ready()
    for user in (make_finance(), member_of(award)):
        with pytest.raises(NotAllowed):
            agreements.update_text(user, award.round, "协议", "正文", "", "")


# --- signing in the app -----------------------------------------------------------------------

def test_signing_stores_hash_name_time_ip_and_the_bytes_seen(app):
    award = _ready()
    shown = agreements.render(award)
    agreement = agreements.sign_agreement(member_of(award), award, " 张三 ",
                                          agreements.sha256(shown), "203.0.113.9")
    db.session.commit()
    assert agreement.status == AgreementStatus.SIGNED
    assert agreement.method == SigningMethod.IN_APP
    assert (agreement.signer_name, agreement.signed_ip) == ("张三", "203.0.113.9")
    assert agreement.signed_at is not None and agreement.pdf == shown
    assert agreement.pdf_sha256 == agreements.sha256(shown)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "agreement.sign"))
    assert entry.after["sha256"] == agreement.pdf_sha256 and entry.after["ip"] == "203.0.113.9"
    # The award's payee is the organisation's confirmed account, copied now.
    assert hooks.award_payee(award).account_number == "6222021234567890123"


def test_a_signed_agreement_never_changes(app):
    award = _ready()
    agreement = sign(award)
    stored, digest, when = agreement.pdf, agreement.pdf_sha256, agreement.signed_at
    with pytest.raises(NotAllowed, match="已经签署"):
        sign(award, signer="李四")
    db.session.rollback()
    # The text changes; the signed document does not.
    agreements.update_text(make_organizer(), award.round, "新协议", "全新的正文 {project}", "", "")
    db.session.commit()
    with pytest.raises(NotAllowed):
        agreements.upload_scan(member_of(award), award, "盖章.pdf", PDF)
    db.session.rollback()
    found = db.session.get(Agreement, agreement.id)
    assert (found.pdf, found.pdf_sha256, found.signed_at, found.signer_name) == (
        stored, digest, when, "张三")
    assert agreements.document_bytes(award) == stored


def test_a_document_that_changed_after_it_was_shown_is_not_signed(app):
    award = _ready()
    seen = agreements.sha256(agreements.render(award))
    agreements.update_text(make_organizer(), award.round, "协议", "改过的正文 {project}", "", "")
    with pytest.raises(NotAllowed, match="重新阅读"):
        agreements.sign_agreement(member_of(award), award, "张三", seen, "203.0.113.9")
    db.session.rollback()
    assert not agreements.is_signed(award)


def test_a_signer_name_is_required(app):
    award = _ready()
    digest = agreements.sha256(agreements.render(award))
    with pytest.raises(NotAllowed) as refused:
        agreements.sign_agreement(member_of(award), award, "  ", digest, None)
    assert refused.value.field == "signer_name"


@pytest.mark.parametrize("who", ["plain-member", "organizer", "finance"])
def test_only_an_owner_of_the_group_signs(app, who):
    award = _ready()
    if who == "plain-member":
        user = make_user(commit=False)
        db.session.add(Membership(organisation=award.application.organisation, user=user))
        db.session.commit()
    else:
        user = make_organizer() if who == "organizer" else make_finance()
    digest = agreements.sha256(agreements.render(award))
    with pytest.raises(NotAllowed):
        agreements.sign_agreement(user, award, "某人", digest, None)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Agreement.id))) == 0


def test_the_revised_budget_must_come_before_signing(app):
    award = _ready(amount="2500.00")  # below the request of ¥3,000
    with pytest.raises(NotAllowed, match="调整后"):
        sign(award)
    db.session.rollback()
    variations.submit_revised_budget(member_of(award), award,
                                     lines_of(award, k1="1000.00"))
    db.session.commit()
    assert sign(award).status == AgreementStatus.SIGNED


def test_a_payee_must_be_recorded_before_signing(app):
    award = make_awarded()
    with pytest.raises(NotAllowed, match="收款信息"):
        sign(award)


# --- the scan ---------------------------------------------------------------------------------

def test_a_stamped_scan_is_confirmed_by_the_organizer(app):
    award = _ready()
    agreement = agreements.upload_scan(member_of(award), award, "盖章协议.png", PNG)
    db.session.commit()
    assert agreement.status == AgreementStatus.SCAN_UPLOADED
    assert agreement.pdf is not None and not agreements.is_signed(award)
    with pytest.raises(NotAllowed):
        agreements.confirm_scan(member_of(award), agreement)
    db.session.rollback()
    agreements.confirm_scan(make_organizer(), agreement)
    db.session.commit()
    assert agreement.status == AgreementStatus.SIGNED
    assert agreement.method == SigningMethod.SCAN
    assert agreements.is_signed(award)
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"agreement.upload_scan", "agreement.confirm_scan"} <= actions
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.template == "funds/agreement_scan_decided")) >= 1


def test_a_scan_is_checked_by_content(app):
    award = _ready()
    with pytest.raises(NotAllowed) as refused:
        agreements.upload_scan(member_of(award), award, "盖章协议.pdf", b"not a pdf at all")
    assert refused.value.field == "file"


def test_a_scan_sent_back_lets_the_group_sign_again(app):
    award = _ready()
    agreement = agreements.upload_scan(member_of(award), award, "盖章协议.pdf", PDF)
    with pytest.raises(NotAllowed):
        agreements.reject_scan(make_organizer(), agreement, "")
    agreements.reject_scan(make_organizer(), agreement, "没有盖章")
    db.session.commit()
    assert agreement.status == AgreementStatus.PENDING
    assert sign(award).status == AgreementStatus.SIGNED


# --- the gate and the payment blocker -----------------------------------------------------------

def test_the_agreement_is_the_gate_for_the_first_tranche_and_payments(app):
    award = _ready()
    gate = hooks.GATE_CHECKS["after_agreement"]
    blocker = hooks.PAYMENT_BLOCKERS["agreement"]
    assert str(gate(award)) == "项目协议书尚未签署" and blocker(award)
    sign(award)
    assert gate(award) is None and blocker(award) is None
    assert all(check(award) is None for check in hooks.PAYMENT_BLOCKERS.values())


# --- the pages ----------------------------------------------------------------------------------

def test_the_group_signs_on_the_page(app, client, login_as):
    award = _ready()
    login_as(member_of(award))
    page = client.get(f"/projects/{award.application_id}/agreement")
    html = page.get_data(as_text=True)
    digest = agreements.sha256(agreements.render(award))
    assert digest in html and 'data-confirm="' in html
    refused = client.post(f"/projects/{award.application_id}/agreement/sign",
                          data={"sha256": digest, "signer_name": "", "agree": "y"})
    assert refused.status_code == 422 and "请填写签署人姓名" in refused.get_data(as_text=True)
    done = client.post(f"/projects/{award.application_id}/agreement/sign",
                       data={"sha256": digest, "signer_name": "张三", "agree": "y"},
                       environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert done.status_code == 302
    agreement = agreements.agreement_of(award)
    assert agreement.signed_ip == "198.51.100.7" and agreement.signer_name == "张三"
    pdf = client.get(f"/projects/{award.application_id}/agreement.pdf")
    assert pdf.data == agreement.pdf


def test_the_scan_is_uploaded_and_served_only_to_those_who_see_the_project(app, client,
                                                                          login_as):
    award = _ready()
    login_as(member_of(award))
    response = client.post(f"/projects/{award.application_id}/agreement/upload",
                           data={"file": (io.BytesIO(PDF), "盖章协议.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    url = f"/projects/{award.application_id}/agreement/scan"
    assert client.get(url).data == PDF
    login_as(member_of(make_awarded()))
    assert client.get(url).status_code == 404
    organizer = make_organizer()
    login_as(organizer)
    assert client.post(f"/projects/{award.application_id}/agreement/confirm"
                       ).status_code == 302
    assert agreements.is_signed(award)


def test_finance_reads_the_agreement_but_does_not_sign_or_edit_the_text(app, client, login_as):
    award = _ready()
    login_as(make_finance())
    page = client.get(f"/projects/{award.application_id}/agreement")
    assert page.status_code == 200 and 'data-testid="sign-form"' not in page.get_data(
        as_text=True)
    digest = agreements.sha256(agreements.render(award))
    response = client.post(f"/projects/{award.application_id}/agreement/sign",
                           data={"sha256": digest, "signer_name": "财务", "agree": "y"})
    assert response.status_code == 422 and not agreements.is_signed(award)
    text = client.get(f"/rounds/{award.round_id}/agreement")
    assert text.status_code == 200 and "agreement-text-form" not in text.get_data(as_text=True)
    assert client.post(f"/rounds/{award.round_id}/agreement", data={
        "title": "x", "body": "y"}).status_code == 404


def test_the_organizer_edits_the_text_on_its_page(app, client, login_as):
    award = _ready()
    login_as(make_organizer())
    refused = client.post(f"/rounds/{award.round_id}/agreement", data={
        "title": "协议", "body": "乙方 {nope}", "duties": "", "rules_version": ""})
    assert refused.status_code == 422 and "没有字段“nope”" in refused.get_data(as_text=True)
    done = client.post(f"/rounds/{award.round_id}/agreement", data={
        "title": "协议", "body": "乙方 {organisation}", "duties": "按月报告",
        "rules_version": "2026 版"})
    assert done.status_code == 302
    assert agreements.text_for(award.round_id).version == 1


@pytest.mark.parametrize("fen,words", [
    (0, "人民币零元整"), (1000, "人民币壹拾元整"), (2_500_000, "人民币贰万伍仟元整"),
    (2_500_050, "人民币贰万伍仟元伍角整"), (2_500_005, "人民币贰万伍仟元零伍分"),
    (1_000_500, "人民币壹万零伍元整"), (10_001_000, "人民币壹拾万零壹拾元整"),
    (10_000_000_000, "人民币壹亿元整"),
    (99_999_999_999, "人民币玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
])
def test_the_amount_is_written_in_capital_numerals(fen, words):
    assert agreements.amount_in_words(fen) == words
