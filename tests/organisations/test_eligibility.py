"""Eligibility reads the county that staff verified, not the one a group last typed: a county
edit sends a verified organisation back to verification, and challenges and targeted pools
ask `organisations.policy.eligibility_region`."""
from decimal import Decimal

import pytest

from marketplace.accounts.models import Role
from marketplace.applications import services as applications
from marketplace.core.policy import NotAllowed
from marketplace.extensions import db
from marketplace.funds import services as funds
from marketplace.organisations import services
from marketplace.organisations.models import OrganisationStatus, OrganisationType
from marketplace.review import decisions
from marketplace.rounds.models import PoolKind
from marketplace.rounds.policy import challenge_admits
from tests.factories import (
    make_application,
    make_challenge,
    make_organisation,
    make_organizer,
    make_pool,
    make_review_round,
    make_round,
    make_user,
)


def _profile(organisation, **changes) -> services.OrganisationData:
    fields = {name: getattr(organisation, name) for name in (
        "name", "org_type", "uscc", "region", "contact_name", "address", "introduction")}
    fields["contact_phone"] = "13905800123"
    fields.update(changes)
    return services.OrganisationData(**fields)


def test_changing_the_county_sends_a_verified_organisation_back_to_verification(app):
    owner = make_user()
    organisation = make_organisation(owner, region="定海区")
    services.update_organisation(owner, organisation, _profile(organisation, region="岱山县"))
    assert organisation.status == OrganisationStatus.PENDING
    assert organisation.region == "岱山县"
    assert organisation.verified_region == "定海区"  # what staff checked, until they check again


def test_verification_records_the_county_staff_checked(app):
    organisation = make_organisation(status=OrganisationStatus.PENDING, region="嵊泗县")
    assert organisation.verified_region is None
    services.verify_organisation(make_user(roles=[Role.ORGANIZER]), organisation)
    assert organisation.verified_region == "嵊泗县"


def test_an_organisation_created_verified_counts_its_county_as_verified(app):
    """History imports and demo data create organisations already verified."""
    assert make_organisation(region="岱山县").verified_region == "岱山县"
    assert make_organisation(status=OrganisationStatus.PENDING).verified_region is None


def test_a_county_edit_does_not_let_a_group_bid_on_another_countys_challenge(app):
    owner = make_user()
    organisation = make_organisation(owner, region="定海区")
    round_ = make_round()
    challenge = make_challenge(round_, eligible_regions=["岱山县"])
    services.update_organisation(owner, organisation, _profile(organisation, region="岱山县"))
    db.session.commit()
    with pytest.raises(NotAllowed):
        applications.start_application(owner, organisation, round_, challenge)


def test_challenge_eligibility_reads_the_verified_county(app):
    challenge = make_challenge(make_round(), eligible_regions=["岱山县"])
    organisation = make_organisation(region="定海区")
    organisation.region = "岱山县"  # however the profile came to differ from what was verified
    decision = challenge_admits(challenge, organisation)
    assert not decision and "定海区" in decision.reason


def test_a_challenges_targeted_pool_reads_the_verified_county(app):
    round_ = make_round()
    challenge = make_challenge(round_, pool=make_pool(round_, regions=["嵊泗县"]))
    organisation = make_organisation(region="定海区")
    organisation.region = "嵊泗县"
    assert not challenge_admits(challenge, organisation)


def test_a_never_verified_organisation_is_in_no_county_for_a_limited_challenge(app):
    challenge = make_challenge(make_round(), eligible_regions=["岱山县"])
    organisation = make_organisation(status=OrganisationStatus.PENDING, region="岱山县")
    decision = challenge_admits(challenge, organisation)
    assert not decision and "None" not in decision.reason


def test_a_targeted_pool_reads_the_verified_county_when_nothing_was_frozen(app):
    round_ = make_review_round()
    targeted = make_pool(round_, kind=PoolKind.TARGETED, regions=["嵊泗县"])
    organisation = make_organisation(region="定海区")
    application = make_application(round_, organisation, pool=targeted, snapshot={})
    organisation.region = "嵊泗县"
    assert funds.organisation_region(application) == "定海区"
    with pytest.raises(NotAllowed, match="定向扶持"):
        decisions.approve_application(make_organizer(), application, Decimal("1000"))


def test_an_application_keeps_the_county_it_was_submitted_with(app):
    """Submission needs a verified organisation, so the frozen county is one staff verified;
    a later move (and new verification) changes neither way what the application was."""
    round_ = make_review_round()
    targeted = make_pool(round_, kind=PoolKind.TARGETED, regions=["嵊泗县"])
    owner = make_user()
    organisation = make_organisation(owner, region="嵊泗县")
    application = make_application(round_, organisation, pool=targeted)
    services.update_organisation(owner, organisation, _profile(organisation, region="定海区"))
    services.verify_organisation(make_user(roles=[Role.ORGANIZER]), organisation)
    assert organisation.verified_region == "定海区"
    decisions.approve_application(make_organizer(), application, Decimal("1000"))


def test_changing_the_type_still_sends_back_to_verification(app):
    """The other eligibility field of a challenge: a sibling of the county rule."""
    owner = make_user()
    organisation = make_organisation(owner, org_type=OrganisationType.VOLUNTEER_TEAM)
    services.update_organisation(owner, organisation, _profile(
        organisation, org_type=OrganisationType.UNIVERSITY_TEAM))
    assert organisation.status == OrganisationStatus.PENDING


def test_staff_see_the_verified_county_next_to_an_edited_one(client, login_as, app):
    owner = make_user()
    organisation = make_organisation(owner, region="定海区")
    services.update_organisation(owner, organisation, _profile(organisation, region="岱山县"))
    db.session.commit()
    html = login_as(make_user(roles=[Role.ORGANIZER])).get(
        f"/organisations/{organisation.id}").get_data(as_text=True)
    assert "认证时的县区：定海区" in html


def test_the_edit_form_warns_that_a_county_change_needs_review(client, login_as, app):
    owner = make_user()
    organisation = make_organisation(owner)
    html = login_as(owner).get(f"/organisations/{organisation.id}/edit").get_data(as_text=True)
    assert "所在县区" in html and "需要重新审核" in html
    assert "修改组织名称、类型、所在县区或统一社会信用代码后" in html
