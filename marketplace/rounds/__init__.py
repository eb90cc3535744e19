"""Rounds (创投集市), pools, challenges, publishing, matching (一键式对接) and 派单, the
public round and challenge pages; what higher domains add to them (`contributions.py`)."""
from marketplace.rounds import (  # noqa: F401 - its parts (create_app)
    audit_labels,  # noqa: F401,E402 - what the audit log calls its actions
    demo,
    department_views,
    departments,
    models,
    todo,
    views,
    workflow,
)
