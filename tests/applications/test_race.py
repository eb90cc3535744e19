"""The round's limit of applications per organisation holds when members submit at once
(a row lock on the organisation on PostgreSQL; SQLite's write lock)."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.applications import services
from marketplace.applications.models import Application, ApplicationStatus
from marketplace.core.policy import NotAllowed
from marketplace.extensions import db
from tests.factories import make_proposal, make_round

N = 4


def test_parallel_submissions_never_exceed_the_limit_per_organisation(app, member,
                                                                     organisation):
    round_ = make_round(max_applications_per_org=1)
    ids = [make_proposal(round_, organisation).id for _ in range(N)]
    member_id = member.id
    db.session.remove()
    barrier = threading.Barrier(N)
    results: list[str] = []
    lock = threading.Lock()

    def submit(app_id: int) -> None:
        with app.app_context():
            try:
                application = db.session.get(Application, app_id)
                user = db.session.get(User, member_id)
                _ = application.round, application.organisation.memberships
                barrier.wait(timeout=30)
                try:
                    services.submit_application(user, application)
                    db.session.commit()
                    outcome = "ok"
                except NotAllowed:
                    db.session.rollback()
                    outcome = "refused"
            except Exception as exc:  # a crash must fail the test, not hang it
                db.session.rollback()
                outcome = f"error: {type(exc).__name__}: {exc}"
            finally:
                db.session.remove()
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=submit, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert sorted(results) == ["ok"] + ["refused"] * (N - 1), results
    submitted = db.session.scalar(select(func.count(Application.id)).where(
        Application.status == ApplicationStatus.SUBMITTED))
    assert submitted == 1
