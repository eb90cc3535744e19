"""Volunteer groups: USCC check, members and invitations, verification."""
from marketplace.organisations import (  # noqa: F401 - its parts (create_app)
    audit_labels,  # noqa: F401,E402 - what the audit log calls its actions
    models,
    todo,
    views,
    workflow,
)
