"""sessions.still_valid, the one-query check a fragment of a page makes on each of its own reruns (the exam's
body on every answer, flag or move): it agrees with resolve() on every way a session ends, and keeps a session
in use alive as resolve() does."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text

from quiz.adapters.orm import AuthSession
from quiz.bootstrap import Platform
from quiz.services import sessions
from quiz.services.permissions import Actor
from tests.integration.test_sessions import T0, _new, _who


def _valid(platform: Platform, token: str | None, user: Actor, at=T0) -> bool:  # noqa: ANN001
    with platform.transaction() as s:
        return sessions.still_valid(s, token, user.id, at=at)


def test_it_agrees_with_resolve_on_every_way_a_session_ends(platform: Platform, trainee: Actor,
                                                            trainer: Actor) -> None:
    live = _new(platform, trainee)
    assert _valid(platform, live, trainee) and _who(platform, live).actor == trainee
    assert not _valid(platform, live, trainer)  # someone else's session
    assert not _valid(platform, None, trainee) and not _valid(platform, live + "x", trainee)
    assert not _valid(platform, live, trainee, T0 + sessions.IDLE + timedelta(minutes=1))  # idle too long
    assert not _valid(platform, live, trainee, T0 + sessions.ABSOLUTE)  # too old
    with platform.transaction() as s:
        sessions.revoke(s, live, at=T0)
    assert not _valid(platform, live, trainee) and _who(platform, live).actor is None  # logged out
    other = _new(platform, trainee)
    with platform.transaction() as s:
        s.execute(text("update users set is_active = :f where id = :i"), {"f": False, "i": trainee.id})
    assert not _valid(platform, other, trainee) and _who(platform, other).actor is None  # deactivated


def test_a_session_in_use_is_kept_alive(platform: Platform, trainee: Actor) -> None:
    token = _new(platform, trainee)
    at = T0
    for _ in range(5):  # used every 6 hours: alive past the 8-hour idle limit
        at += timedelta(hours=6)
        assert _valid(platform, token, trainee, at)
    with platform.sessions() as s:
        row = s.scalars(select(AuthSession)).one()
        assert row.last_seen_at == at and row.idle_expires_at == at + sessions.IDLE
