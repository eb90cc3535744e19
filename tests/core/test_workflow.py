"""core.workflow: the table decides, the policy decides, one status write and one audit entry
per object, mails from the transition."""
from __future__ import annotations

import enum

import pytest
from sqlalchemy import select

from marketplace.audit.models import AuditEntry
from marketplace.core.policy import ALLOW, NotAllowed, deny
from marketplace.core.workflow import REGISTRY, Transition, Workflow
from marketplace.extensions import db


class Light(str, enum.Enum):
    RED = "red"
    GREEN = "green"
    AMBER = "amber"
    BROKEN = "broken"

    @property
    def label(self) -> str:
        return {"red": "红灯", "green": "绿灯", "amber": "黄灯", "broken": "故障"}[self.value]


class Lamp:
    __tablename__ = "lamp"

    def __init__(self, id: int, status: Light = Light.RED):
        self.id = id
        self.status = status


def only_wardens(actor, lamp, **context):
    return ALLOW if actor == "warden" else deny("只有管理员可以操作。")


sent: list[tuple] = []


def _make() -> Workflow:
    flow = Workflow("test-lamp", Light, initial={Light.RED}, final={Light.BROKEN})
    flow.add(
        Transition(Light.RED, Light.GREEN, "lamp.go", only_wardens, label="通行"),
        Transition(Light.GREEN, Light.AMBER, "lamp.slow", only_wardens,
                   mail=lambda actor, lamp, **c: sent.append((actor, lamp.id, c))),
        Transition(Light.AMBER, Light.RED, "lamp.stop"),
        Transition(Light.AMBER, Light.BROKEN, "lamp.break", only_wardens),
    )
    return flow


@pytest.fixture
def flow():
    sent.clear()
    yield _make()
    REGISTRY.pop("test-lamp", None)


def _audit() -> list[tuple]:
    return [(e.action, e.object_id, e.before, e.after) for e in db.session.scalars(
        select(AuditEntry).order_by(AuditEntry.id))]


def test_a_move_in_the_table_writes_the_status_and_one_audit_entry(app, flow):
    lamp = Lamp(7)
    flow.move("warden", lamp, Light.GREEN, audit={"reason": "早高峰"})
    assert lamp.status == Light.GREEN
    assert _audit() == [("lamp.go", 7, {"status": "red"},
                         {"status": "green", "reason": "早高峰"})]


def test_a_move_not_in_the_table_is_refused_and_changes_nothing(app, flow):
    lamp = Lamp(1)
    with pytest.raises(NotAllowed) as refused:
        flow.move("warden", lamp, Light.AMBER)
    assert "红灯" in refused.value.reason and "黄灯" in refused.value.reason
    assert lamp.status == Light.RED and _audit() == []


def test_the_policy_refuses_with_its_reason(app, flow):
    lamp = Lamp(1)
    with pytest.raises(NotAllowed, match="只有管理员"):
        flow.move("passer-by", lamp, Light.GREEN)
    assert lamp.status == Light.RED and _audit() == []


def test_the_mail_hook_runs_with_the_context(app, flow):
    lamp = Lamp(3, Light.GREEN)
    flow.move("warden", lamp, Light.AMBER, now="t0")
    assert sent == [("warden", 3, {"now": "t0"})]


def test_next_actions_are_the_moves_this_actor_may_make(app, flow):
    assert [t.action for t in flow.next_actions("warden", Lamp(1, Light.AMBER))] == [
        "lamp.stop", "lamp.break"]
    assert [t.action for t in flow.next_actions("passer-by", Lamp(1, Light.AMBER))] == [
        "lamp.stop"]


def test_a_bulk_move_audits_every_object(app, flow):
    lamps = [Lamp(i) for i in (1, 2, 3)]
    assert flow.move_all("warden", lamps, Light.GREEN) == 3
    assert [(action, object_id) for action, object_id, *_ in _audit()] == [
        ("lamp.go", 1), ("lamp.go", 2), ("lamp.go", 3)]


def test_completeness_reports_unreachable_states_and_dead_ends():
    flow = Workflow("test-partial", Light, initial={Light.RED})
    try:
        flow.add(Transition(Light.RED, Light.GREEN, "lamp.go"))
        assert flow.unreachable() == {Light.AMBER, Light.BROKEN}
        assert flow.dead_ends() == {Light.GREEN, Light.AMBER, Light.BROKEN}
    finally:
        REGISTRY.pop("test-partial", None)


def test_two_different_rows_for_one_move_are_a_mistake(flow):
    with pytest.raises(ValueError):
        flow.add(Transition(Light.RED, Light.GREEN, "lamp.something_else"))
    flow.add(Transition(Light.RED, Light.GREEN, "lamp.go"))  # the same row again is fine
