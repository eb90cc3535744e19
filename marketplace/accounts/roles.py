"""The one role vocabulary: who counts as an admin, an organizer, a reviewer, finance.

Every policy.py asks these predicates, and templates ask the same questions through the
`roles` helper (`{% if roles.organizer %}`), never `has_role` or the `Role` enum themselves.
Each predicate is safe for an anonymous user (or None) and answers False for it.

Our decision (issue 10): **an admin may do everything an organizer may** — run rounds,
manage review, decide, answer objections, import history, verify organisations. The one
exception every staff rule keeps: nobody reviews, decides on or verifies their own
organisation's project (the domains' policies check membership for that).
"""
from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

from flask import g, has_request_context
from flask_login import current_user

from marketplace.accounts.models import Role


def is_signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_admin(user) -> bool:
    return is_signed_in(user) and user.has_role(Role.ADMIN)


def is_organizer(user) -> bool:
    """League staff, and admins: an admin may do everything an organizer may."""
    return is_signed_in(user) and user.has_role(Role.ORGANIZER, Role.ADMIN)


def is_reviewer(user) -> bool:
    return is_signed_in(user) and user.has_role(Role.REVIEWER)


def is_finance(user) -> bool:
    return is_signed_in(user) and user.has_role(Role.FINANCE)


def is_staff(user) -> bool:
    """The word the applications and organisations rules use for those who see every group's
    submitted work and verify organisations: the organizers (admins included), nobody else."""
    return is_organizer(user)


# Membership of an organisation belongs to the organisations domain, a layer above this one.
# It hands its answer in through `membership_check`, so `roles.member` needs no upward import.
def _no_organisations(user) -> bool:
    return False


_has_a_membership: Callable[[object], bool] = _no_organisations


def membership_check(check: Callable[[object], bool]) -> Callable[[object], bool]:
    """Register how to ask "is this user in at least one organisation?"."""
    global _has_a_membership
    _has_a_membership = check
    return check


def belongs_to_an_organisation(user) -> bool:
    """Owner or member of at least one organisation: the volunteer-group side of the site."""
    return is_signed_in(user) and _has_a_membership(user)


# Department contacts (命题方) are kept by the rounds domain, a layer above this one; it hands
# its answer in through `department_contact_check`, as organisations do for membership.
def _no_departments(user) -> bool:
    return False


_is_a_department_contact: Callable[[object], bool] = _no_departments


def department_contact_check(check: Callable[[object], bool]) -> Callable[[object], bool]:
    """Register how to ask "is this user a contact of at least one partner department?"."""
    global _is_a_department_contact
    _is_a_department_contact = check
    return check


def is_department_contact(user) -> bool:
    """The role `department`: a contact person of a partner department (命题方). It is held by
    being named a contact of a department (rounds/departments.py), not granted as a Role."""
    return is_signed_in(user) and _is_a_department_contact(user)


def has_a_staff_role(user) -> bool:
    """Organizer, admin, reviewer or finance: someone the platform's own work is for."""
    return is_signed_in(user) and user.has_role(Role.ORGANIZER, Role.ADMIN, Role.REVIEWER,
                                                Role.FINANCE)


def is_applicant(user) -> bool:
    """Whom the group side's calls to action are for (登记组织, 申报项目, 我要揭榜, 我的组织,
    我的申报): visitors and signed-in people without a staff role — they may yet register a
    group — and staff who also belong to one. Staff outside any group would only reach a
    refusal."""
    if not is_signed_in(user) or not has_a_staff_role(user):
        return True
    roles = current_roles()
    if roles._user is user:
        return roles.member  # asked once per request, however many links ask
    return belongs_to_an_organisation(user)


def sees_group_pages(user) -> bool:
    """The nav links 我的组织 and 我的申报: signed in, on the group side."""
    return is_signed_in(user) and is_applicant(user)


class Roles:
    """One user's roles for templates; each answer is worked out once, when first asked."""

    def __init__(self, user):
        self._user = user

    @cached_property
    def signed_in(self) -> bool:
        return is_signed_in(self._user)

    @cached_property
    def admin(self) -> bool:
        return is_admin(self._user)

    @cached_property
    def organizer(self) -> bool:
        return is_organizer(self._user)

    @cached_property
    def reviewer(self) -> bool:
        return is_reviewer(self._user)

    @cached_property
    def finance(self) -> bool:
        return is_finance(self._user)

    @cached_property
    def department(self) -> bool:
        """A partner department's contact (is_department_contact): one query when asked."""
        return is_department_contact(self._user)

    @cached_property
    def staff(self) -> bool:
        return is_staff(self._user)

    @cached_property
    def member(self) -> bool:
        # The only answer that costs a query; asked only by pages that need it.
        return belongs_to_an_organisation(self._user)

    @cached_property
    def applicant(self) -> bool:
        """Show the group side's calls to action (is_applicant)."""
        return not self.signed_in or not has_a_staff_role(self._user) or self.member


def current_roles() -> Roles:
    """The signed-in user's `Roles`, made once per request and shared by every template.

    Kept with the user it describes: a login or logout inside the request starts afresh."""
    if not has_request_context():
        return Roles(None)
    user = current_user._get_current_object()
    roles = g.get("_roles")
    if roles is None or roles._user is not user:
        roles = g._roles = Roles(user)
    return roles
