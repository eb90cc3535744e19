"""Expert review: rubric, reviewers, assignment, scores, results, decisions, 公示, objections."""
from marketplace.review import (  # noqa: F401 - its parts (create_app)
    audit_labels,  # noqa: F401,E402 - what the audit log calls its actions
    cli,
    demo,
    models,
    todo,
    views,
    workflow,
)
