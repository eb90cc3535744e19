"""Under concurrent requests (real threads; PostgreSQL row locks, SQLite's write lock): a
double-clicked signature signs once, and two finance officers confirming one change of payee
account at once confirm it once."""
from __future__ import annotations

from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.audit.models import AuditEntry
from marketplace.extensions import db
from marketplace.funds import agreements, payees
from marketplace.funds.agreement_models import Agreement
from marketplace.funds.models import Award
from marketplace.funds.payee_models import AwardPayee, PayeeAccount
from tests.concurrency import race
from tests.factories import make_awarded, make_finance, make_payee, member_of

M = 4


def test_a_double_clicked_signature_signs_once(app):
    award = make_awarded()
    make_payee(award.application.organisation)
    award_id, member_id = award.id, member_of(award).id
    digest = agreements.sha256(agreements.render(award))
    db.session.remove()

    def sign(n: int, start) -> None:
        award = db.session.get(Award, award_id)
        member = db.session.get(User, member_id)
        _ = award.application.organisation.memberships, award.tranches, award.round
        start()
        agreements.sign_agreement(member, award, f"签署人{n}", digest, "203.0.113.9")

    assert race(app, M, sign) == ["ok"] + ["refused"] * (M - 1)
    assert db.session.scalar(select(func.count(Agreement.id))) == 1
    assert db.session.scalar(select(func.count(AwardPayee.id))) == 1
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "agreement.sign")) == 1


def test_two_finance_officers_confirm_a_change_once(app):
    award = make_awarded()
    account = make_payee(award.application.organisation, confirmed=False)
    account_id = account.id
    finance_ids = [make_finance().id, make_finance().id]
    db.session.remove()

    def confirm(n: int, start) -> None:
        account = db.session.get(PayeeAccount, account_id)
        finance = db.session.get(User, finance_ids[n])
        _ = account.organisation.memberships
        start()
        payees.confirm_payee(finance, account)

    assert race(app, 2, confirm) == ["ok", "refused"]
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "payee.confirm")) == 1
