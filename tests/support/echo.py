"""A tiny echo service of the tests' own, for the library's unit tests (not the examples')."""

from flask_pyjamas import MethodRegistry

echo_methods = MethodRegistry(title="Echo JSON-RPC service")


@echo_methods.method
def echo(text: str) -> str:
    """The text, unchanged."""
    return text


@echo_methods.method
def reverse(text: str) -> str:
    """The text backwards."""
    return text[::-1]


@echo_methods.method
def uppercase(text: str) -> str:
    """The text in upper case."""
    return text.upper()


@echo_methods.method
def lowercase(text: str) -> str:
    """The text in lower case."""
    return text.lower()
