"""Lines on the home page's to-do list: finance's (section "finance": releases to approve,
payments to make, returns expected — counted in one statement shared with the workbench's
nav badge, funds/workbench.py) and the organizer's tranches to ask finance to release."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from marketplace.accounts import roles
from marketplace.applications.models import Application
from marketplace.core import todo
from marketplace.core.request_cache import per_request
from marketplace.funds.models import Award, AwardStatus, Tranche, TrancheState
from marketplace.funds.workbench import finance_tallies
from marketplace.organisations.models import Membership
from marketplace.rounds.models import TrancheGate


def _url(anchor: str):
    return lambda tally: url_for("funds.workbench") + anchor


todo.register(roles.is_finance, "funds.releases", _l("待审批的资金下达"),
              lambda user: finance_tallies(user)["releases"], _url("#releases"),
              section="finance", order=10)
todo.register(roles.is_finance, "funds.payments", _l("待拨付的款项"),
              lambda user: finance_tallies(user)["payments"], _url("#due"),
              section="finance", order=20)
todo.register(roles.is_finance, "funds.returns", _l("待收回的资金"),
              lambda user: finance_tallies(user)["returns"], _url("#returns"),
              section="finance", order=30)


@per_request
def organizer_tallies(user) -> dict[str, todo.Tally]:
    """Tranches the organizer may ask finance to release now: stored releasable, or on_award
    and still scheduled (other gates are asked per award, on the project's page)."""
    own = select(Membership.organisation_id).where(Membership.user_id == user.id)
    return todo.tallies({
        "to_request": select(Award.round_id.label("ref")).select_from(Tranche)
        .join(Award, Award.id == Tranche.award_id)
        .join(Application, Application.id == Award.application_id)
        .where(Award.status == AwardStatus.AWARDED, Application.organisation_id.not_in(own),
               or_(Tranche.state == TrancheState.RELEASABLE,
                   and_(Tranche.state == TrancheState.SCHEDULED,
                        Tranche.gate == TrancheGate.ON_AWARD))),
    })


todo.register(roles.is_organizer, "funds.to_request", _l("可申请下达的资金"),
              lambda user: organizer_tallies(user)["to_request"],
              lambda t: url_for("funds.round_money", round_id=t.only) if t.only
              else url_for("review.rounds"), section="organizer", order=160)
