"""Awards, their tranches and the append-only ledger; balances are sums of its entries."""
from marketplace.funds import (  # noqa: F401 - its parts (create_app)  # noqa: F401 - spending: sources, budgets, expenses, variations
    budgets,
    closing,
    expenses,
    models,
    pages,
    services,
    sources,
    spending_models,
    spending_rules,
    spending_workflow,
    variations,
    workflow,
)
