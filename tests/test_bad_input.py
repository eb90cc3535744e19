"""Bad input never gives a 500 (issue 9, point 7): odd and huge amounts, huge counts, year-1
dates and NUL characters are refused with a message next to their field (or a 400 with a
message), on every page that takes them, and nothing is saved.

The test app propagates exceptions, so a 500 would fail these tests with its traceback."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.applications.models import Application, ApplicationStatus
from marketplace.core.timeutil import to_local, utcnow
from marketplace.extensions import db
from marketplace.funds.models import Award
from marketplace.rounds.models import Challenge, Pool, Round, RoundStatus
from tests.factories import (
    make_application,
    make_challenge,
    make_organisation,
    make_organizer,
    make_review_round,
    make_round,
    make_user,
)

MALFORMED = "请填写金额（元），最多两位小数。"
NEGATIVE = "金额不能为负数。"
TOO_BIG = "金额不能超过 ¥999,999,999.99。"
# typed amount -> the message next to the field
BAD_AMOUNTS = {
    "1e27": MALFORMED, "1e309": MALFORMED, "NaN": MALFORMED, "Infinity": MALFORMED,
    "-0": NEGATIVE, "-5": NEGATIVE, "1,2,3": MALFORMED, "0x1F": MALFORMED,
    "9" * 5000: MALFORMED, "1000000000": TOO_BIG, "999,999,999,999.99": TOO_BIG,
}
HUGE_COUNTS = ["99999999999", "9" * 5000, "1e5"]
COUNT_MESSAGES = ("之间的整数", "请填写整数。")
BAD_DATES = ["0001-01-01", "9999-12-31"]
DATE_MESSAGE = "请填写 2000-01-01 至 2100-12-31 之间的日期。"
NUL_MESSAGE = "请求中含有不允许的控制字符（NUL），未予处理。"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _local(value) -> str:
    return to_local(value).strftime("%Y-%m-%dT%H:%M")


def _round_form(**overrides) -> dict:
    now = utcnow()
    data = {"year": "2026", "title": "保留的标题", "introduction": "", "total_budget": "579,000",
            "opens_at": _local(now - timedelta(hours=1)),
            "deadline_at": _local(now + timedelta(days=30)),
            "review_ends_at": _local(now + timedelta(days=40)), "publicity_days": "7",
            "delivery_ends_at": _local(now + timedelta(days=300)), "categories": "关爱帮扶",
            "max_amount_per_project": "50000", "max_applications_per_org": "2",
            "tranches-0-label": "立项拨付", "tranches-0-percent": "100",
            "tranches-0-gate": "on_award"}
    for i in range(1, 5):
        data[f"tranches-{i}-gate"] = "on_award"
    data.update(overrides)
    return data


def _application_form(**overrides) -> dict:
    data = {"title": "海岛老人陪伴计划", "category": "关爱帮扶", "summary": "陪伴",
            "objectives": "探访", "target_group": "老人", "beneficiaries": "40",
            "place": "东港街道", "region": "普陀区", "start_date": "2026-03-01",
            "end_date": "2026-11-30", "volunteers": "12",
            "budget-0-item": "慰问品", "budget-0-category": "materials",
            "budget-0-quantity": "3", "budget-0-unit_price": "33.33", "action": "save"}
    data.update(overrides)
    return data


def _page(response, *messages: str) -> str:
    """The page with one of `messages` in it (not a 500): a form re-shown after a POST answers
    422 (so its request rolls back), a page asked for with GET 200."""
    expected = 200 if response.request.method == "GET" else 422
    assert response.status_code == expected, response.status_code
    html = response.get_data(as_text=True)
    assert any(m in html for m in messages), messages
    return html


@pytest.fixture
def organizer_client(app, login_as):
    return login_as(make_user(roles=[Role.ORGANIZER]))


@pytest.fixture
def member_client(app, login_as):
    member = make_user()
    make_organisation(member, region="普陀区")
    return login_as(member)


# --- amounts ------------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["total_budget", "max_amount_per_project"])
def test_odd_amounts_in_round_settings_are_refused_next_to_the_field(organizer_client, field):
    for typed, message in BAD_AMOUNTS.items():
        html = _page(organizer_client.post("/rounds/new", data=_round_form(**{field: typed})),
                     message)
        assert 'value="保留的标题"' in html
    assert _count(Round) == 0
    draft = make_round(status=RoundStatus.DRAFT)
    for typed, message in BAD_AMOUNTS.items():
        _page(organizer_client.post(f"/rounds/{draft.id}/edit",
                                    data=_round_form(**{field: typed})), message)
    assert db.session.get(Round, draft.id).total_budget_fen == 100_000_000


def test_odd_pool_amounts_are_refused_next_to_the_field(organizer_client):
    round_ = make_round(status=RoundStatus.DRAFT)
    pool = round_.pools[0]
    for typed, message in BAD_AMOUNTS.items():
        _page(organizer_client.post(f"/rounds/{round_.id}/pools/new", data={
            "name": "新资金池", "kind": "general", "amount": typed}), message)
        _page(organizer_client.post(f"/rounds/pools/{pool.id}/edit", data={
            "name": pool.name, "kind": "general", "amount": typed}), message)
    assert _count(Pool) == 1
    assert db.session.get(Pool, pool.id).amount_fen == 50_000_000


@pytest.mark.parametrize("field", ["cap_per_team", "pool_amount"])
def test_odd_challenge_amounts_are_refused_next_to_the_field(organizer_client, field):
    round_ = make_round(status=RoundStatus.DRAFT)
    challenge = make_challenge(round_)
    for typed, message in BAD_AMOUNTS.items():
        data = {"title": "斑马线守护", "cap_per_team": "30000", "slots": "2", "pool_id": "new",
                field: typed}
        _page(organizer_client.post(f"/rounds/{round_.id}/challenges/new", data=data), message)
        if field == "cap_per_team":  # an existing challenge's pool is edited on its own page
            data["pool_id"] = str(challenge.pool_id)
            _page(organizer_client.post(f"/rounds/challenges/{challenge.id}/edit", data=data),
                  message)
    assert _count(Challenge) == 1
    assert db.session.get(Challenge, challenge.id).cap_per_team_fen == 3_000_000


def test_odd_budget_line_prices_and_quantities_are_refused_next_to_the_cell(member_client):
    round_ = make_round()
    url = f"/applications/new?round_id={round_.id}"
    for typed, message in BAD_AMOUNTS.items():
        price_message = message if message == TOO_BIG else "单价须为不小于 0 的金额"
        html = _page(member_client.post(url, data=_application_form(
            **{"budget-0-unit_price": typed})), price_message)
        assert 'value="海岛老人陪伴计划"' in html
        quantity_message = "数量不能超过 1,000,000。" if message == TOO_BIG \
            else "数量须为大于 0 的数"
        _page(member_client.post(url, data=_application_form(
            **{"budget-0-quantity": typed})), quantity_message)
    # Each cell within its limit, their product beyond it: refused, not overflowing BIGINT.
    _page(member_client.post(url, data=_application_form(
        **{"budget-0-quantity": "1000000", "budget-0-unit_price": "999999999.99"})),
        "本行金额不能超过 ¥999,999,999.99。")
    assert _count(Application) == 0


def test_a_budget_whose_lines_sum_beyond_the_maximum_is_refused(member_client):
    round_ = make_round()
    lines = {}
    for i in range(3):
        lines |= {f"budget-{i}-item": f"物资{i}", f"budget-{i}-category": "materials",
                  f"budget-{i}-quantity": "1", f"budget-{i}-unit_price": "500000000"}
    _page(member_client.post(f"/applications/new?round_id={round_.id}",
                             data=_application_form(**lines)),
          "预算合计不能超过 ¥999,999,999.99。")
    assert _count(Application) == 0


def test_odd_decision_amounts_are_refused_next_to_the_field(app, login_as):
    application = make_application(requested="50000.00")
    client = login_as(make_organizer())
    for typed, message in BAD_AMOUNTS.items():
        _page(client.post(f"/review/decisions/{application.id}", data={
            "action": "approve", "amount": typed, "pool_id": application.pool_id}), message)
    assert _count(Award) == 0
    assert db.session.get(Application, application.id).status == ApplicationStatus.IN_REVIEW


def test_full_width_digits_are_taken_as_typed(organizer_client):
    round_ = make_round(status=RoundStatus.DRAFT)
    response = organizer_client.post(f"/rounds/{round_.id}/pools/new", data={
        "name": "全角资金池", "kind": "targeted", "regions": ["岱山县"],
        "amount": "１２３，０００．５０"})
    assert response.status_code == 302
    pool = db.session.scalar(select(Pool).where(Pool.name == "全角资金池"))
    assert pool.amount_fen == 12_300_050


def test_a_30_million_round_budget_saves_through_the_form(organizer_client):
    response = organizer_client.post("/rounds/new", data=_round_form(total_budget="30,000,000"))
    assert response.status_code == 302
    assert db.session.scalar(select(Round.total_budget_fen)) == 3_000_000_000


# --- counts -------------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["year", "publicity_days", "max_applications_per_org",
                                   "rule_personnel", "tranches-0-percent"])
def test_huge_counts_in_round_settings_are_refused_next_to_the_field(organizer_client, field):
    for typed in HUGE_COUNTS:
        _page(organizer_client.post("/rounds/new", data=_round_form(**{field: typed})),
              *COUNT_MESSAGES, "应为 1 到 100 之间的整数。")
    assert _count(Round) == 0


def test_huge_challenge_slots_are_refused_next_to_the_field(organizer_client):
    round_ = make_round(status=RoundStatus.DRAFT)
    for typed in HUGE_COUNTS:
        _page(organizer_client.post(f"/rounds/{round_.id}/challenges/new", data={
            "title": "斑马线守护", "cap_per_team": "30000", "slots": typed, "pool_id": "new"}),
            *COUNT_MESSAGES)
    assert _count(Challenge) == 0


@pytest.mark.parametrize("field", ["volunteers", "beneficiaries"])
def test_huge_application_counts_are_refused_next_to_the_field(member_client, field):
    round_ = make_round()
    for typed in HUGE_COUNTS:
        html = _page(member_client.post(f"/applications/new?round_id={round_.id}",
                                        data=_application_form(**{field: typed})),
                     *COUNT_MESSAGES)
        assert 'value="海岛老人陪伴计划"' in html
    assert _count(Application) == 0


def test_huge_review_settings_and_rubric_numbers_are_refused_with_a_message(organizer_client):
    round_ = make_review_round()
    for typed in HUGE_COUNTS:
        for field in ("reviewers_per_application", "disagreement_points"):
            data = {"reviewers_per_application": "3", "others_scores": "after_own",
                    "scoring_method": "mean", "disagreement_points": "20", field: typed}
            # The message is flashed on the round's page (each request its own session).
            assert organizer_client.post(f"/review/rounds/{round_.id}/settings",
                                         data=data).status_code == 302
            _page(organizer_client.get(f"/review/rounds/{round_.id}"), *COUNT_MESSAGES)
        for field in ("weight", "max_score"):
            data = {"criteria-0-name": "公益性", "criteria-0-weight": "100",
                    "criteria-0-max_score": "10", f"criteria-0-{field}": typed}
            _page(organizer_client.post(f"/review/rounds/{round_.id}/rubric", data=data),
                  *COUNT_MESSAGES)


# --- dates --------------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["opens_at", "deadline_at", "review_ends_at",
                                   "delivery_ends_at"])
def test_year_one_round_dates_are_refused_next_to_the_field(organizer_client, field):
    for typed in BAD_DATES:
        _page(organizer_client.post("/rounds/new",
                                    data=_round_form(**{field: f"{typed}T00:00"})),
              DATE_MESSAGE)
    assert _count(Round) == 0


@pytest.mark.parametrize("field", ["start_date", "end_date"])
def test_year_one_application_dates_are_refused_next_to_the_field(member_client, field):
    round_ = make_round()
    for typed in BAD_DATES:
        _page(member_client.post(f"/applications/new?round_id={round_.id}",
                                 data=_application_form(**{field: typed})), DATE_MESSAGE)
    assert _count(Application) == 0


def test_year_one_review_deadline_and_publicity_start_are_refused_with_a_message(
        organizer_client):
    round_ = make_review_round()
    for typed in BAD_DATES:
        # The messages are flashed on the round's page (each request its own session).
        organizer_client.post(f"/review/rounds/{round_.id}/deadline",
                              data={"review_ends_at": f"{typed}T00:00"})
        _page(organizer_client.get(f"/review/rounds/{round_.id}"), DATE_MESSAGE)
        organizer_client.post(f"/review/rounds/{round_.id}/publicity", data={"starts_on": typed})
        _page(organizer_client.get(f"/review/rounds/{round_.id}"), DATE_MESSAGE)
    assert db.session.get(Round, round_.id).status == RoundStatus.REVIEWING


@pytest.mark.parametrize("field", ["date_from", "date_to"])
def test_year_one_audit_log_dates_are_refused_next_to_the_filter(app, login_as, field):
    client = login_as(make_user(roles=[Role.ADMIN]))
    for typed in BAD_DATES:
        _page(client.get(f"/admin/audit?{field}={typed}"), DATE_MESSAGE)


# --- NUL characters -----------------------------------------------------------------------

def _refused(response) -> None:
    assert response.status_code == 400
    assert NUL_MESSAGE in response.get_data(as_text=True)


def test_nul_in_list_filters_is_refused_as_bad_input(app, login_as):
    round_ = make_round()
    organizer = login_as(make_user(roles=[Role.ORGANIZER, Role.ADMIN]))
    for name in ("q", "status", "category", "region", "sort", "challenge_id", "pool_id"):
        _refused(organizer.get(f"/applications/?round_id={round_.id}&{name}=a%00b"))
        _refused(organizer.get(f"/applications/export.csv?round_id={round_.id}&{name}=%00"))
    _refused(organizer.get("/admin/users?q=%00"))
    _refused(organizer.get("/admin/organisations?status=%00"))
    for name in ("actor", "action", "object_type", "date_from"):
        _refused(organizer.get(f"/admin/audit?{name}=x%00"))
    _refused(organizer.get("/dashboard?region=%00"))
    _refused(organizer.get(f"/review/rounds/{round_.id}/ranking?pool_id=%00"))


def test_nul_in_the_json_api_is_a_400_naming_the_field(client):
    round_ = make_round()
    response = client.get(f"/api/v1/rounds/{round_.id}/stats?region=%00")
    assert response.status_code == 400
    assert response.get_json() == {"error": NUL_MESSAGE, "fields": {"region": NUL_MESSAGE}}


def test_nul_in_a_form_field_or_a_path_is_refused_as_bad_input(member_client, client):
    round_ = make_round()
    _refused(member_client.post(f"/applications/new?round_id={round_.id}",
                                data=_application_form(title="标题\x00")))
    assert _count(Application) == 0
    _refused(client.post("/login", data={"email": "a\x00@example.org", "password": "x"}))
    _refused(client.get("/organisations/invitations/" + quote("abc\x00")))
    _refused(client.get("/confirm/" + quote("\x00")))


# --- ids too large for a column -----------------------------------------------------------

def test_ids_and_pages_too_large_for_a_column_name_nothing(app, login_as):
    round_ = make_round()
    client = login_as(make_user(roles=[Role.ORGANIZER, Role.ADMIN]))
    huge = "99999999999"  # beyond a 32-bit INTEGER
    for url in (f"/rounds/{huge}", f"/applications/{huge}/edit", f"/api/v1/rounds/{huge}/stats",
                f"/applications/?round_id={huge}", f"/applications/new?challenge_id={huge}",
                f"/applications/?round_id={round_.id}&pool_id={huge}",
                f"/applications/?round_id={round_.id}&page={huge}0000000000",
                f"/admin/audit?page=-{huge}", f"/dashboard?round={huge}"):
        assert client.get(url).status_code == 404, url
    assert client.get("/rounds/2147483647").status_code == 404  # the largest id still routes
