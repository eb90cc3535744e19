"""Starting review, the ranking table and its exports, 公示, objections and finalisation."""
import io
import shutil
import subprocess
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from marketplace.applications.models import ApplicationStatus
from marketplace.core.policy import NotAllowed
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.funds.balances import balance
from marketplace.funds.models import AwardStatus, LedgerEntry, LedgerKind
from marketplace.notify.models import OutboxMessage
from marketplace.review import assigning, decisions, results
from marketplace.review import publicity as review_publicity
from marketplace.review.models import Objection, ObjectionStatus
from marketplace.rounds.models import Pool, RoundStatus
from tests.factories import (
    make_application,
    make_organisation,
    make_organizer,
    make_review_round,
    make_reviewer,
    make_round,
    make_submitted_review,
)


def test_review_starts_only_after_the_deadline(app):
    organizer = make_organizer()
    round_ = make_round()  # open, deadline in ten days
    submitted = make_application(round_, status=ApplicationStatus.SUBMITTED)
    with pytest.raises(NotAllowed, match="才截止"):
        assigning.start_review(organizer, round_)
    assert assigning.start_review(organizer, round_,
                                 now=round_.deadline_at + timedelta(seconds=1)) == 1
    assert round_.status == RoundStatus.REVIEWING
    assert submitted.status == ApplicationStatus.IN_REVIEW


def test_ranking_orders_by_score_with_running_total_and_remainder(app):
    round_ = make_review_round()
    pool = round_.pools[0]
    pool.amount_fen = 10_000_000  # 100,000 yuan
    db.session.commit()
    low = make_application(round_, requested="60000", title="低分项目")
    high = make_application(round_, requested="50000", title="高分项目")
    unscored = make_application(round_, requested="1000", title="未评项目")
    r1, r2 = make_reviewer(), make_reviewer()
    make_submitted_review(high, r1, [20, 20, 25, 20, 15])  # 100
    make_submitted_review(high, r2, [10, 10, 12.5, 10, 7.5])  # 50 → spread 50: disagreement
    make_submitted_review(low, r1, [10, 10, 10, 10, 10])  # 10+10+10+10+10 = 50
    rows = results.ranking(round_, pool)
    assert [r.application.id for r in rows] == [high.id, low.id, unscored.id]
    assert rows[0].score == Decimal("75.00") and rows[0].disagreement
    assert rows[1].score == Decimal("50.00")  # 10/20×20 ×3 + 10/25×25 + 10/15×15
    assert (rows[0].done, rows[0].assigned) == (2, 2)
    assert [r.running_total for r in rows] == [Decimal("50000.00"), Decimal("110000.00"),
                                               None]  # not reviewed: not ranked, not counted
    assert rows[1].remainder == Decimal("-10000.00")
    assert rows[2].rank is None


def test_ranking_counts_committed_awards_before_any_open_request(app):
    """The running total starts from what the pool has committed (the ledger), wherever the
    award ranks: approving a better-scored open request would overdraw the pool."""
    round_ = make_review_round()
    pool = round_.pools[0]
    pool.amount_fen = 10_000_000  # 100,000 yuan
    db.session.commit()
    open_ = make_application(round_, requested="50000", title="待定项目")
    approved = make_application(round_, requested="60000", title="已立项项目")
    reviewer = make_reviewer()
    make_submitted_review(open_, reviewer, [20, 20, 25, 20, 15])
    make_submitted_review(approved, reviewer, [10, 10, 10, 10, 10])
    decisions.approve_application(make_organizer(), approved, Decimal("60000"))
    db.session.commit()
    rows = results.ranking(round_, pool)
    assert [r.application.id for r in rows] == [open_.id, approved.id]
    assert [(r.running_total, r.remainder) for r in rows] == [
        (Decimal("110000.00"), Decimal("-10000.00")),
        (Decimal("110000.00"), Decimal("-10000.00"))]


def test_ranking_exports_xlsx_neutralised_and_chinese_pdf(app, login_as):
    round_ = make_review_round()
    application = make_application(round_, title="=HYPERLINK(\"x\") 海岛课堂")
    make_submitted_review(application, make_reviewer(), [15, 15, 20, 15, 10])
    client = login_as(make_organizer())
    page = client.get(f"/review/rounds/{round_.id}/ranking")
    assert page.status_code == 200 and "评审汇总表" in page.get_data(True)
    xlsx = client.get(f"/review/rounds/{round_.id}/ranking.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.cell(2, 2).value.startswith("'=")
    pdf = client.get(f"/review/rounds/{round_.id}/ranking.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf.data, capture_output=True,
                              check=True).stdout.decode()
        assert "评审汇总表" in text and "海岛课堂" in text


def _round_in_publicity(now=None):
    organizer = make_organizer(email="organizer@example.org")
    round_ = make_review_round(publicity_days=7)
    owner_org = make_organisation()
    approved = make_application(round_, owner_org, requested="30000", title="海岛护学")
    waiting = make_application(round_, requested="20000", title="候补项目")
    rejected = make_application(round_, requested="10000", title="落选项目")
    decisions.approve_application(organizer, approved, Decimal("30000"), feedback="请按计划实施")
    decisions.waitlist_application(organizer, waiting, "候补第一")
    decisions.reject_application(organizer, rejected, "服务对象不够明确")
    publicity = review_publicity.publish_publicity(organizer, round_, now=now)
    db.session.commit()
    return organizer, round_, publicity, approved, waiting, rejected


def test_publishing_needs_every_application_decided(app):
    organizer = make_organizer()
    round_ = make_review_round()
    make_application(round_)
    with pytest.raises(NotAllowed, match="没有作出决定"):
        review_publicity.publish_publicity(organizer, round_)


def test_public_page_lists_approved_projects_during_publicity(app, client):
    _, round_, _, approved, waiting, _ = _round_in_publicity()
    page = client.get(f"/publicity/{round_.id}").get_data(True)
    assert approved.title in page and approved.organisation.name in page
    assert "¥30,000.00" in page and waiting.title not in page
    assert round_.title in client.get("/publicity/").get_data(True)


def test_anyone_files_an_objection_and_it_is_acknowledged(app, client):
    _, round_, _, approved, _, _ = _round_in_publicity()
    response = client.post(f"/publicity/{round_.id}/objections", data={
        "application_id": approved.id, "name": "热心市民", "contact": "13800001111",
        "text": "该项目与去年资助的项目内容重复。"})
    assert response.status_code == 200 and "受理编号" in response.get_data(True)
    objection = db.session.scalar(select(Objection))
    assert objection.status == ObjectionStatus.OPEN and objection.name == "热心市民"
    assert db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.to_address == "organizer@example.org")) is not None
    # No e-mail address given: no acknowledgement by mail (the page is the receipt).
    assert db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.template == "review/objection_received")) is None


def test_objection_with_an_email_contact_is_acknowledged_by_mail(app, client):
    _, round_, _, approved, _, _ = _round_in_publicity()
    client.post(f"/publicity/{round_.id}/objections", data={
        "application_id": approved.id, "name": "热心市民", "contact": "citizen@example.org",
        "text": "该项目与去年资助的项目内容重复。"})
    mail = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.to_address == "citizen@example.org"))
    objection = db.session.scalar(select(Objection))
    assert "异议已收到" in mail.subject and objection.reference in mail.subject + mail.body_text
    assert f"/publicity/{round_.id}" in mail.body_text


def test_objections_are_rate_limited_per_address(app, client):
    _, round_, _, approved, _, _ = _round_in_publicity()
    data = {"application_id": approved.id, "name": "甲", "contact": "x@example.org",
            "text": "这是一条用来测试频率限制的异议。"}
    codes = [client.post(f"/publicity/{round_.id}/objections", data=data).status_code
             for _ in range(6)]
    assert codes == [200] * 5 + [429]


def test_objection_outside_the_period_is_refused(app):
    _, round_, publicity, approved, _, _ = _round_in_publicity()
    data = review_publicity.ObjectionData(approved.id, "甲", "x", "内容足够长的一条异议文字。")
    with pytest.raises(NotAllowed, match="不在公示期"):
        review_publicity.file_objection(round_, data, now=publicity.ends_at + timedelta(minutes=1))


def test_dismissed_objection_keeps_the_approval(app):
    organizer, round_, _, approved, _, _ = _round_in_publicity()
    objection = review_publicity.file_objection(round_, review_publicity.ObjectionData(
        approved.id, "甲", "x", "内容足够长的一条异议文字。"))
    with pytest.raises(NotAllowed, match="答复"):
        decisions.dismiss_objection(organizer, objection, "")
    decisions.dismiss_objection(organizer, objection, "经核实，项目内容不重复。")
    assert objection.status == ObjectionStatus.DISMISSED
    assert approved.status == ApplicationStatus.APPROVED


def test_upheld_objection_withdraws_approval_and_waitlisted_may_be_approved(app):
    organizer, round_, _, approved, waiting, _ = _round_in_publicity()
    pool = approved.pool
    objection = review_publicity.file_objection(round_, review_publicity.ObjectionData(
        approved.id, "甲", "x", "内容足够长的一条异议文字。"))
    decisions.uphold_objection(organizer, objection, "经核实，申报材料不实。")
    db.session.commit()
    award = db.session.get(type(objection.application), approved.id)
    assert award.status == ApplicationStatus.REJECTED
    kinds = db.session.scalars(select(LedgerEntry.kind).order_by(LedgerEntry.id)).all()
    assert kinds == [LedgerKind.COMMIT, LedgerKind.DECOMMIT]
    assert balance(Pool, pool.id).committed == 0
    assert results.waitlist(round_)[0].application.id == waiting.id
    decisions.approve_application(organizer, waiting, Decimal("20000"))
    assert waiting.status == ApplicationStatus.APPROVED


@pytest.mark.parametrize("outcome, status", [("dismiss", ObjectionStatus.DISMISSED),
                                             ("uphold", ObjectionStatus.UPHELD)])
def test_the_organizer_answers_an_objection_on_its_page(app, login_as, outcome, status):
    organizer, round_, _, approved, _, _ = _round_in_publicity()
    objection = review_publicity.file_objection(round_, review_publicity.ObjectionData(
        approved.id, "甲", "x", "内容足够长的一条异议文字。"))
    db.session.commit()
    answered = login_as(organizer).post(f"/review/objections/{objection.id}/answer",
                                        data={"outcome": outcome, "reply": "经核实后答复。"},
                                        follow_redirects=True)
    assert "异议已答复。" in answered.get_data(True)
    db.session.expire_all()
    assert db.session.get(Objection, objection.id).status == status


def test_finalise_waits_for_the_end_and_every_answer_then_awards_and_mails(app):
    organizer, round_, publicity, approved, waiting, rejected = _round_in_publicity()
    objection = review_publicity.file_objection(round_, review_publicity.ObjectionData(
        approved.id, "甲", "x", "内容足够长的一条异议文字。"))
    after = publicity.ends_at + timedelta(minutes=1)
    with pytest.raises(NotAllowed, match="结束"):
        review_publicity.finalise_round(organizer, round_,
                                        now=publicity.ends_at - timedelta(hours=1))
    with pytest.raises(NotAllowed, match="没有答复"):
        review_publicity.finalise_round(organizer, round_, now=after)
    decisions.dismiss_objection(organizer, objection, "不成立")
    db.session.query(OutboxMessage).delete()
    assert review_publicity.finalise_round(organizer, round_, now=after) == 1
    db.session.commit()
    assert round_.status == RoundStatus.DELIVERY
    assert approved.status == ApplicationStatus.AWARDED
    assert waiting.status == ApplicationStatus.REJECTED
    award = review_publicity.approved_awards(round_)[0]
    assert award.status == AwardStatus.AWARDED and award.awarded_at == after
    mails = {m.to_address: m for m in db.session.scalars(select(OutboxMessage))}
    owner = approved.organisation.memberships[0].user
    assert "立项" in mails[owner.email].subject and "请按计划实施" in mails[owner.email].body_text
    rejected_owner = rejected.organisation.memberships[0].user
    assert "服务对象不够明确" in mails[rejected_owner.email].body_text
    assert len(mails) == 3


def test_organizer_pages_render(app, login_as):
    organizer, round_, _, approved, _, _ = _round_in_publicity(now=utcnow())
    client = login_as(organizer)
    for url in ["/review/rounds", f"/review/rounds/{round_.id}",
                f"/review/rounds/{round_.id}/objections", f"/review/rounds/{round_.id}/rubric",
                f"/review/decisions/{approved.id}"]:
        assert client.get(url).status_code == 200, url


def test_objection_receipt_carries_nothing_the_filer_typed(app, client):
    _, round_, _, approved, _, _ = _round_in_publicity()
    bait = "中奖通知 请点击 http://evil.example/claim 领取"
    client.post(f"/publicity/{round_.id}/objections", data={
        "application_id": approved.id, "name": bait, "contact": "victim@example.org",
        "text": f"{bait}，该项目与去年资助的项目内容重复。"})
    mail = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.to_address == "victim@example.org"))
    objection = db.session.scalar(select(Objection))
    assert objection.name == bait  # the organizer still sees what was filed
    whole = mail.subject + mail.body_text
    assert objection.reference in whole and f"/publicity/{round_.id}" in whole
    for typed in ("evil.example", "中奖", approved.title):
        assert typed not in whole


def test_objection_receipts_to_one_address_are_limited_whatever_the_ip(app):
    _, round_, _, approved, _, _ = _round_in_publicity()
    for n in range(5):
        review_publicity.file_objection(round_, review_publicity.ObjectionData(
            approved.id, "甲", "Victim@Example.org" if n % 2 else "victim@example.org",
            "内容足够长的一条异议文字。"), ip=f"10.0.0.{n}")
    db.session.commit()
    receipts = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.template == "review/objection_received")).all()
    assert len(receipts) == 3
    assert len(db.session.scalars(select(Objection)).all()) == 5


def test_project_approved_during_publicity_gets_an_objection_period_of_its_own(app, client):
    organizer, round_, publicity, approved, waiting, _ = _round_in_publicity(
        now=utcnow() - timedelta(days=3))
    decisions.approve_application(organizer, waiting, Decimal("20000"))
    db.session.commit()
    after_general_end = publicity.ends_at + timedelta(minutes=1)

    with pytest.raises(NotAllowed, match="不在公示期"):
        review_publicity.file_objection(round_, review_publicity.ObjectionData(
            approved.id, "甲", "x", "内容足够长的一条异议文字。"), now=after_general_end)
    objection = review_publicity.file_objection(round_, review_publicity.ObjectionData(
        waiting.id, "甲", "x", "内容足够长的一条异议文字。"), now=after_general_end)
    decisions.dismiss_objection(organizer, objection, "不成立")
    with pytest.raises(NotAllowed, match="结束"):
        review_publicity.finalise_round(organizer, round_, now=after_general_end)
    page = client.get(f"/publicity/{round_.id}").get_data(as_text=True)
    assert "递补公示" in page
    assert review_publicity.finalise_round(organizer, round_,
                                   now=utcnow() + timedelta(days=7, minutes=1)) == 2
