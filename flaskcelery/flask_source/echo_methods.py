"""The echo service's methods: each takes exactly one string (anything else is -32602).

The page's same-origin "Python Service" (``services/EchoService.py``), the view function
(``views.py``) and the method view (``method_views.py``) all expose this one registry.
"""

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
