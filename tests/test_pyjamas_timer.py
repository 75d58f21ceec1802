"""pyjamas.Timer under CPython (threads), alone and mixed into a widget."""

import threading
import time

import pytest

from pyjamas.Timer import Timer
from pyjamas.ui.Label import Label


class Counter(Timer):
    def __init__(self, **kwargs):
        Timer.__init__(self, **kwargs)
        self.fired = 0
        self.event = threading.Event()

    def run(self):
        self.fired += 1
        self.event.set()


def test_schedule_fires_once():
    timer = Counter()
    timer.schedule(20)
    assert timer.isScheduled()
    assert timer.event.wait(5)
    time.sleep(0.1)
    assert timer.fired == 1
    assert not timer.isScheduled()


def test_schedule_repeating_fires_until_cancelled():
    timer = Counter()
    timer.scheduleRepeating(10)
    deadline = time.monotonic() + 5
    while timer.fired < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert timer.fired >= 3
    timer.cancel()
    time.sleep(0.05)  # a tick under way when cancel() was called may still land
    fired = timer.fired
    time.sleep(0.1)
    assert timer.fired == fired
    assert not timer.isScheduled()


def test_cancel_before_firing():
    timer = Counter()
    timer.schedule(50)
    timer.cancel()
    time.sleep(0.15)
    assert timer.fired == 0


def test_rescheduling_replaces_the_earlier_schedule():
    timer = Counter()
    timer.schedule(30)
    timer.schedule(60)
    time.sleep(0.25)
    assert timer.fired == 1


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
    time.sleep(0.05)
    assert label.getText() == "done after 3"
    assert label.wait_cnt == 3
    assert not label.isScheduled()
    assert label.getElement().textContent == "done after 3"
