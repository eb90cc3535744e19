"""The round's limit of applications per organisation holds when members submit at once
(a row lock on the organisation on PostgreSQL; SQLite's write lock)."""
from __future__ import annotations

from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.applications import services
from marketplace.applications.models import Application, ApplicationStatus
from marketplace.extensions import db
from tests.concurrency import race
from tests.factories import make_proposal, make_round

N = 4


def test_parallel_submissions_never_exceed_the_limit_per_organisation(app, member,
                                                                     organisation):
    round_ = make_round(max_applications_per_org=1)
    ids = [make_proposal(round_, organisation).id for _ in range(N)]
    member_id = member.id
    db.session.remove()

    def submit(i: int, start) -> None:
        application = db.session.get(Application, ids[i])
        user = db.session.get(User, member_id)
        _ = application.round, application.organisation.memberships
        start()
        services.submit_application(user, application)

    results = race(app, N, submit)

    assert results == ["ok"] + ["refused"] * (N - 1), results
    submitted = db.session.scalar(select(func.count(Application.id)).where(
        Application.status == ApplicationStatus.SUBMITTED))
    assert submitted == 1
