"""At closing, what was paid and not spent — paid minus the accepted expenses — becomes a
return request (the payments side's `request_return`; a stand-in on this branch)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.audit.models import AuditEntry
from marketplace.core.policy import NotAllowed
from marketplace.extensions import db
from marketplace.funds import closing, expenses
from tests.factories import (
    make_awarded,
    make_expense,
    make_organisation,
    make_organizer,
    make_review_round,
    member_of,
    pay,
)


@pytest.fixture
def requested(monkeypatch) -> list[tuple]:
    """What the closing asked the payments side for: (award id, amount, reason)."""
    asked: list[tuple] = []
    monkeypatch.setattr(closing, "request_return",
                        lambda actor, award, amount, reason: asked.append(
                            (award.id, amount, reason)) or "the request")
    return asked


def test_unspent_money_is_paid_minus_accepted_expenses(app, requested):
    award = make_awarded()
    pay(award, "2000.00")
    make_expense(award, line_key=1, amount="1200.00")
    voided = make_expense(award, line_key=2, amount="300.00")
    rejected = make_expense(award, line_key=3, amount="200.00")
    expenses.void_expense(member_of(award), voided, "录重了")
    expenses.reject_expense(make_organizer(), rejected, "发票不合规")
    db.session.commit()
    assert closing.unspent(award) == Decimal("800.00")
    assert closing.request_unspent_return(make_organizer(), award) == "the request"
    assert requested == [(award.id, Decimal("800.00"), closing.CLOSING_REASON)]
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "award.close_spending"))
    assert entry.after == {"paid": "2000.00", "accepted_expenses": "1200.00",
                           "unspent": "800.00"}


def test_nothing_is_requested_when_everything_paid_was_spent(app, requested):
    award = make_awarded()
    pay(award, "1000.00")
    make_expense(award, line_key=1, amount="1000.00")
    make_expense(award, line_key=2, amount="100.00")  # spent more than was paid so far
    assert closing.request_unspent_return(make_organizer(), award) is None
    assert requested == []
    assert db.session.scalar(select(AuditEntry.after).where(
        AuditEntry.action == "award.close_spending"))["unspent"] == "0.00"


def test_only_staff_outside_the_group_close_a_project_s_money(app, requested):
    organizer = make_organizer()
    award = make_awarded(make_review_round(), make_organisation(owner=organizer))
    pay(award, "1000.00")
    for actor in (organizer, member_of(award)):
        with pytest.raises(NotAllowed):
            closing.request_unspent_return(actor, award)
    assert requested == []
