"""The library's unit tests, against a tiny app of the tests' own: ``make check``."""
