"""Finance's lines on the home page's to-do list (section "finance"): releases to approve,
payments to make, returns expected — counted in one statement shared with the workbench's
nav badge (funds/workbench.py)."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from marketplace.accounts import roles
from marketplace.core import todo
from marketplace.funds.workbench import finance_tallies


def _url(anchor: str):
    return lambda tally: url_for("funds.workbench") + anchor


todo.register(roles.is_finance, "funds.releases", _l("待审批的资金下达"),
              lambda user: finance_tallies(user)["releases"], _url("#releases"),
              section="finance", order=10)
todo.register(roles.is_finance, "funds.payments", _l("待拨付的款项"),
              lambda user: finance_tallies(user)["payments"], _url("#due"),
              section="finance", order=20)
todo.register(roles.is_finance, "funds.returns", _l("待收回的资金"),
              lambda user: finance_tallies(user)["returns"], _url("#returns"),
              section="finance", order=30)
