"""What rounds put on a group member's to-do list (core/todo.py): 派单 invitations to bid on
a challenge, waiting for an answer before the deadline."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from marketplace.accounts import roles
from marketplace.core import todo
from marketplace.rounds.invitations import pending_invitations


def _invitations(user) -> list[todo.Todo]:
    answer = _("揭榜邀请，请答复")
    return [todo.Todo(f"rounds.invitation.{i.id}", i.challenge.title,
                      url_for("rounds.invitation", invitation_id=i.id),
                      detail=f"{answer} · {i.organisation.name} · {i.challenge.round.title}",
                      due_at=i.challenge.round.deadline_at, due_label=_("申报截止"))
            for i in pending_invitations(user)]


todo.register_rows(roles.belongs_to_an_organisation, "rounds.invitations", _invitations,
                   section="member", order=20)
