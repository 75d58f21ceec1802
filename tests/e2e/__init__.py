"""End to end: browsers, desktop windows, deployments, docs, the today's stack tier:
``make test-e2e``."""
