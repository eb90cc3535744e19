"""The to-do lines of payees and agreements (core/todo.py): finance's changes of payee account
to confirm, the organizer's stamped agreement scans to check."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.accounts import roles
from marketplace.core import todo
from marketplace.core.request_cache import per_request
from marketplace.extensions import db
from marketplace.funds import payees
from marketplace.funds.agreement_models import Agreement, AgreementStatus
from marketplace.funds.models import Award


@per_request
def scans_to_confirm(user) -> todo.Tally:
    """Stamped scans waiting for the organizer (one statement), with their round if one."""
    count, low, high = db.session.execute(
        select(func.count(Agreement.id), func.min(Award.round_id), func.max(Award.round_id))
        .join(Award, Award.id == Agreement.award_id)
        .where(Agreement.status == AgreementStatus.SCAN_UPLOADED)).one()
    return todo.Tally(int(count or 0), only=low if low is not None and low == high else None)


todo.register(roles.is_finance, "funds.payee_changes", _l("待确认的收款账户变更"),
              payees.pending_count, lambda tally: url_for("funds.payee_changes"),
              section="finance", order=30)
todo.register(roles.is_organizer, "funds.agreement_scans", _l("待确认的协议书盖章扫描件"),
              scans_to_confirm,
              lambda tally: url_for("funds.agreement_scans"),
              section="organizer", order=170)
