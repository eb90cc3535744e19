"""History import: past rounds, their applications and awards, from a CSV or XLSX file."""
from marketplace.history import (  # noqa: F401 - its parts (create_app)
    audit_labels,  # noqa: F401,E402 - what the audit log calls its actions
    cli,
    demo,
    views,
)
