"""quiz.background.run_once_in_background: a named job runs on a thread of its own, once at a time per process;
a failure is logged and the next call runs it again (the academy view's answer snapshot is refreshed so)."""

from __future__ import annotations

import logging
import threading

from quiz import background


def test_a_job_runs_once_at_a_time_and_again_after_it_ends(caplog):  # noqa: ANN001
    release, started, done = threading.Event(), threading.Event(), threading.Event()
    runs: list[str] = []

    def slow() -> None:
        runs.append(threading.current_thread().name)
        started.set()
        release.wait(5)
        done.set()

    assert background.run_once_in_background("test-job", slow)
    assert started.wait(5)
    assert not background.run_once_in_background("test-job", slow)  # still running: not started twice
    release.set()
    assert done.wait(5)
    for _ in range(100):  # the thread takes its name off the list as it ends
        if background.run_once_in_background("test-job", lambda: runs.append("again")):
            break
        threading.Event().wait(0.01)
    else:
        raise AssertionError("the job never ran again")
    assert runs[0] == "quiz-test-job"  # on a thread of its own, named after the job

    failed = threading.Event()

    def broken() -> None:
        failed.set()
        raise RuntimeError("database away")

    with caplog.at_level(logging.ERROR, logger="quiz.background"):
        for _ in range(100):
            if background.run_once_in_background("test-broken", broken):
                break
            threading.Event().wait(0.01)
        assert failed.wait(5)
        for _ in range(100):  # logged, and free to run again
            if background.run_once_in_background("test-broken", lambda: None):
                break
            threading.Event().wait(0.01)
        else:
            raise AssertionError("a failed job blocked the next one")
    assert "background job test-broken failed" in caplog.text
