"""Users, roles, registration, e-mail confirmation, login, password reset, language."""
from marketplace.accounts import (  # noqa: F401 - its parts
    audit_labels,  # noqa: F401,E402 - what the audit log calls its actions
    invitation_views,
    models,
    views,
)
