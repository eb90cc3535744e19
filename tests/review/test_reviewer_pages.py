"""Reviewer workspace: 404 for the unassigned, blind review, scoring, others' scores."""
import io
import os
import zipfile
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.applications.attachments import attachment_path
from marketplace.applications.models import TeamMember
from marketplace.extensions import db
from marketplace.notify.models import OutboxMessage
from marketplace.review import conflicts, policy, reviewing, rules
from marketplace.review.models import OthersScores, Review, ReviewStatus
from tests.factories import (
    make_application,
    make_assignment,
    make_organisation,
    make_organizer,
    make_review_round,
    make_reviewer,
    make_submitted_review,
)

SECRET_NAME = "隐秘青年公益服务中心"


def _attachment_file(app, application):
    """Write the first attachment's bytes where the applications domain keeps uploads."""
    path = attachment_path(application.attachments[0])
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(b"%PDF-1.4 test")


def test_unassigned_reviewer_gets_404_for_proposal_attachments_and_reviews(app, login_as):
    application = make_application(attachments=1)
    _attachment_file(app, application)
    assigned, outsider = make_reviewer(), make_reviewer()
    make_assignment(application, assigned)
    client = login_as(outsider)
    base = f"/review/applications/{application.id}"
    assert client.get(base).status_code == 404
    assert client.get(base + "/attachments/1").status_code == 404
    assert client.post(base, data={"action": "save"}).status_code == 404
    assert client.post(base + "/recuse", data={"note": "x"}).status_code == 404
    client = login_as(assigned)
    assert client.get(base).status_code == 200
    assert client.get(base + "/attachments/1").status_code == 200
    assert client.get(base + "/attachments/2").status_code == 404


def test_recused_reviewer_gets_404_afterwards(app, login_as):
    application = make_application()
    reviewer = make_reviewer()
    make_assignment(application, reviewer)
    client = login_as(reviewer)
    response = client.post(f"/review/applications/{application.id}/recuse",
                           data={"note": "我是该组织的理事"})
    assert response.status_code == 302
    assert client.get(f"/review/applications/{application.id}").status_code == 404


def test_blind_review_hides_identity_in_every_reviewer_page_export_and_mail(app, login_as):
    round_ = make_review_round()
    rules.stored_settings(round_).blind = True
    organisation = make_organisation(name=SECRET_NAME, contact_name="赵联系",
                                     contact_phone="13912345678")
    application = make_application(round_, organisation, attachments=2)
    application.team_members.append(TeamMember(name="钱队员", role="队长", phone="13700000000"))
    db.session.commit()
    _attachment_file(app, application)
    reviewer, other = make_reviewer(), make_reviewer()
    make_submitted_review(application, other, [15, 15, 20, 15, 10])
    assignment = make_assignment(application, reviewer)
    organizer = make_organizer()
    secrets = [SECRET_NAME, organisation.uscc, "赵联系", "13912345678", "钱队员", other.name,
               other.email]
    client = login_as(reviewer)
    base = f"/review/applications/{application.id}"

    bodies = []
    for url in ["/review/", base, "/review/conflicts"]:
        response = client.get(url)
        assert response.status_code == 200, url
        bodies.append(response.get_data(as_text=True))
    assert "附件1.pdf" in bodies[1] and "附件2.pdf" in bodies[1]
    download = client.get(base + "/attachments/1")
    assert "附件1.pdf" in download.headers["Content-Disposition"].replace("%E9%99%84%E4%BB%B6",
                                                                          "附件")
    bodies.append(download.headers["Content-Disposition"])
    form = {f"score_{c.id}": "10" for c in rules.rubric_for(application).criteria}
    bodies.append(client.post(base, data={**form, "action": "save"},
                              follow_redirects=True).get_data(as_text=True))
    review = db.session.scalar(select(Review).where(Review.assignment_id == assignment.id))
    bodies.append(client.post(base, data={**form, "overall_comment": "好", "action": "submit"},
                              follow_redirects=True).get_data(as_text=True))
    assert "专家 1" in bodies[-1]  # others' totals are shown, anonymously
    reviewing.reopen_review(organizer, db.session.get(Review, review.id), "请补充评语")
    db.session.commit()
    bodies.append(client.get(base).get_data(as_text=True))
    xlsx = client.get("/review/my-reviews.xlsx")
    assert xlsx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(xlsx.data)) as z:
        bodies.extend(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    # Their own applications-domain pages refuse a blind reviewer.
    assert not policy.reviewer_may_see(reviewer, application)
    mails = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.to_address == reviewer.email)).all()
    assert mails
    bodies.extend(m.subject + m.body_text for m in mails)
    for body in bodies:
        for secret in secrets:
            assert secret not in body


def test_identity_is_shown_when_review_is_not_blind(app, login_as):
    application = make_application(make_review_round(), make_organisation(name=SECRET_NAME),
                                   attachments=1)
    reviewer = make_reviewer()
    make_assignment(application, reviewer)
    page = login_as(reviewer).get(f"/review/applications/{application.id}").get_data(True)
    assert SECRET_NAME in page
    assert policy.reviewer_may_see(reviewer, application)


def test_reviewer_saves_draft_then_submits_weighted_total(app, login_as):
    application = make_application()
    reviewer = make_reviewer()
    make_assignment(application, reviewer)
    client = login_as(reviewer)
    base = f"/review/applications/{application.id}"
    assert client.get(base).status_code == 200
    ids = [c.id for c in rules.stored_rubric_for(application).criteria]
    db.session.commit()
    scores = dict(zip(ids, ["18", "15", "20", "16", "12"], strict=True))
    draft = {f"score_{ids[0]}": "18", f"comment_{ids[0]}": "需求真实", "action": "save"}
    assert client.post(base, data=draft).status_code == 302
    review = db.session.scalar(select(Review))
    assert review.status == ReviewStatus.DRAFT and review.scores[0].score == Decimal("18")
    incomplete = client.post(base, data={**draft, "action": "submit", "overall_comment": "好"})
    assert incomplete.status_code == 422 and "还缺" in incomplete.get_data(True)
    assert "需求真实" in incomplete.get_data(True)  # what was typed is kept
    data = {f"score_{c}": v for c, v in scores.items()}
    over = client.post(base, data={**data, f"score_{ids[1]}": "21", "overall_comment": "好",
                                   "action": "submit"})
    assert over.status_code == 422 and "0 到 20" in over.get_data(True)
    client.post(base, data={**data, "overall_comment": "总体较好", "action": "submit"})
    db.session.expire_all()
    assert review.status == ReviewStatus.SUBMITTED and review.total == Decimal("81.00")
    again = client.post(base, data={**data, "overall_comment": "改", "action": "save"})
    assert again.status_code == 422


@pytest.mark.parametrize("setting", [OthersScores.AFTER_OWN, OthersScores.NEVER])
def test_others_scores_hidden_until_own_submitted_or_always(app, login_as, setting):
    application = make_application()
    rules.stored_settings(application.round).others_scores = setting
    db.session.commit()
    first, second = make_reviewer(), make_reviewer()
    make_submitted_review(application, first, [19, 19, 24, 19, 14])  # total 95.00
    make_assignment(application, second)
    client = login_as(second)
    base = f"/review/applications/{application.id}"
    assert "95.00" not in client.get(base).get_data(True)
    make_submitted_review(application, second, [10, 10, 10, 10, 10])
    page = client.get(base).get_data(True)
    assert ("95.00" in page) == (setting == OthersScores.AFTER_OWN)
    assert first.name not in page


def test_only_organizer_reopens_with_a_recorded_reason(app, login_as):
    from marketplace.audit.models import AuditEntry
    from marketplace.core.policy import NotAllowed

    application = make_application()
    reviewer = make_reviewer()
    review = make_submitted_review(application, reviewer, [10, 10, 10, 10, 10])
    with pytest.raises(NotAllowed):
        reviewing.reopen_review(reviewer, review, "想改")
    organizer = make_organizer()
    with pytest.raises(NotAllowed, match="理由"):
        reviewing.reopen_review(organizer, review, " ")
    login_as(organizer).post(f"/review/reviews/{review.id}/reopen", data={"reason": "漏评一项"})
    db.session.expire_all()
    assert review.status == ReviewStatus.DRAFT and review.reopen_reason == "漏评一项"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "review.reopen"))
    assert entry.before == {"status": "submitted"}
    assert entry.after == {"status": "draft", "reason": "漏评一项"}


def test_reviewer_declares_standing_conflict_by_name_or_uscc(app, login_as):
    reviewer = make_reviewer()
    by_code, by_name = make_organisation(), make_organisation()
    client = login_as(reviewer)
    client.post("/review/conflicts", data={"organisation": by_code.uscc.lower(), "note": "顾问"})
    client.post("/review/conflicts", data={"organisation": f" {by_name.name} "})
    pairs = conflicts.excluded_pairs([reviewer.id])
    assert (reviewer.id, by_code.id) in pairs and (reviewer.id, by_name.id) in pairs


def test_review_pages_are_404_for_non_reviewers(app, login_as):
    member = make_organisation().memberships[0].user
    client = login_as(member)
    assert client.get("/review/").status_code == 404
    assert client.get("/review/rounds").status_code == 404


# --- the score form on a phone (issue 11, point 17) -------------------------------------------

def _score_all(client, application, rubric_scores=(18, 16, 22, 18, 12)):
    criteria = rules.stored_rubric_for(application).criteria
    data = {f"score_{c.id}": str(v) for c, v in zip(criteria, rubric_scores, strict=True)}
    data.update(action="submit", overall_comment="需求真实，计划可行。")
    return client.post(f"/review/applications/{application.id}", data=data,
                       follow_redirects=True)


def test_the_score_form_is_one_tap_away_from_the_top_of_the_proposal(app, login_as):
    application = make_application()
    reviewer = make_reviewer()
    make_assignment(application, reviewer)
    page = login_as(reviewer).get(f"/review/applications/{application.id}").get_data(True)
    jump = page.index('href="#score"')
    assert jump < page.index(application.summary)  # above the proposal, not after it
    assert 'id="score"' in page


def test_each_criterion_shows_its_maximum_once_and_its_weight_only_when_it_differs(
        app, login_as):
    application = make_application()
    rubric = rules.stored_rubric_for(application)
    rubric.criteria[0].max_score = 10  # out of 10, still counting 20 of the 100
    db.session.commit()
    reviewer = make_reviewer()
    make_assignment(application, reviewer)
    page = login_as(reviewer).get(f"/review/applications/{application.id}").get_data(True)
    legends = [chunk.split("</legend>")[0] for chunk in page.split("<legend")[1:]]
    assert len(legends) == len(rubric.criteria)
    for criterion, legend in zip(rubric.criteria, legends, strict=True):
        assert legend.count(f"满分 {criterion.max_score}") == 1
        if criterion.weight == criterion.max_score:
            assert legend.count(str(criterion.max_score)) == 1, legend
        else:
            assert f"计入总分 {criterion.weight} 分" in legend


def test_a_submitted_review_leads_to_the_next_proposal_of_the_same_round_first(
        app, login_as):
    round_, other_round = make_review_round(), make_review_round()
    first = make_application(round_)
    elsewhere = make_application(other_round)
    same_round = make_application(round_)
    reviewer = make_reviewer()
    for application in (first, elsewhere, same_round):
        make_assignment(application, reviewer)
    client = login_as(reviewer)
    page = _score_all(client, first).get_data(True)
    assert "评分已提交，谢谢！" in page
    assert f'href="/review/applications/{same_round.id}"' in page
    assert "下一个项目" in page and "还有 2 个项目待评" in page

    page = _score_all(client, same_round).get_data(True)
    assert f'href="/review/applications/{elsewhere.id}"' in page  # then the other round's

    page = _score_all(client, elsewhere).get_data(True)
    assert "下一个项目" not in page
    assert "分配给你的评审都已提交，谢谢！" in page and 'href="/review/"' in page


def test_a_draft_shows_no_next_proposal(app, login_as):
    round_ = make_review_round()
    application, other = make_application(round_), make_application(round_)
    reviewer = make_reviewer()
    make_assignment(application, reviewer)
    make_assignment(other, reviewer)
    page = login_as(reviewer).get(f"/review/applications/{application.id}").get_data(True)
    assert "下一个项目" not in page
