"""The per-client rate limit of the public verify page."""

from quiz.services.rate_limit import RateLimiter


def test_a_client_gets_its_limit_per_window_and_others_are_not_affected():
    now = [0.0]
    limiter = RateLimiter(3, 600, clock=lambda: now[0])
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b")
    assert limiter.retry_after("a") == 600
    now[0] = 599.9
    assert not limiter.allow("a")
    now[0] = 600.0  # the checks made at 0 have left the window
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]


def test_memory_stays_bounded():
    now = [0.0]
    limiter = RateLimiter(1, 10, clock=lambda: now[0], max_clients=100)
    for i in range(1000):
        now[0] += 0.001
        limiter.allow(f"client-{i}")
    assert len(limiter._hits) <= 100
