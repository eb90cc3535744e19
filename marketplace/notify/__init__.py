"""The mail outbox and its sender (`flask outbox send [--watch]`)."""
from marketplace.notify import cli, models, workflow  # noqa: F401 - its parts (create_app)
