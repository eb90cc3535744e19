"""Factories, one module per domain; import them from here (`from tests.factories import ...`)."""
from tests.factories.accounts import *  # noqa: F403
from tests.factories.applications import *  # noqa: F403
from tests.factories.payees import *  # noqa: F403
from tests.factories.payments import *  # noqa: F403
from tests.factories.review import *  # noqa: F403
from tests.factories.rounds import *  # noqa: F403
from tests.factories.spending import *  # noqa: F403
from tests.factories.stats import *  # noqa: F403
