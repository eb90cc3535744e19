"""The group's project page (funds.project) and the project agreement's pages: the agreement
with its document, signing in the app, the stamped scan and the organizer's decision on it,
and the round's agreement text."""
from __future__ import annotations

import os
from dataclasses import dataclass

from flask import abort, make_response, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.applications.attachments import MAX_ATTACHMENT_BYTES
from marketplace.core.actions import form_status, perform
from marketplace.core.policy import visible_or_404
from marketplace.extensions import db
from marketplace.funds import agreements, budgets, hooks, payees
from marketplace.funds import payee_policy as policy
from marketplace.funds.agreement_models import AgreementStatus
from marketplace.funds.agreement_workflow import AGREEMENT
from marketplace.funds.blueprint import bp
from marketplace.funds.models import Award
from marketplace.funds.payee_forms import (
    ActionForm,
    AgreementTextForm,
    ScanForm,
    ScanReasonForm,
    SignForm,
)
from marketplace.funds.payee_models import PayeeStatus
from marketplace.rounds import contributions
from marketplace.rounds.models import Round


def _award(app_id: int) -> Award:
    award = db.session.scalar(select(Award).where(Award.application_id == app_id))
    visible_or_404(policy.can_see_project(current_user, award))
    return award


@dataclass(frozen=True)
class Step:
    """One line of "what to do next": what, where (None: nothing to click), done or not."""
    label: str
    url: str | None = None
    waiting: bool = False  # waiting for someone else


def next_steps(user, award: Award, agreement, latest_payee) -> list[Step]:
    application = award.application
    org = application.organisation
    steps: list[Step] = []
    owner = policy.is_owner_of(user, org)
    member = policy.is_group_member(user, award)
    if latest_payee is None:
        steps.append(Step(_("由组织负责人填写收款信息"),
                          url_for("funds.payee", org_id=org.id) if owner else None))
    elif latest_payee.status == PayeeStatus.PENDING:
        steps.append(Step(_("等待财务确认收款账户"), waiting=True))
    elif latest_payee.status == PayeeStatus.REJECTED:
        steps.append(Step(_("收款账户未通过财务确认，请重新填写"),
                          url_for("funds.payee", org_id=org.id) if owner else None))
    revise = budgets.needs_revision(award)
    if revise:
        steps.append(Step(_("提交合计等于立项金额的调整后预算"),
                          url_for("funds.budget", app_id=application.id) if member else None))
    if agreement.status == AgreementStatus.PENDING:
        steps.append(Step(_("签署项目协议书（在线确认或上传盖章扫描件）"),
                          url_for("funds.agreement", app_id=application.id)))
    elif agreement.status == AgreementStatus.SCAN_UPLOADED:
        steps.append(Step(_("等待团市委确认盖章扫描件"),
                          url_for("funds.agreement", app_id=application.id), waiting=True))
    if not revise and agreement.status == AgreementStatus.SIGNED:
        steps.append(Step(_("按预算登记资金使用（支出与发票）"),
                          url_for("funds.expenses", app_id=application.id)))
    return steps


@bp.route("/projects/<int:app_id>", endpoint="project")
@login_required
def project_page(app_id: int):
    award = _award(app_id)
    application = award.application
    agreement = agreements.agreement_or_new(award)
    latest = payees.current_account(application.organisation_id)
    payee = payees.award_account(award)
    panels = []
    for panel in hooks.project_panels():
        built = panel.build(current_user, award)
        if built is not None:
            panels.append((panel, built))
    blockers = [str(m) for m in (check(award) for check in hooks.PAYMENT_BLOCKERS.values()) if m]
    return render_template(
        "funds/project.html", award=award, application=application, agreement=agreement,
        payee=payee, shown_payee=payee or payees.confirmed_account(application.organisation_id),
        latest_payee=latest, panels=panels, blockers=blockers,
        steps=next_steps(current_user, award, agreement, latest),
        is_owner=policy.is_owner_of(current_user, application.organisation))


# --- the agreement ---------------------------------------------------------------------------

def _agreement_page(award: Award, sign_form: SignForm | None = None,
                    scan_form: ScanForm | None = None, reason_form: ScanReasonForm | None = None,
                    status: int = 200):
    agreement = agreements.agreement_or_new(award)
    stored = agreement.pdf is not None and agreement.status != AgreementStatus.PENDING
    document = agreements.document_for(award)
    digest = agreement.pdf_sha256 if stored else agreements.sha256(agreements.render(award))
    may_sign = AGREEMENT.may(current_user, agreement, AgreementStatus.SIGNED) \
        if agreement.status == AgreementStatus.PENDING else None
    may_upload = AGREEMENT.may(current_user, agreement, AgreementStatus.SCAN_UPLOADED) \
        if agreement.status == AgreementStatus.PENDING else None
    if sign_form is None:
        sign_form = SignForm(formdata=None)
    sign_form.sha256.data = digest
    decisions = {t.target.value: t for t in AGREEMENT.next_actions(current_user, agreement)
                 if agreement.status == AgreementStatus.SCAN_UPLOADED}
    return render_template(
        "funds/agreement.html", award=award, application=award.application,
        agreement=agreement, document=document, digest=digest, stored=stored,
        may_sign=may_sign, may_upload=may_upload, decisions=decisions,
        is_owner=policy.is_owner_of(current_user, award.application.organisation),
        missing=policy.missing_prerequisites(award),
        sign_form=sign_form, scan_form=scan_form or ScanForm(formdata=None),
        reason_form=reason_form or ScanReasonForm(formdata=None),
        action_form=ActionForm(formdata=None)), status


@bp.route("/projects/<int:app_id>/agreement")
@login_required
def agreement(app_id: int):
    return _agreement_page(_award(app_id))


@bp.route("/projects/<int:app_id>/agreement.pdf")
@login_required
def agreement_pdf(app_id: int):
    award = _award(app_id)
    response = make_response(agreements.document_bytes(award))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=agreement-{agreements.number_of(award)}.pdf")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/projects/<int:app_id>/agreement/scan")
@login_required
def agreement_scan(app_id: int):
    award = _award(app_id)
    found = agreements.agreement_of(award)
    if found is None or not found.scan_stored_name:
        abort(404)
    path = agreements.scan_path(found)
    if not os.path.isfile(path):
        abort(404)
    response = send_file(path, mimetype=found.scan_type, as_attachment=True,
                         download_name=found.scan_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/projects/<int:app_id>/agreement/sign", methods=["POST"])
@login_required
def sign_agreement(app_id: int):
    award = _award(app_id)
    form = SignForm()
    if form.validate_on_submit() and perform(
            lambda: agreements.sign_agreement(current_user, award, form.signer_name.data,
                                              form.sha256.data, request.remote_addr),
            _("项目协议书已签署。"), form):
        return redirect(url_for(".project", app_id=app_id))
    return _agreement_page(award, sign_form=form, status=form_status())


@bp.route("/projects/<int:app_id>/agreement/upload", methods=["POST"])
@login_required
def upload_agreement_scan(app_id: int):
    award = _award(app_id)
    form = ScanForm()
    if form.validate_on_submit():
        upload = form.file.data
        filename = getattr(upload, "filename", "") or ""
        data = upload.stream.read(MAX_ATTACHMENT_BYTES + 1) if upload and filename else b""
        if perform(lambda: agreements.upload_scan(current_user, award, filename, data),
                   _("盖章扫描件已上传，等待团市委确认。"), form):
            return redirect(url_for(".agreement", app_id=app_id))
    return _agreement_page(award, scan_form=form, status=form_status())


@bp.route("/projects/<int:app_id>/agreement/confirm", methods=["POST"])
@login_required
def confirm_agreement_scan(app_id: int):
    award = _award(app_id)
    found = agreements.agreement_of(award)
    visible_or_404(found is not None)
    if ActionForm().validate_on_submit():
        perform(lambda: agreements.confirm_scan(current_user, found),
                _("已确认盖章扫描件，协议书已签署。"))
    return redirect(url_for(".agreement", app_id=app_id))


@bp.route("/projects/<int:app_id>/agreement/reject", methods=["POST"])
@login_required
def reject_agreement_scan(app_id: int):
    award = _award(app_id)
    found = agreements.agreement_of(award)
    visible_or_404(found is not None)
    form = ScanReasonForm()
    if form.validate_on_submit() and perform(
            lambda: agreements.reject_scan(current_user, found, form.reason.data or ""),
            _("扫描件已退回，项目组会收到邮件。"), form):
        return redirect(url_for(".agreement", app_id=app_id))
    return _agreement_page(award, reason_form=form, status=form_status())


# --- the round's agreement text --------------------------------------------------------------

def _round(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    visible_or_404(policy.can_see_agreement_text(current_user, round_))
    return round_


@bp.route("/rounds/<int:round_id>/agreement", methods=["GET", "POST"])
@login_required
def agreement_text(round_id: int):
    round_ = _round(round_id)
    text = agreements.text_for(round_.id)
    may_edit = policy.can_edit_agreement_text(current_user, round_)
    if request.method == "GET":
        form = AgreementTextForm(formdata=None, obj=text)
    else:
        visible_or_404(may_edit)
        form = AgreementTextForm()
        if form.validate_on_submit() and perform(
                lambda: agreements.update_text(current_user, round_, form.title.data,
                                               form.body.data, form.duties.data or "",
                                               form.rules_version.data or ""),
                _("协议书文本已保存。此后生成的协议书使用新文本；已签署的协议书不受影响。"), form):
            return redirect(url_for(".agreement_text", round_id=round_id))
    return render_template("funds/agreement_text.html", round=round_, text=text, form=form,
                           fields=agreements.FIELDS, may_edit=may_edit), form_status()


contributions.register_round_link(contributions.RoundLink(
    "agreement", _l("项目协议书"),
    lambda round_: url_for("funds.agreement_text", round_id=round_.id),
    lambda user, round_: policy.can_see_agreement_text(user, round_),
    testid="round-agreement-link", order=65))


@bp.route("/agreements/scans")
@login_required
def agreement_scans():
    """Stamped scans waiting for the organizer, oldest first."""
    visible_or_404(policy.can_see_scans_to_confirm(current_user))
    waiting = agreements.scans_waiting()
    return render_template("funds/agreement_scans.html", scans=waiting)
