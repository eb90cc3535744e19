"""Pages of the money after 立项: a project's money (tranches, releases, payments, returns,
its statement), the payment form, the finance workbench, the round's money view with its
exports, and the JSON API. Thin: each change is one service call (funds/tranches.py) through
`core.actions.perform`; the unit of work commits."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta

from flask import (
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.accounts import roles
from marketplace.applications.attachments import MAX_ATTACHMENT_BYTES
from marketplace.audit.services import record
from marketplace.core import nav
from marketplace.core.actions import form_status, perform
from marketplace.core.exports import csv_response, download_response, xlsx_response
from marketplace.core.policy import visible_or_404
from marketplace.core.timeutil import to_local, utcnow
from marketplace.extensions import db
from marketplace.funds import hooks, money_view, statement, tranches, workbench
from marketplace.funds import payment_policy as policy
from marketplace.funds.balances import balance
from marketplace.funds.blueprint import bp
from marketplace.funds.models import Award, Tranche, TrancheState
from marketplace.funds.payment_forms import (
    CutForm,
    MoneyActionForm,
    PaymentForm,
    ReturnForm,
    ReturnRequestForm,
)
from marketplace.funds.payment_models import MoneyReturn, Payment, ReturnRequest, ReturnStatus
from marketplace.funds.tranche_workflow import TRANCHE
from marketplace.rounds import contributions
from marketplace.rounds.models import Round
from marketplace.rounds.services import TRANCHE_GATE_LABELS


def _award_of(app_id: int) -> Award:
    award = db.session.scalar(select(Award).where(Award.application_id == app_id))
    visible_or_404(policy.can_see_money(current_user, award))
    return award


def _tranche_of(award: Award, tranche_id: int) -> Tranche:
    tranche = db.session.get(Tranche, tranche_id)
    visible_or_404(tranche is not None and tranche.award_id == award.id)
    return tranche


def _new_key() -> str:
    return secrets.token_urlsafe(24)


def project_money(award: Award) -> dict:
    """What a project's money shows: its figures, each tranche with the state it reads (a met
    gate reads releasable), what blocks it, its payments; the returns."""
    figures = balance(Award, award.id)
    payments = db.session.scalars(select(Payment).where(Payment.award_id == award.id)
                                  .order_by(Payment.paid_on, Payment.id)).all()
    by_tranche: dict[int, list[Payment]] = {}
    for p in payments:
        by_tranche.setdefault(p.tranche_id, []).append(p)
    of_tranche = tranches.tranche_figures([award.id])
    rows = []
    for t in award.tranches:
        state = tranches.shown_state(award, t)
        rows.append({"tranche": t, "state": state, "tone": tranches.TONES[state],
                     "gate_label": TRANCHE_GATE_LABELS.get(t.gate, t.gate.value),
                     "gate": None if t.state != TrancheState.SCHEDULED
                     else tranches.gate_problem(award, t),
                     "payments": by_tranche.get(t.id, []),
                     "released": of_tranche.get(t.id, {}).get("released"),
                     "paid": of_tranche.get(t.id, {}).get("paid")})
    requests = db.session.scalars(select(ReturnRequest).where(ReturnRequest.award_id == award.id)
                                  .order_by(ReturnRequest.id)).all()
    returns = db.session.scalars(select(MoneyReturn).where(MoneyReturn.award_id == award.id)
                                 .order_by(MoneyReturn.id)).all()
    payee = hooks.award_payee(award)
    return {"award": award, "figures": figures, "rows": rows, "requests": requests,
            "returns": returns, "payee": payee, "blocker": tranches.payment_blocker(award)}


def _page(award: Award, status: int = 200, return_form: ReturnForm | None = None,
          request_form: ReturnRequestForm | None = None, cut_form: CutForm | None = None):
    data = project_money(award)
    may = {
        "request": [r["tranche"].id for r in data["rows"]
                    if r["state"] == TrancheState.RELEASABLE
                    and policy.can_request_release(current_user, r["tranche"])],
        "approve": [r["tranche"].id for r in data["rows"]
                    if r["state"] == TrancheState.RELEASE_REQUESTED
                    and TRANCHE.may(current_user, r["tranche"], TrancheState.RELEASED)],
        "pay": [r["tranche"].id for r in data["rows"]
                if r["state"] == TrancheState.RELEASED
                and policy.can_record_payment(current_user, r["tranche"])],
        "record_return": bool(policy.can_record_return(current_user, award)),
        "request_return": bool(policy.can_request_return(current_user, award)),
        "cut": bool(policy.can_cut_award(current_user, award)),
        "statement": bool(policy.can_manage_money(current_user, award)),
    }
    if return_form is None:
        return_form = ReturnForm(formdata=None)
        return_form.idempotency_key.data = _new_key()
    return_form.return_request_id.choices = [(None, _("不对应"))] + [
        (r.id, _("%(amount)s：%(reason)s", amount=f"¥{r.amount:,.2f}", reason=r.reason[:40]))
        for r in data["requests"] if r.status == ReturnStatus.EXPECTED]
    return render_template(
        "funds/project_money.html", **data, application=award.application, may=may,
        action_form=MoneyActionForm(formdata=None), return_form=return_form,
        request_form=request_form or ReturnRequestForm(formdata=None),
        cut_form=cut_form or CutForm(formdata=None)), status


@bp.route("/projects/<int:app_id>/money", endpoint="project_money")
@login_required
def project_money_page(app_id: int):
    return _page(_award_of(app_id))


@bp.route("/projects/<int:app_id>/tranches/<int:tranche_id>/request-release", methods=["POST"],
          endpoint="request_release")
@login_required
def request_release(app_id: int, tranche_id: int):
    award = _award_of(app_id)
    tranche = _tranche_of(award, tranche_id)
    if MoneyActionForm().validate_on_submit():
        perform(lambda: tranches.request_release(current_user, tranche),
                _("已申请下达，等待财务审批。"))
    return redirect(url_for(".project_money", app_id=app_id) + "#tranches")


@bp.route("/projects/<int:app_id>/tranches/<int:tranche_id>/approve", methods=["POST"],
          endpoint="approve_release")
@login_required
def approve_release(app_id: int, tranche_id: int):
    award = _award_of(app_id)
    tranche = _tranche_of(award, tranche_id)
    if MoneyActionForm().validate_on_submit():
        perform(lambda: tranches.approve_release(current_user, tranche),
                _("已批准下达，可以登记拨付。"))
    return redirect(url_for(".project_money", app_id=app_id) + "#tranches")


def _pay_page(award: Award, tranche: Tranche, form: PaymentForm, status: int = 200):
    of_tranche = tranches.tranche_figures([award.id]).get(tranche.id, {})
    may = policy.can_record_payment(current_user, tranche)
    return render_template(
        "funds/pay.html", award=award, application=award.application, tranche=tranche,
        form=form, payee=hooks.award_payee(award), blocker=tranches.payment_blocker(award),
        released=of_tranche.get("released"), paid=of_tranche.get("paid"),
        refusal=None if may else may.reason), status


@bp.route("/projects/<int:app_id>/tranches/<int:tranche_id>/pay", methods=["GET", "POST"],
          endpoint="pay_tranche")
@login_required
def pay_tranche(app_id: int, tranche_id: int):
    award = _award_of(app_id)
    visible_or_404(policy.can_manage_money(current_user, award) and roles.is_finance(current_user))
    tranche = _tranche_of(award, tranche_id)
    if request.method == "GET":
        form = PaymentForm(formdata=None)
        form.idempotency_key.data = _new_key()
        of_tranche = tranches.tranche_figures([award.id]).get(tranche.id, {})
        if of_tranche.get("released") is not None:
            form.amount.set_amount(of_tranche["released"] - of_tranche["paid"])
        form.paid_on.data = to_local(utcnow()).date()
        return _pay_page(award, tranche, form)
    form = PaymentForm()
    if form.validate_on_submit():
        upload = form.scan.data
        filename = getattr(upload, "filename", "") or ""
        data = upload.stream.read(MAX_ATTACHMENT_BYTES + 1) if upload and filename else b""
        done = perform(lambda: tranches.record_payment(
            current_user, tranche, tranches.PaymentData(
                amount=form.amount.amount, paid_on=form.paid_on.data,
                voucher_number=form.voucher_number.data or "", note=form.note.data or "",
                idempotency_key=form.idempotency_key.data or ""), filename, data),
            lambda p: _("已登记拨付 %(amount)s，凭证号 %(voucher)s。",
                        amount=f"¥{p.amount:,.2f}", voucher=p.voucher_number), form)
        if done:
            return redirect(url_for(".project_money", app_id=app_id) + "#tranches")
    return _pay_page(award, tranche, form, form_status())


@bp.route("/projects/<int:app_id>/payments/<int:payment_id>/scan", endpoint="payment_scan")
@login_required
def payment_scan(app_id: int, payment_id: int):
    award = _award_of(app_id)
    visible_or_404(policy.can_manage_money(current_user, award))
    payment = db.session.get(Payment, payment_id)
    visible_or_404(payment is not None and payment.award_id == award.id)
    path = tranches.scan_path(payment)
    if not os.path.isfile(path):
        abort(404)
    response = send_file(path, mimetype=payment.scan_type, as_attachment=True,
                         download_name=payment.scan_name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/projects/<int:app_id>/returns", methods=["POST"], endpoint="record_return")
@login_required
def record_return(app_id: int):
    award = _award_of(app_id)
    form = ReturnForm()
    form.return_request_id.choices = []
    if form.validate_on_submit():
        done = perform(lambda: tranches.record_return(current_user, award, tranches.ReturnData(
            amount=form.amount.amount, received_on=form.received_on.data,
            reason=form.reason.data or "", return_request_id=form.return_request_id.data,
            idempotency_key=form.idempotency_key.data or "")), _("退回已登记。"), form)
        if done:
            return redirect(url_for(".project_money", app_id=app_id) + "#returns")
    return _page(award, form_status(), return_form=form)


@bp.route("/projects/<int:app_id>/return-requests", methods=["POST"],
          endpoint="request_return")
@login_required
def request_return(app_id: int):
    award = _award_of(app_id)
    form = ReturnRequestForm()
    if form.validate_on_submit():
        done = perform(lambda: tranches.request_return(
            current_user, award, form.amount.amount, form.reason.data or ""),
            _("已要求项目组退回，财务会看到这笔待退回。"), form)
        if done:
            return redirect(url_for(".project_money", app_id=app_id) + "#returns")
    return _page(award, form_status(), request_form=form)


@bp.route("/projects/<int:app_id>/cut", methods=["POST"], endpoint="cut_award")
@login_required
def cut_award(app_id: int):
    award = _award_of(app_id)
    form = CutForm()
    if form.validate_on_submit():
        done = perform(lambda: tranches.cut_award(current_user, award, form.reason.data or ""),
                       _("已核减资助：未拨付的资金退回资金池，未下达的分期已取消。"), form)
        if done:
            return redirect(url_for(".project_money", app_id=app_id))
    return _page(award, form_status(), cut_form=form)


@bp.route("/projects/<int:app_id>/statement.pdf", methods=["POST"], endpoint="award_statement")
@login_required
def award_statement(app_id: int):
    """The award's statement (PDF). A POST: who exported it is audited."""
    award = _award_of(app_id)
    visible_or_404(policy.can_manage_money(current_user, award))
    if not MoneyActionForm().validate_on_submit():
        abort(400)
    data = project_money(award)
    pdf = statement.render_statement(statement.statement_data(data),
                                     current_app.config.get("CJK_FONT_PATH"))
    record("export.statement", award, actor=current_user, after={"award_id": award.id})
    return download_response(pdf, "application/pdf", f"statement-{award.id}.pdf")


# --- the finance workbench ------------------------------------------------------------------------

@bp.route("/funds/workbench", endpoint="workbench")
@login_required
def workbench_page():
    visible_or_404(policy.can_use_workbench(current_user))
    today = to_local(utcnow()).date()
    panels = []
    for panel in hooks.workbench_panels():
        built = panel.build(current_user)
        if built is not None:
            panels.append((panel, built))
    return render_template(
        "funds/workbench.html", releases=workbench.releases_waiting(current_user),
        due=workbench.payments_due(today + timedelta(days=30)),
        returns=workbench.returns_expected(), panels=panels, today=today,
        action_form=MoneyActionForm(formdata=None))


nav.register("staff", _l("财务工作台"), "funds.workbench", visible=policy.can_use_workbench,
             order=70, badge=lambda user: workbench.finance_count(user))


# --- the round's money, exports, API --------------------------------------------------------

def _round(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    visible_or_404(policy.can_see_round_money(current_user, round_))
    return round_


def _filters() -> tuple[str | None, TrancheState | None]:
    county = (request.args.get("county") or "").strip()[:40] or None
    try:
        state = TrancheState(request.args.get("state") or "")
    except ValueError:
        state = None
    return county, state


@bp.route("/rounds/<int:round_id>/money", endpoint="round_money")
@login_required
def round_money(round_id: int):
    round_ = _round(round_id)
    county, state = _filters()
    money = money_view.round_money(round_, county, state)
    return render_template("funds/round_money.html", view=money, round=round_,
                           county=county, state=state, states=list(TrancheState),
                           shown=money_view.totals(money.awards), tones=tranches.TONES,
                           action_form=MoneyActionForm(formdata=None))


REGISTER_HEADER = [_l("年度项目"), _l("项目名称"), _l("申报组织"), _l("期次"), _l("拨付金额"),
                   _l("拨付日期"), _l("凭证号"), _l("收款户名"), _l("开户行"), _l("收款账号"),
                   _l("依托单位"), _l("备注"), _l("登记人")]


def register_rows(round_id: int) -> list[list]:
    payments = db.session.scalars(
        select(Payment).join(Award, Award.id == Payment.award_id)
        .where(Award.round_id == round_id).order_by(Payment.paid_on, Payment.id)).all()
    return [[p.award.round.title, p.award.application.title,
             p.award.application.organisation.name, p.tranche.index, p.amount, p.paid_on,
             p.voucher_number, p.payee_name, p.payee_bank, p.masked_account, p.host_unit or "",
             p.note, p.recorded_by.name if p.recorded_by else ""] for p in payments]


@bp.route("/rounds/<int:round_id>/money/payments.<any(xlsx, csv):fmt>", methods=["POST"],
          endpoint="export_payments")
@login_required
def export_payments(round_id: int, fmt: str):
    """资金拨付明细 (XLSX or CSV, formula-neutralised), audited: who exported."""
    round_ = _round(round_id)
    if not MoneyActionForm().validate_on_submit():
        abort(400)
    rows = register_rows(round_.id)
    record("export.payments", round_, actor=current_user, after={"format": fmt, "rows": len(rows)})
    header = [str(h) for h in REGISTER_HEADER]
    filename = f"payments-{round_.year}-{round_.id}.{fmt}"
    if fmt == "csv":
        return csv_response(filename, header, rows)
    return xlsx_response(filename, header, rows, title=_("资金拨付明细"))


BANK_HEADER = [_l("收款户名"), _l("开户行"), _l("收款账号"), _l("金额"), _l("用途")]


def bank_rows(round_id: int) -> tuple[list[list], int]:
    """One row per payment due (a released tranche's unpaid part) whose project has a payee
    and nothing holding its payments; and how many were left out for that."""
    rows, skipped = [], 0
    for item in workbench.payments_due(None, round_id=round_id, released_only=True):
        award = item["tranche"].award
        payee = hooks.award_payee(award)
        if payee is None or tranches.payment_blocker(award) is not None:
            skipped += 1
            continue
        purpose = _("%(title)s 第 %(n)d 期资助", title=award.application.title,
                    n=item["tranche"].index)
        rows.append([payee.account_name, payee.bank, payee.account_number, item["unpaid"],
                     purpose])
    return rows, skipped


@bp.route("/rounds/<int:round_id>/money/bank-batch.<any(xlsx, csv):fmt>", methods=["POST"],
          endpoint="export_bank_batch")
@login_required
def export_bank_batch(round_id: int, fmt: str):
    """The bank's batch file for 批量代发, audited."""
    round_ = _round(round_id)
    if not MoneyActionForm().validate_on_submit() or not roles.is_finance(current_user):
        abort(400 if roles.is_finance(current_user) else 404)
    rows, skipped = bank_rows(round_.id)
    record("export.bank_batch", round_, actor=current_user,
           after={"format": fmt, "rows": len(rows), "left_out": skipped})
    header = [str(h) for h in BANK_HEADER]
    filename = f"bank-batch-{round_.year}-{round_.id}.{fmt}"
    if fmt == "csv":
        return csv_response(filename, header, rows)
    return xlsx_response(filename, header, rows, title=_("批量代发"))


@bp.route("/api/v1/rounds/<int:round_id>/money", endpoint="api_round_money")
def api_round_money(round_id: int):
    round_ = db.session.get(Round, round_id)
    if not policy.can_see_round_money(current_user, round_):
        return jsonify({"error": _("找不到该项目库。")}), 404
    return jsonify(money_view.api_figures(round_))


contributions.register_round_link(contributions.RoundLink(
    "money", _l("资金拨付"), lambda round_: url_for("funds.round_money", round_id=round_.id),
    lambda user, round_: policy.can_see_round_money(user, round_),
    testid="round-money-link", order=55))


# --- the group's project page (the payee side's funds.project) ---------------------------------

def _tranches_panel(user, award: Award) -> dict | None:
    if not policy.can_see_money(user, award):
        return None
    data = project_money(award)
    data["may_manage"] = bool(policy.can_manage_money(user, award))
    return data


hooks.register_project_panel(hooks.ProjectPanel(
    "tranches", "funds/_tranches_panel.html", _tranches_panel, order=30))
