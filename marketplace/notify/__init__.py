"""The mail outbox and its sender (`flask outbox send [--watch]`), and the notification
centre (站内消息): every mail to someone with an account also appears in the app."""
from marketplace.notify import cli, models, views, workflow  # noqa: F401 - its parts (create_app)
