"""Mass actions as background jobs (SPEC 4): the registry, the selection, submitting and running."""
