"""Applications and bids (申报书): drafts, submission, return, withdrawal, attachments, the
organizer's list and exports."""
from marketplace.applications import demo, models, todo, views, workflow  # noqa: F401 - its parts (create_app)
