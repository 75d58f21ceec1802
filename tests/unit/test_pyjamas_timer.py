"""pyjamas.Timer under CPython (threads), alone and mixed into a widget."""

import threading
from contextlib import suppress

import pytest

from pyjamas.Timer import Timer
from pyjamas.ui.Label import Label
from tests.support.waiting import WaitTimeout, wait_for


class Counter(Timer):
    """Records each firing in ``events`` (shared between timers, to see their order)."""

    def __init__(self, events=None, name="timer", **kwargs):
        Timer.__init__(self, **kwargs)
        self.events = [] if events is None else events
        self.name = name
        self.fired = 0
        self.event = threading.Event()

    def run(self):
        self.fired += 1
        self.events.append(self.name)
        self.event.set()


def fire_sentinel_after(events, millis) -> None:
    """Schedule a timer ``millis`` from now that records ``"sentinel"``, and wait for it:
    whatever was due before it has had its turn (asserted on the record, not on a clock)."""
    sentinel = Counter(events, "sentinel")
    sentinel.schedule(millis)
    assert sentinel.event.wait(5)


def test_schedule_fires_once():
    events = []
    timer = Counter(events)
    timer.schedule(20)
    assert timer.isScheduled()
    assert timer.event.wait(5)
    fire_sentinel_after(events, 100)  # five periods later
    assert events == ["timer", "sentinel"]
    assert not timer.isScheduled()


def test_schedule_repeating_fires_until_cancelled():
    events = []
    timer = Counter(events)
    timer.scheduleRepeating(10)
    with suppress(WaitTimeout):  # the assertion below says how many
        wait_for(lambda: timer.fired >= 3, 5, "three ticks")
    assert timer.fired >= 3
    timer.cancel()
    assert not timer.isScheduled()
    at_cancel = timer.fired
    fire_sentinel_after(events, 100)  # ten periods later
    # a tick already running when cancel() was called may still land, and nothing after it
    assert events.index("sentinel") <= at_cancel + 1
    assert events[-1] == "sentinel"


def test_cancel_before_firing():
    events = []
    timer = Counter(events)
    timer.schedule(50)
    timer.cancel()
    fire_sentinel_after(events, 150)
    assert events == ["sentinel"]


def test_rescheduling_replaces_the_earlier_schedule():
    events = []
    timer = Counter(events)
    timer.schedule(30)
    timer.schedule(60)
    assert timer.event.wait(5)
    fire_sentinel_after(events, 150)
    assert events == ["timer", "sentinel"]


def test_delay_millis_schedules_at_once():
    timer = Counter(delayMillis=20)
    assert timer.event.wait(5)


def test_notify_function_or_on_timer_gets_the_timer():
    called = []
    done = threading.Event()

    def callback(timer):
        called.append(timer)
        done.set()

    timer = Timer(notify=callback)
    timer.schedule(10)
    assert done.wait(5)
    assert called == [timer]

    class Listener:
        def __init__(self):
            self.timers = []
            self.done = threading.Event()

        def onTimer(self, timer):
            self.timers.append(timer)
            self.done.set()

    listener = Listener()
    other = Timer(notify=listener)
    other.schedule(10)
    assert listener.done.wait(5)
    assert listener.timers == [other]


def test_bad_arguments():
    with pytest.raises(ValueError):
        Timer(notify=42)
    with pytest.raises(ValueError):
        Counter().schedule(0)
    with pytest.raises(ValueError):
        Counter().scheduleRepeating(-1)
    with pytest.raises(NotImplementedError):
        Timer().run()


class LabelTimer(Timer, Label):
    """As flaskcelery's page has it: a label that polls while a timer runs."""

    def __init__(self, countdown=10):
        Timer.__init__(self)
        Label.__init__(self)
        self.countdown = countdown
        self.wait_cnt = 0
        self.finished = threading.Event()

    def run(self):
        self.wait_cnt += 1
        Label.setText(self, "check " + str(self.wait_cnt))
        if self.wait_cnt == 3:
            self.setText("done after " + str(self.wait_cnt))

    def start_timer(self):
        Label.setText(self, "Waiting")
        self.scheduleRepeating(self.countdown)

    def setText(self, text):
        self.cancel()
        Label.setText(self, text)
        self.finished.set()


def test_label_timer_multiple_inheritance():
    label = LabelTimer()
    assert label.getText() == ""
    assert label.getStyleName() == "gwt-Label"
    label.start_timer()
    assert label.getText() == "Waiting"
    assert label.finished.wait(5)
    events = []
    fire_sentinel_after(events, 50)  # five periods: a fourth check would have run by now
    assert label.getText() == "done after 3"
    assert label.wait_cnt == 3
    assert not label.isScheduled()
    assert label.getElement().textContent == "done after 3"
