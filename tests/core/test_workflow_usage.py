"""Every lifecycle goes through core.workflow: complete tables, no status written beside
them, and a refused move that changes nothing — for every workflow the app declares."""
from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.applications.models import ApplicationStatus
from marketplace.audit.models import AuditEntry
from marketplace.core.policy import NotAllowed
from marketplace.core.timeutil import utcnow
from marketplace.core.workflow import REGISTRY
from marketplace.extensions import db
from marketplace.funds import agreements, services, tranches
from marketplace.funds.agreement_models import AgreementStatus
from marketplace.funds.models import AwardStatus, LedgerKind, TrancheState
from marketplace.funds.payee_models import PayeeStatus
from marketplace.funds.payment_models import ReturnStatus
from marketplace.funds.spending_models import (
    ExpenseStatus,
    VariationStatus,
)
from marketplace.notify.models import OutboxMessage, OutboxStatus
from marketplace.notify.services import queue_mail
from marketplace.organisations import services as organisations
from marketplace.organisations.models import InvitationStatus, OrganisationStatus
from marketplace.review import decisions, publicity
from marketplace.review.models import AssignmentStatus, ObjectionStatus, ReviewStatus
from marketplace.rounds import departments, invitations
from marketplace.rounds.models import ChallengeDraftStatus, InvitationAnswer, RoundStatus
from tests.factories import (
    PDF,
    make_application,
    make_assignment,
    make_awarded,
    make_challenge,
    make_expense,
    make_organisation,
    make_organizer,
    make_payee,
    make_review_round,
    make_reviewer,
    make_round,
    make_submitted_review,
    make_user,
    make_variation,
)

PACKAGE = Path(__file__).resolve().parents[2] / "marketplace"
STATE_ATTRIBUTES = {"status", "state"}


def _lifecycles() -> dict:
    return {name: flow for name, flow in REGISTRY.items() if not name.startswith("test-")}


# --- complete tables --------------------------------------------------------------------------

def test_every_lifecycle_table_is_complete(app):
    """Every state can be reached and every state that is not final can be left."""
    flows = _lifecycles()
    assert set(flows) == set(REFUSALS)  # each workflow has its refusal case below
    for name, flow in flows.items():
        assert flow.unreachable() == set(), name
        assert flow.dead_ends() == set(), name


# --- no status written beside the workflow ------------------------------------------------------

def status_writes(source: str) -> list[int]:
    """Lines assigning an attribute named status or state (plain, augmented, annotated, in a
    tuple) or setting one with setattr(obj, "status", ...)."""
    lines = []

    def targets(node):
        if isinstance(node, (ast.Tuple, ast.List)):
            for element in node.elts:
                yield from targets(element)
        elif isinstance(node, ast.Starred):
            yield from targets(node.value)
        else:
            yield node

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign):
            assigned = [t for target in node.targets for t in targets(target)]
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            assigned = list(targets(node.target))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id == "setattr" and len(node.args) >= 2
              and isinstance(node.args[1], ast.Constant)
              and node.args[1].value in STATE_ATTRIBUTES):
            lines.append(node.lineno)
            continue
        else:
            continue
        if any(isinstance(t, ast.Attribute) and t.attr in STATE_ATTRIBUTES for t in assigned):
            lines.append(node.lineno)
    return lines


def _may_write_status(path: Path) -> bool:
    """The mechanism itself, and demo seeders rebuilding history the services cannot replay."""
    return path == PACKAGE / "core" / "workflow.py" or path.name == "demo.py"


def test_no_status_is_written_outside_the_workflow():
    found = [f"{path.relative_to(PACKAGE.parent)}:{line}"
             for path in sorted(PACKAGE.rglob("*.py")) if not _may_write_status(path)
             for line in status_writes(path.read_text(encoding="utf-8"))]
    assert found == []


def test_the_status_write_check_sees_every_form():
    source = """
application.status = S.DRAFT
round_.state += 1
award.status: str = "x"
first, (second.status, third) = 1, (2, 3)
setattr(organisation, "status", "verified")
application.statuses = []
Round(status=RoundStatus.OPEN)
status = application.status
setattr(application, name, value)
"""
    assert status_writes(source) == [2, 3, 4, 5, 6]


# --- a refused move changes nothing -------------------------------------------------------------
# For each workflow: an object in a state, someone its policy refuses for a move the table
# has, and a move the table does not have. Either refusal leaves the status, the audit log and
# the outbox as they were.

def _application():
    application = make_application(make_round(), status=ApplicationStatus.SUBMITTED)
    return application, make_user(), ApplicationStatus.WITHDRAWN, ApplicationStatus.AWARDED


def _round():
    return (make_round(status=RoundStatus.DRAFT), make_user(), RoundStatus.OPEN,
            RoundStatus.DELIVERY)


def _award():
    application = make_application(make_review_round(), requested="1000")
    award = decisions.approve_application(make_organizer(), application, Decimal("1000"))
    db.session.commit()
    return award, make_user(), AwardStatus.AWARDED, AwardStatus.APPROVED


def _verification():
    return (make_organisation(status=OrganisationStatus.PENDING), make_user(),
            OrganisationStatus.VERIFIED, OrganisationStatus.PENDING)


def _organisation_invitation():
    organisation = make_organisation()
    invitation = organisations.invite_member(organisation.memberships[0].user, organisation,
                                             "invitee@example.org")
    db.session.commit()
    return invitation, make_user(), InvitationStatus.ACCEPTED, InvitationStatus.PENDING


def _challenge_invitation():
    challenge = make_challenge(make_round())
    [invitation] = invitations.invite_organisations(make_user(roles=[Role.ORGANIZER]), challenge,
                                               [make_organisation()])
    db.session.commit()
    return invitation, make_user(), InvitationAnswer.BID, InvitationAnswer.PENDING


def _assignment():
    assignment = make_assignment(make_application(), make_reviewer())
    return assignment, make_reviewer(), AssignmentStatus.RECUSED, AssignmentStatus.ACTIVE


def _review():
    reviewer = make_reviewer()
    review_ = make_submitted_review(make_application(), reviewer, [10, 10, 10, 10, 10])
    return review_, reviewer, ReviewStatus.DRAFT, ReviewStatus.SUBMITTED


def _objection():
    organizer = make_organizer()
    round_ = make_review_round()
    application = make_application(round_, requested="1000")
    decisions.approve_application(organizer, application, Decimal("1000"))
    publicity.publish_publicity(organizer, round_)
    objection = publicity.file_objection(round_, publicity.ObjectionData(
        application.id, "甲", "x", "内容足够长的一条异议文字。"))
    db.session.commit()
    return objection, make_user(), ObjectionStatus.UPHELD, ObjectionStatus.OPEN


def _delivery():
    message = queue_mail("someone@example.org", "applications/withdrawn", user=make_user(),
                         application=make_application(make_round()),
                         organisation=make_organisation(), link="https://example.org/")
    db.session.commit()
    return message, None, None, OutboxStatus.PENDING  # the sender's own: no policy to refuse


def _variation():
    award = make_awarded()  # ¥3,000: moving ¥1,000 is past the round's 10%
    variation = make_variation(award, k1="2500.00", k3="0.00")
    return variation, make_user(), VariationStatus.APPROVED, VariationStatus.REQUESTED


def _expense():
    return make_expense(make_awarded()), make_user(), ExpenseStatus.VOIDED, ExpenseStatus.RECORDED


def _tranche():
    award = make_awarded()
    tranches.refresh_releasable(make_organizer(), award)
    db.session.commit()
    return (award.tranches[0], make_user(), TrancheState.RELEASE_REQUESTED,
            TrancheState.PAID)


def _return_request():
    award = make_awarded()
    services.add_entry(LedgerKind.PAYMENT, round_id=award.round_id, pool_id=award.pool_id,
                       award_id=award.id, amount_fen=10_000)
    request = tranches.request_return(make_organizer(), award, Decimal("50.00"), "结余")
    db.session.commit()
    return request, make_user(), ReturnStatus.RECEIVED, ReturnStatus.EXPECTED
def _payee_account():
    account = make_payee(make_organisation(), confirmed=False)
    return account, make_user(), PayeeStatus.CONFIRMED, PayeeStatus.PENDING


def _agreement():
    award = make_awarded()
    make_payee(award.application.organisation)
    owner = award.application.organisation.memberships[0].user
    agreement = agreements.upload_scan(owner, award, "盖章.pdf", PDF)
    db.session.commit()
    return agreement, make_user(), AgreementStatus.SIGNED, AgreementStatus.SCAN_UPLOADED


def _challenge_draft():
    from_staff = make_user(roles=[Role.ORGANIZER])
    contact = make_user()
    department = departments.create_department(from_staff, "市公安局交警支队")
    departments.add_contact(from_staff, department, contact.email)
    draft = departments.create_draft(contact, departments.DraftData(
        department_id=department.id, round_id=make_round(status=RoundStatus.OPEN).id,
        title="文明交通场站", cap_per_team=Decimal("30000")))
    db.session.commit()
    # The department's own contact may not publish: organizers only.
    return draft, contact, ChallengeDraftStatus.PUBLISHED, ChallengeDraftStatus.DRAFT


# workflow name -> builder: (object, actor refused by the policy, target in the table,
# target not in the table)
REFUSALS = {
    "application": _application,
    "round": _round,
    "award": _award,
    "organisation": _verification,
    "organisation_invitation": _organisation_invitation,
    "challenge_invitation": _challenge_invitation,
    "challenge_draft": _challenge_draft,
    "review_assignment": _assignment,
    "review": _review,
    "objection": _objection,
    "outbox_message": _delivery,
    "variation": _variation,
    "expense": _expense,
    "tranche": _tranche,
    "return_request": _return_request,
    "payee_account": _payee_account,
    "agreement": _agreement,
}


def _counts() -> tuple[int, int]:
    return (db.session.scalar(select(func.count(AuditEntry.id))),
            db.session.scalar(select(func.count(OutboxMessage.id))))


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_a_refused_move_changes_nothing(app, name):
    flow = REGISTRY[name]
    obj, stranger, allowed_target, missing_target = REFUSALS[name]()
    state, counts = flow.state_of(obj), _counts()
    attempts = [(make_organizer(), missing_target)]
    assert flow.rule(state, missing_target) is None
    if allowed_target is not None:
        assert flow.rule(state, allowed_target) is not None
        assert not flow.may(stranger, obj, allowed_target, now=utcnow())
        attempts.append((stranger, allowed_target))
    for actor, target in attempts:
        with pytest.raises(NotAllowed):
            flow.move(actor, obj, target, now=utcnow())
        db.session.flush()
        assert flow.state_of(obj) == state
        assert _counts() == counts
    db.session.commit()
    db.session.refresh(obj)
    assert flow.state_of(obj) == state
