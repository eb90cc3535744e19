"""Awards, their tranches and the append-only ledger; balances are sums of its entries. After
立项, the spending: funding sources, budget versions, variations, expenses (spending_models)."""
from marketplace.funds import (  # noqa: F401 - its parts (create_app)
    audit_labels,  # noqa: F401,E402 - what the audit log calls its actions
    budgets,
    closing,
    demo,
    expense_views,
    expenses,
    models,
    pages,
    services,
    source_views,
    sources,
    spending_demo,
    spending_models,
    spending_rules,
    spending_workflow,
    variation_views,
    variations,
    views,
    workflow,
)
