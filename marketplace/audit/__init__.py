"""The append-only audit log and `record()` (handed to core.workflow when imported)."""
from marketplace.audit import models, services  # noqa: F401 - its parts (create_app)
