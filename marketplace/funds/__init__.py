"""Awards, their tranches and the append-only ledger; balances are sums of its entries."""
from marketplace.funds import models, pages, services, workflow  # noqa: F401 - its parts (create_app)
