"""Browser code of the library, compiled by Transcrypt with each page (and importable by
CPython, which runs the pages as desktop windows): what every page that calls a Flask
JSON-RPC server needs, whatever the page is.

:mod:`.page_url`
    ``?server=`` (the Flask server's URL) and numbers such as ``?poll=MS``
:mod:`.error_text`
    ``remote_error_text``: what a page shows for a failed call
:mod:`.buttons`
    ``text_button``: a button whose label is text, never HTML
:mod:`.progress_bar`
    ``ProgressBar``: a progress bar widget
:mod:`.task_follower`
    ``TaskFollower``: starts a task (or takes its id) and follows it to its end
:mod:`.retry`
    ``RetryPolicy``: which failures are retried, and the backoff between tries
:mod:`.followed_tasks`
    ``FollowedTasks``: the ids of the tasks a page follows, kept across a reload
:mod:`.runtime`
    the clock, random bytes and per-tab storage, in the browser and under CPython

A page imports them by module (Transcrypt compiles what a page imports), e.g.
``from flask_pyjamas.client.task_follower import TaskFollower``.
"""
