"""The Poller's thread: started once, woken early, stopped with a join, and never killed by a pass.

The interval is an hour, so a second pass within a test can only come from a wake (or a busy
pass): the counts below are exact, and DEADLINE_S only bounds a wait that should end at once.
"""

from __future__ import annotations

import logging
import queue
import threading

import pytest

from feedback_ai.poller import Poller

DEADLINE_S = 30.0  # a bound on waiting, not a timing assertion
HOUR_S = 3600.0


class Recording(Poller):
    """Counts its passes; it can fail one, report work for some, or hold one until released."""

    def __init__(self, *, fail_on: int = 0, busy_until: int = 0, hold_on: int = 0) -> None:
        super().__init__(name="test-poller", interval_s=HOUR_S, failure="test pass failed")
        self.fail_on, self.busy_until, self.hold_on = fail_on, busy_until, hold_on
        self.passes = 0
        self.done: queue.Queue[int] = queue.Queue()
        self.release = threading.Event()

    def poll(self) -> bool:
        self.passes += 1
        n = self.passes
        self.done.put(n)
        if n == self.hold_on:
            self.release.wait(DEADLINE_S)
        if n == self.fail_on:
            raise RuntimeError("the database went away")
        return n < self.busy_until

    def next_pass(self) -> int:
        return self.done.get(timeout=DEADLINE_S)


def test_start_polls_once_and_a_wake_polls_again() -> None:
    poller = Recording().start()
    try:
        assert poller.next_pass() == 1
        thread = poller._thread
        assert poller.start()._thread is thread  # a second start keeps the one thread
        poller.wake()
        assert poller.next_pass() == 2
    finally:
        assert poller.stop()
    assert thread is not None and not thread.is_alive() and thread.name == "test-poller"
    assert poller.passes == 2  # an idle pass waits (an hour here) unless woken


def test_a_busy_pass_polls_again_without_waiting() -> None:
    poller = Recording(busy_until=3).start()
    try:
        assert [poller.next_pass() for _ in range(3)] == [1, 2, 3]
    finally:
        assert poller.stop()
    assert poller.passes == 3  # the third pass found nothing to do: it waited for the interval


def test_a_failed_pass_is_logged_and_polling_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    poller = Recording(fail_on=1)
    with caplog.at_level(logging.ERROR, logger=__name__):
        poller.start()
        try:
            assert poller.next_pass() == 1
            poller.wake()  # the failed pass counts as idle: it waits like one
            assert poller.next_pass() == 2
        finally:
            assert poller.stop()
    failed = [r for r in caplog.records if r.getMessage() == "test pass failed"]
    assert len(failed) == 1 and failed[0].name == __name__  # the subclass's logger
    assert failed[0].exc_info is not None and "database went away" in caplog.text


def test_stop_waits_for_the_pass_under_way_and_polls_no_more() -> None:
    poller = Recording(hold_on=1).start()
    thread = poller._thread
    assert thread is not None and poller.next_pass() == 1
    assert not poller.stop(timeout_s=0.05)  # the held pass has not ended: stop says so
    poller.release.set()
    thread.join(DEADLINE_S)
    assert not thread.is_alive() and poller.passes == 1
    assert Recording().stop()  # never started: nothing to wait for
