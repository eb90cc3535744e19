"""The two halves of issue 12 together, with nothing stood in: a payment goes to the payee
copied onto the award when its agreement was signed, waits for the signature, and waits while
a changed account is not yet confirmed by finance."""
from __future__ import annotations

import pytest

from marketplace.core.policy import NotAllowed
from marketplace.extensions import db
from marketplace.funds import payees
from tests.factories import make_awarded, make_payee, owner_of, payee_data, sign
from tests.factories.payments import make_finance, pay_tranche, release


def _awarded_with_payee():
    award = make_awarded()
    make_payee(award.application.organisation, "6222021234567890123")
    return award


def test_a_payment_waits_for_the_signed_agreement_and_then_goes_to_the_awards_payee(app):
    award = _awarded_with_payee()
    tranche = award.tranches[0]
    release(tranche)
    with pytest.raises(NotAllowed, match="协议"):
        pay_tranche(tranche)
    db.session.rollback()
    sign(award)
    payment = pay_tranche(tranche, amount="100.00")
    assert payment.payee_account.replace(" ", "") == "6222021234567890123"


def test_a_changed_account_holds_payments_until_finance_confirms_it(app):
    award = _awarded_with_payee()
    sign(award)
    tranche = award.tranches[0]
    release(tranche)
    organisation = award.application.organisation
    changed = payees.record_payee(owner_of(organisation), organisation,
                                  payee_data("6217009876543210987"))
    db.session.commit()
    with pytest.raises(NotAllowed, match="确认"):
        pay_tranche(tranche, amount="100.00")
    db.session.rollback()
    payees.confirm_payee(make_finance(), changed)
    db.session.commit()
    payment = pay_tranche(tranche, amount="100.00")
    assert payment.payee_account.replace(" ", "") == "6217009876543210987"
