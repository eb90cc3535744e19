"""Expert review: rubric, reviewers, assignment, scores, results, decisions, 公示, objections."""
