"""A sliding-window rate limit kept in process memory (e.g. 30 certificate checks per client per 10 minutes).

Each app process counts on its own, so N processes allow up to N times the limit: enough to stop one client
from walking through codes, which is what it is for (codes are random and 78 bits long besides).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    def __init__(self, limit: int, window_seconds: float, *, clock: Callable[[], float] = time.monotonic,
                 max_clients: int = 10_000) -> None:
        self.limit, self.window, self.clock, self.max_clients = limit, window_seconds, clock, max_clients
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        """Count one request from ``client``; False when it already made ``limit`` in the window."""
        now = self.clock()
        with self._lock:
            hits = self._hits.get(client)
            if hits is None:
                if len(self._hits) >= self.max_clients:
                    self._forget_idle(now)
                hits = self._hits[client] = deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True

    def retry_after(self, client: str) -> float:
        """Seconds until ``client`` may try again (0 when it may now)."""
        with self._lock:
            hits = self._hits.get(client)
            if not hits or len(hits) < self.limit:
                return 0.0
            return max(0.0, hits[0] + self.window - self.clock())

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window]:
            del self._hits[key]
        if len(self._hits) >= self.max_clients:  # all busy: drop the oldest to bound memory
            oldest = min(self._hits, key=lambda k: self._hits[k][-1])
            del self._hits[oldest]


# The public verify page: 30 checks per client per 10 minutes.
VERIFY_LIMIT, VERIFY_WINDOW = 30, 600
verify_limiter = RateLimiter(VERIFY_LIMIT, VERIFY_WINDOW)
