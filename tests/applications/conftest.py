from __future__ import annotations

import pytest

from marketplace.accounts.models import Role
from tests.factories import make_organisation, make_round, make_user


@pytest.fixture
def member(app):
    return make_user(name="队长")


@pytest.fixture
def organisation(member):
    return make_organisation(member, name="普陀区海韵志愿服务队", region="普陀区")


@pytest.fixture
def open_round(app):
    return make_round()


@pytest.fixture
def organizer(app):
    return make_user(roles=[Role.ORGANIZER], name="团市委 王老师")
