"""Expert review: rubric, reviewers, assignment, scores, results, decisions, 公示, objections."""
from marketplace.review import cli, demo, models, todo, views, workflow  # noqa: F401 - its parts (create_app)
