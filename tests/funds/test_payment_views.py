"""The money pages: who sees what (404 for the rest), the organizer's request and finance's
approval and payment through the forms, a double-submitted payment form, the workbench, the
round's money view (fixed statements), the exports, the API, and `flask funds check`."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEntry
from marketplace.core.policy import NotAllowed
from marketplace.extensions import db
from marketplace.funds import tranches
from marketplace.funds.models import LedgerKind, TrancheState
from marketplace.funds.payment_models import Payment
from marketplace.review import decisions
from marketplace.review import policy as review_policy
from tests.factories import (
    PDF,
    ask_release,
    make_application,
    make_awarded,
    make_finance,
    make_organizer,
    make_review_round,
    make_reviewer,
    make_user,
    member_of,
    pay_tranche,
    payee_registered,
    release,
)


@pytest.fixture
def payee(app):
    with payee_registered() as found:
        yield found


def _key(html: str) -> str:
    return re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', html).group(1)


# --- who sees the money ------------------------------------------------------------------

def test_the_group_sees_its_own_money_and_others_get_404(app, client, login_as, payee):
    award = make_awarded()
    other = make_awarded()
    url = f"/projects/{award.application_id}/money"
    assert login_as(member_of(award)).get(url).status_code == 200
    page = client.get(url).get_data(as_text=True)
    assert "6228 **** **** 8901" in page and "6228 4803 1234 5678 901" not in page
    assert client.get(f"/projects/{other.application_id}/money").status_code == 404
    for user in (make_reviewer(), make_user()):
        assert login_as(user).get(url).status_code == 404
    assert login_as(make_finance()).get(url).status_code == 200
    assert login_as(make_organizer()).get(url).status_code == 200


def test_reviewers_and_groups_see_no_round_money(app, client, login_as):
    award = make_awarded()
    round_id = award.round_id
    for user in (make_reviewer(), member_of(award), make_user()):
        login_as(user)
        assert client.get(f"/rounds/{round_id}/money").status_code == 404
        assert client.get(f"/api/v1/rounds/{round_id}/money").status_code == 404
    assert client.get("/funds/workbench").status_code == 404


def test_finance_cannot_change_rubrics_or_decisions(app, client, login_as):
    round_ = make_review_round()
    application = make_application(round_, requested="1000")
    finance = make_finance()
    login_as(finance)
    assert client.post(f"/review/rounds/{round_.id}/settings", data={}).status_code == 404
    assert client.get(f"/review/rounds/{round_.id}/rubric").status_code == 404
    assert not review_policy.can_manage_review(finance, round_)
    with pytest.raises(NotAllowed):
        decisions.approve_application(finance, application, Decimal("1000"))


# --- release and payment through the pages ------------------------------------------------

def test_organizer_requests_and_finance_approves_and_pays(app, client, login_as, payee):
    award = make_awarded()
    first = award.tranches[0]
    login_as(make_organizer())
    base = f"/projects/{award.application_id}"
    response = client.post(f"{base}/tranches/{first.id}/request-release")
    assert response.status_code == 302
    db.session.refresh(first)
    assert first.state == TrancheState.RELEASE_REQUESTED
    login_as(make_finance())
    assert client.post(f"{base}/tranches/{first.id}/approve").status_code == 302
    db.session.refresh(first)
    assert first.state == TrancheState.RELEASED
    form = client.get(f"{base}/tranches/{first.id}/pay")
    html = form.get_data(as_text=True)
    assert "6228 4803 1234 5678 901" in html  # the full account on the payment page only
    data = {"idempotency_key": _key(html), "amount": "1500.00", "paid_on": "2026-01-10",
            "voucher_number": "记-2026-009", "note": ""}

    def submit():
        return client.post(f"{base}/tranches/{first.id}/pay", content_type="multipart/form-data",
                           data={**data, "scan": (io.BytesIO(PDF), "凭证.pdf")})

    assert submit().status_code == 302
    assert submit().status_code == 302  # a double click: the same payment
    assert db.session.scalar(select(func.count(Payment.id))) == 1
    db.session.refresh(first)
    assert first.state == TrancheState.PAID
    page = client.get(f"{base}/money").get_data(as_text=True)
    assert "记-2026-009" in page


def test_a_payment_form_with_bad_input_keeps_what_was_typed(app, client, login_as, payee):
    award = make_awarded()
    first = award.tranches[0]
    release(first)
    login_as(make_finance())
    url = f"/projects/{award.application_id}/tranches/{first.id}/pay"
    key = _key(client.get(url).get_data(as_text=True))
    response = client.post(url, content_type="multipart/form-data", data={
        "idempotency_key": key, "amount": "99999.00", "paid_on": "2026-01-10",
        "voucher_number": "记-77", "scan": (io.BytesIO(PDF), "凭证.pdf")})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "记-77" in html and "is-invalid" in html
    assert db.session.scalar(select(func.count(Payment.id))) == 0


def test_the_requester_sees_no_approve_button(app, client, login_as, payee):
    both = make_user(roles=[Role.ORGANIZER, Role.FINANCE])
    award = make_awarded()
    ask_release(award.tranches[0], both)
    login_as(both)
    url = f"/projects/{award.application_id}"
    assert f"tranches/{award.tranches[0].id}/approve" not in client.get(
        f"{url}/money").get_data(as_text=True)
    client.post(f"{url}/tranches/{award.tranches[0].id}/approve")
    db.session.refresh(award.tranches[0])
    assert award.tranches[0].state == TrancheState.RELEASE_REQUESTED


# --- the workbench ----------------------------------------------------------------------

def test_the_workbench_lists_releases_payments_and_returns(app, client, login_as, payee):
    a, b, c = make_awarded(), make_awarded(), make_awarded()
    ask_release(a.tranches[0])
    release(b.tranches[0])
    release(c.tranches[0])
    pay_tranche(c.tranches[0])
    tranches.request_return(make_organizer(), c, Decimal("100.00"), "结余")
    db.session.commit()
    finance = make_finance()
    html = login_as(finance).get("/funds/workbench").get_data(as_text=True)
    assert a.application.title in html.split('id="releases"')[1].split('id="due"')[0]
    assert b.application.title in html.split('id="due"')[1].split('id="returns"')[0]
    assert c.application.title in html.split('id="returns"')[1]
    home = client.get("/").get_data(as_text=True)
    assert "待审批的资金下达" in home and "待收回的资金" in home


# --- the round's money, exports, API ------------------------------------------------------

def test_the_round_money_view_runs_a_fixed_number_of_statements(app, login_as, count_queries,
                                                                 payee):
    round_ = make_review_round()
    organizer = make_organizer()

    def add(n):
        for _ in range(n):
            award = make_awarded(round_, organizer=organizer)
            release(award.tranches[0])
            pay_tranche(award.tranches[0], amount="100.00")

    add(2)
    client = login_as(make_finance())
    url = f"/rounds/{round_.id}/money"
    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    add(18)
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert many.count == few.count
    with count_queries() as filtered:
        assert client.get(url + "?state=paid&county=普陀区").status_code == 200
    assert filtered.count == few.count


def test_the_api_gives_the_money_views_figures(app, login_as, payee):
    round_ = make_review_round()
    award = make_awarded(round_)
    release(award.tranches[0])
    pay_tranche(award.tranches[0], amount="1000.00")
    tranches.record_return(make_finance(), award, tranches.ReturnData(
        Decimal("100.00"), date(2026, 1, 11), "结余", None, "ret"))
    db.session.commit()
    body = login_as(make_organizer()).get(f"/api/v1/rounds/{round_.id}/money").get_json()
    assert body["round_id"] == round_.id
    assert (body["committed"], body["released"], body["paid"], body["returned"]) == (
        "3000.00", "1500.00", "900.00", "100.00")
    [pool] = body["pools"]
    assert pool["pool_id"] == award.pool_id and pool["committed"] == "3000.00"
    assert pool["remaining"] == f"{Decimal(pool['budget']) - Decimal('3000.00'):.2f}"
    assert set(pool) == {"pool_id", "name", "source", "budget", "committed", "released",
                         "paid", "returned", "remaining"}


def test_exports_are_neutralised_and_audited(app, client, login_as, payee):
    round_ = make_review_round()
    award = make_awarded(round_)
    release(award.tranches[0])
    pay_tranche(award.tranches[0], amount="10.00", voucher="=HYPERLINK(1)")
    release(make_awarded(round_).tranches[0])  # released, not yet paid: in the bank file
    login_as(make_finance())
    response = client.post(f"/rounds/{round_.id}/money/payments.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][6] == "'=HYPERLINK(1)"
    assert rows[1][9] == "6228 **** **** 8901"
    bank = client.post(f"/rounds/{round_.id}/money/bank-batch.csv")
    rows = list(csv.reader(io.StringIO(bank.get_data(as_text=True).lstrip("\ufeff"))))
    # One row per payment due: the first project's unpaid rest, the second's whole tranche.
    assert [(r[2], r[3]) for r in rows[1:]] == [("6228 4803 1234 5678 901", "1490.00"),
                                                ("6228 4803 1234 5678 901", "1500.00")]
    assert client.post(f"/rounds/{round_.id}/money/payments.xlsx").status_code == 200
    pdf = client.post(f"/projects/{award.application_id}/statement.pdf")
    assert pdf.get_data().startswith(b"%PDF")
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"export.payments", "export.bank_batch", "export.statement"} <= actions


# --- flask funds check -------------------------------------------------------------------

def test_funds_check_passes_on_a_sound_ledger_and_fails_on_a_corrupt_one(app, payee):
    award = make_awarded()
    release(award.tranches[0])
    pay_tranche(award.tranches[0])
    runner = app.test_cli_runner()
    result = runner.invoke(args=["funds", "check"])
    assert result.exit_code == 0, result.output
    # A payment beyond the release, written behind the services' back.
    with db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO ledger_entry (round_id, pool_id, award_id, kind, amount_fen, "
            "tranche_id, note, created_at, imported) VALUES (:r, :p, :a, :k, 1, :t, '', "
            ":now, :f)"), {"r": award.round_id, "p": award.pool_id, "a": award.id,
                           "k": LedgerKind.PAYMENT.value, "t": award.tranches[0].id,
                           "now": datetime(2026, 1, 1), "f": False})
    result = runner.invoke(args=["funds", "check"])
    assert result.exit_code == 1
    assert f"award={award.id}" in result.output and "paid - returned > released" in result.output
    assert f"round={award.round_id}" in result.output


def test_the_organizer_is_told_of_tranches_to_request(app, client, login_as):
    award = make_awarded()
    organizer = make_organizer()
    html = login_as(organizer).get("/").get_data(as_text=True)
    assert "可申请下达的资金" in html and f"/rounds/{award.round_id}/money" in html
    ask_release(award.tranches[0], organizer)
    assert "可申请下达的资金" not in client.get("/").get_data(as_text=True)
