"""Timers, as Pyjamas' ``pyjamas.Timer`` (GWT's Timer): ``schedule``, ``scheduleRepeating``,
``cancel`` and ``run``.

In a browser they are ``setTimeout`` / ``setInterval``; under CPython, threads (``run`` is then
called on the timer's thread). A Timer mixes into a widget, with both ``__init__`` called::

    class LabelTimer(Timer, Label):
        def __init__(self):
            Timer.__init__(self)
            Label.__init__(self)

        def run(self):
            self.setText("tick")
"""

from pyjamas import _browser as _runtime

# __pragma__ ('skip')
from pyjamas._platform import glue as _runtime  # noqa: F811  (CPython)

# __pragma__ ('noskip')


class Timer:
    """Calls :meth:`run` (or ``notify``) after a delay, once or repeatedly.

    ``Timer(delayMillis=ms)`` schedules at once. ``Timer(notify=f)`` calls ``f(timer)``, or
    ``f.onTimer(timer)`` if ``f`` has that method, instead of :meth:`run`."""

    # __pragma__ ('kwargs')
    def __init__(self, delayMillis=0, notify=None):
        # attribute names a widget mixed in beside the Timer will not use
        self._timer_handle = None
        self._timer_repeating = False
        self._timer_notify = None
        if notify is not None:
            callback = notify.onTimer if hasattr(notify, "onTimer") else notify
            if not callable(callback):
                raise ValueError("Programming error: notify must be callable")
            self._timer_notify = callback
        if delayMillis != 0:
            self.schedule(delayMillis)
    # __pragma__ ('nokwargs')

    def schedule(self, delayMillis):
        """Fire once, ``delayMillis`` ms from now (replacing any earlier schedule)."""
        if delayMillis <= 0:
            raise ValueError("delay must be positive")
        self.cancel()
        self._timer_repeating = False
        self._timer_handle = _runtime.set_timeout(self._timer_fire, delayMillis)

    def scheduleRepeating(self, periodMillis):
        """Fire every ``periodMillis`` ms until :meth:`cancel` (replacing any earlier one)."""
        if periodMillis <= 0:
            raise ValueError("period must be positive")
        self.cancel()
        self._timer_repeating = True
        self._timer_handle = _runtime.set_interval(self._timer_fire, periodMillis)

    def cancel(self):
        """Stop the timer; it does not fire again until scheduled again."""
        handle = self._timer_handle
        if handle is None:
            return
        self._timer_handle = None
        if self._timer_repeating:
            _runtime.clear_interval(handle)
        else:
            _runtime.clear_timeout(handle)

    def isScheduled(self):
        """True while the timer will fire again."""
        return self._timer_handle is not None

    def run(self):
        """What firing does: override it, or pass ``notify``."""
        raise NotImplementedError("Timer.run() must be overridden, or notify given")

    def _timer_fire(self):
        if not self._timer_repeating:
            self._timer_handle = None
        if self._timer_notify is not None:
            self._timer_notify(self)
        else:
            self.run()
