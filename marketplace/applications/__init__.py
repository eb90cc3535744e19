"""Applications and bids (申报书): drafts, submission, return, withdrawal, attachments, the
organizer's list and exports."""
from marketplace.applications import (  # noqa: F401 - its parts (create_app)
    audit_labels,  # noqa: F401,E402 - what the audit log calls its actions
    demo,
    models,
    todo,
    views,
    workflow,
)
