"""The lifecycle of a project agreement (项目协议书) as a table (core.workflow): the group
signs it in the app, or uploads a stamped scan that the organizer confirms (or sends back:
the group signs again either way). Nothing leaves `signed`: the signed document never
changes. The organizer's decisions on a scan tell the group by mail."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.core.urls import mail_link
from marketplace.core.workflow import Transition, Workflow
from marketplace.funds import payee_policy as policy
from marketplace.funds.agreement_models import Agreement, AgreementStatus
from marketplace.notify.services import queue_mail


def mail_group(agreement: Agreement, template: str, **context) -> None:
    """Every member of the project's organisation, each in their language."""
    application = agreement.award.application
    link = mail_link("funds.agreement", app_id=application.id)
    for membership in application.organisation.memberships:
        user = membership.user
        queue_mail(user.email, template, user.locale, user=user, agreement=agreement,
                   application=application, link=link, **context)


def _scan_decided(actor, agreement: Agreement, **context) -> None:
    mail_group(agreement, "funds/agreement_scan_decided")


A = AgreementStatus
AGREEMENT = Workflow("agreement", AgreementStatus, initial={A.PENDING}, final={A.SIGNED})
AGREEMENT.add(
    Transition(A.PENDING, A.SIGNED, "agreement.sign", policy.can_sign,
               label=_l("确认并签署"), endpoint="funds.sign_agreement",
               confirm=_l("签署后协议书不能再修改。确认以本组织名义签署吗？")),
    Transition(A.PENDING, A.SCAN_UPLOADED, "agreement.upload_scan", policy.can_upload_scan,
               label=_l("上传盖章扫描件"), endpoint="funds.upload_agreement_scan"),
    Transition(A.SCAN_UPLOADED, A.SIGNED, "agreement.confirm_scan", policy.can_decide_scan,
               label=_l("确认扫描件"), mail=_scan_decided, endpoint="funds.confirm_agreement_scan",
               confirm=_l("确认后协议书即为已签署，不能再修改。确认吗？")),
    Transition(A.SCAN_UPLOADED, A.PENDING, "agreement.reject_scan", policy.can_decide_scan,
               label=_l("退回扫描件"), mail=_scan_decided,
               endpoint="funds.reject_agreement_scan"),
)
