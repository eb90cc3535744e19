"""What a partner department (命题方) sees of its challenges: the number of bids, and once the
round's awards are public (公示 and after) the awarded teams and amounts. Registered with
rounds.departments, which stands below applications and funds."""
from __future__ import annotations

from sqlalchemy import func, select

from marketplace.applications.models import Application, ApplicationStatus
from marketplace.core.money import from_fen
from marketplace.extensions import db
from marketplace.funds.models import Award, AwardStatus
from marketplace.organisations.models import Organisation
from marketplace.rounds.departments import ChallengeResult, results_source
from marketplace.rounds.models import Challenge, RoundStatus

# Bids a department may count: sent in, whatever became of them since.
UNSENT = (ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN)
PUBLIC = (RoundStatus.PUBLICITY, RoundStatus.DELIVERY, RoundStatus.CLOSED)


@results_source
def challenge_results(challenges: list[Challenge]) -> dict[int, ChallengeResult]:
    ids = [c.id for c in challenges]
    bids = dict(db.session.execute(
        select(Application.challenge_id, func.count(Application.id))
        .where(Application.challenge_id.in_(ids), Application.status.not_in(UNSENT))
        .group_by(Application.challenge_id)).all())
    public = [c.id for c in challenges if c.round.status in PUBLIC]
    awards: dict[int, list] = {i: [] for i in public}
    if public:
        for challenge_id, name, amount in db.session.execute(
                select(Application.challenge_id, Organisation.name, Award.amount_fen)
                .join(Award, Award.application_id == Application.id)
                .join(Organisation, Organisation.id == Application.organisation_id)
                .where(Application.challenge_id.in_(public),
                       Award.status != AwardStatus.WITHDRAWN)
                .order_by(Application.challenge_id, Organisation.name)):
            awards[challenge_id].append((name, from_fen(amount)))
    return {i: ChallengeResult(bids=bids.get(i, 0), awards=awards.get(i)) for i in ids}
