"""Buttons whose label is text: a label may hold text from outside (the page's URL, an
answer), which must never be parsed as HTML."""

from pyjamas.ui.Button import Button


def text_button(label, element_id, listener):
    """A :class:`pyjamas.ui.Button.Button` showing ``label`` as plain text, with the DOM id
    ``element_id``; a click calls ``listener.onClick(button)``."""
    button = Button("", listener)
    button.setText(label)
    button.setID(element_id)
    return button
