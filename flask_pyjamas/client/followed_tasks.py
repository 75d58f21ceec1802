"""The tasks a page follows, kept across a reload of the page.

Kept in the tab's ``sessionStorage`` rather than in the URL's fragment: a reload keeps it,
but a link copied from the address bar, a bookmark or the browser's history never carries a
task id to another person or tab (the id is what gives access to the task's result and to
cancelling it), and the page's URL stays what the user typed. Each tab follows its own tasks.
Under CPython (the desktop window) it is a dict in the process's memory
(:mod:`.runtime`): the window has no reload, and closing it ends its follower.
"""

from flask_pyjamas.client import runtime


class FollowedTasks:
    """The ``[task_id, caption]`` pairs stored under ``key``, oldest first.

    ``caption`` is the page's own text for the task (e.g. ``"Primes below 1000: "``); tabs
    and newlines in it are dropped. Like everything read back from storage, show it with
    ``setText``."""

    def __init__(self, key):
        self.key = key

    def entries(self):
        """The tasks stored, as ``[task_id, caption]`` lists."""
        text = runtime.session_get(self.key)
        if text is None or len(text) == 0:
            return []
        entries = []
        for line in text.split("\n"):
            tab = line.find("\t")
            if tab > 0:
                entries.append([line[:tab], line[tab + 1:]])
        return entries

    def task_ids(self):
        return [entry[0] for entry in self.entries()]

    def add(self, task_id, caption=""):
        """Remember ``task_id`` (again: moved to the end)."""
        entries = [entry for entry in self.entries() if entry[0] != task_id]
        entries.append([task_id, caption.replace("\t", " ").replace("\n", " ")])
        self._save(entries)

    def remove(self, task_id):
        """Forget ``task_id`` (its follower has ended)."""
        self._save([entry for entry in self.entries() if entry[0] != task_id])

    def _save(self, entries):
        if len(entries) == 0:
            runtime.session_set(self.key, None)
        else:
            runtime.session_set(self.key, "\n".join([entry[0] + "\t" + entry[1]
                                                     for entry in entries]))
