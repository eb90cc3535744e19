"""Review pages: one blueprint (`blueprint.py`), its routes in modules by who uses them —
the reviewer's workspace (`workspace_views.py`), the organizer's review of a round
(`management_views.py`) and decisions (`decision_views.py`), the public 公示 with its
objections (`publicity_views.py`) — and the links review adds to other pages."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from marketplace.accounts import roles
from marketplace.core import nav
from marketplace.review import (  # noqa: F401 - their routes, on the one blueprint
    decision_views,
    management_views,
    policy,
    publicity_views,
    workspace_views,
)
from marketplace.review.blueprint import bp  # noqa: F401 - the domain's blueprint (create_app)
from marketplace.rounds import contributions
from marketplace.rounds.models import RoundStatus

nav.register("public", _l("立项公示"), "review.publicity_index", order=20)
nav.register("mine", _l("我的评审任务"), "review.queue", visible=roles.is_reviewer, order=20)
nav.register("staff", _l("评审与立项"), "review.rounds", visible=roles.is_organizer, order=20)
# The round page (rounds domain, below this one) links staff to the round's review once it
# is published.
contributions.register_round_link(contributions.RoundLink(
    "review", _l("评审与立项"), lambda round_: url_for("review.manage_round", round_id=round_.id),
    lambda user, round_: round_.status != RoundStatus.DRAFT
    and policy.can_manage_review(user, round_),
    testid="round-review-link", order=20))
