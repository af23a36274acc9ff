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
from dataclasses import dataclass
from datetime import datetime

from quiz.bootstrap import Platform
from quiz.services.attempts import finalise_overdue

log = logging.getLogger("quiz.background")

SWEEP_SECONDS = 60.0


def sweep_overdue(platform: Platform, *, now: datetime | None = None) -> int:
    """Grade every overdue attempt now, in one transaction; returns how many were graded."""
    with platform.transaction() as session:
        return finalise_overdue(session, now=now)


@dataclass
class Sweeper:
    thread: threading.Thread
    stopped: threading.Event

    def stop(self, timeout: float = 5.0) -> None:
        self.stopped.set()
        self.thread.join(timeout)


def start_overdue_sweeper(platform: Platform, interval: float = SWEEP_SECONDS) -> Sweeper:
    """Run :func:`sweep_overdue` every ``interval`` seconds in a daemon thread (it ends with the process). A
    failed sweep (the database away for a moment) is logged and tried again at the next tick."""
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
    thread.start()
    return Sweeper(thread, stopped)
