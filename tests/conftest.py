"""Fixtures shared by every test module; the helpers live in tests/support/."""

pytest_plugins = [
    "tests.support.processes",
    "tests.support.browser",
    "tests.support.services",
]
