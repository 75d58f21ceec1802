"""The examples and the library with real processes: ``make test-integration``."""
