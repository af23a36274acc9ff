"""Work the server process does on its own, whoever is looking: every minute it grades the exam attempts whose
deadline has passed (state ``expired``, with the answers saved before the deadline), so the trainer sees the
result and a pass gets its certificate even if the trainee never comes back.

Pages, exports and reports also grade overdue attempts before reading them; this sweep covers the time in
between. Several processes may sweep the same database: grading is a compare-and-set, so each attempt is graded
once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from quiz.adapters.orm import Attempt
from quiz.bootstrap import Platform
from quiz.services.attempts import load_attempt, now_utc
from quiz.services.attempts.grading import finalise

log = logging.getLogger("quiz.background")

SWEEP_SECONDS = 60.0


def sweep_overdue(platform: Platform, *, now: datetime | None = None) -> int:
    """Grade every overdue attempt now, each in its own transaction (one that cannot be graded is logged and
    does not hold up the others); returns how many this call graded."""
    now = now or now_utc()
    with platform.sessions() as session:
        ids = list(session.scalars(select(Attempt.id).where(
            Attempt.state == "in_progress", Attempt.deadline_at.is_not(None), Attempt.deadline_at <= now)))
    graded = 0
    for attempt_id in ids:
        try:
            with platform.transaction() as session:
                graded += finalise(session, load_attempt(session, attempt_id), "expired", now)
        except Exception:  # noqa: BLE001 - the others are still graded; this one is tried again next time
            log.exception("grading overdue attempt %s failed", attempt_id)
    return graded


@dataclass
class Sweeper:
    thread: threading.Thread
    stopped: threading.Event

    def stop(self, timeout: float = 5.0) -> None:
        self.stopped.set()
        self.thread.join(timeout)


_running: Sweeper | None = None
_lock = threading.Lock()


def start_overdue_sweeper(platform: Platform, interval: float = SWEEP_SECONDS) -> Sweeper:
    """Run :func:`sweep_overdue` every ``interval`` seconds in a daemon thread (it ends with the process). A
    failed sweep (the database away for a moment) is logged and tried again at the next tick.

    One sweeper per process: starting one for a new platform (the app's platform cache was cleared) stops the
    previous one, so no thread keeps sweeping a database the process no longer uses."""
    global _running
    stopped = threading.Event()

    def loop() -> None:
        while not stopped.wait(interval):
            try:
                graded = sweep_overdue(platform)
            except Exception:  # noqa: BLE001 - keep sweeping; the next tick tries again
                log.exception("grading overdue attempts failed")
            else:
                if graded:
                    log.info("graded %d overdue attempt(s)", graded)

    thread = threading.Thread(target=loop, name="quiz-overdue-sweeper", daemon=True)
    with _lock:
        if _running is not None:
            _running.stopped.set()  # it ends at its next wake-up; no need to wait for it here
        _running = Sweeper(thread, stopped)
        thread.start()
        return _running


_started: set[str] = set()  # the named one-off jobs this process is running


def run_once_in_background(name: str, work: Callable[[], object]) -> bool:
    """Run ``work()`` on a daemon thread, unless this process is already running the job called ``name``
    (then nothing is started). Returns whether it started. A failure is logged; the next call tries again.
    (The academy view refreshes its snapshot of answer figures this way: quiz.services.academy_answers.)"""
    with _lock:
        if name in _started:
            return False
        _started.add(name)

    def run() -> None:
        try:
            work()
        except Exception:  # noqa: BLE001 - a page asks again later
            log.exception("background job %s failed", name)
        finally:
            with _lock:
                _started.discard(name)

    threading.Thread(target=run, name=f"quiz-{name}", daemon=True).start()
    return True
