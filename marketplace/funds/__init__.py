"""Awards, their tranches and the append-only ledger; balances are sums of its entries. After
立项, the spending: funding sources, budget versions, variations, expenses (spending_models);
payee accounts and the project agreement (payee_models, agreement_models) and the project
page (agreement_views)."""
from marketplace.funds import (  # noqa: F401 - its parts (create_app)
    agreement_models,
    agreement_views,
    agreement_workflow,
    agreements,
    budgets,
    closing,
    demo,
    expense_views,
    expenses,
    models,
    pages,
    payee_demo,
    payee_models,
    payee_todo,
    payee_views,
    payee_workflow,
    payees,
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
