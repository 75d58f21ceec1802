"""CPython only: which glue the public pyjamas modules call (Transcrypt never sees this module).

Under CPython each public module imports :data:`glue` instead of :mod:`pyjamas._browser`.
It forwards every call to the selected implementation: the headless stand-ins of
:mod:`pyjamas._python` (scripts, tests), until a desktop run selects the Tk glue
(:class:`pyjamas._tk.TkPlatform`) at start-up. The page module itself never chooses.
"""

from pyjamas import _python


class Glue:
    """Looks each glue function up on the selected implementation, at call time, so that a
    choice made after the pyjamas modules were imported still reaches them."""

    def __init__(self):
        self.selected = _python

    def __getattr__(self, name):
        return getattr(self.selected, name)


glue = Glue()


def select(implementation):
    """Make ``implementation`` (anything with :mod:`pyjamas._python`'s functions) the glue;
    returns the one it replaces. Select before the page creates its first widget: the
    cached root panels belong to the old glue's body and are dropped."""
    from pyjamas.ui import RootPanel  # (not at import: RootPanel imports this module)

    previous = glue.selected
    glue.selected = implementation
    RootPanel._root_panels.clear()
    return previous
