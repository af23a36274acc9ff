"""A user's own preferences: the time zone their pages show times in (``users.time_zone``, an IANA name such
as ``Europe/Madrid``; empty: the browser's zone). Exports and logs stay in UTC whatever is chosen."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy.orm import Session

from quiz.adapters.orm import User
from quiz.services.errors import InvalidInput, NotFound
from quiz.services.permissions import Actor


def zone_names() -> list[str]:
    """Every IANA zone name this machine knows, sorted (for the My account list)."""
    return sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))


def valid_zone(name: str | None) -> str | None:
    """The zone name if it is a real IANA zone; None for empty; InvalidInput otherwise."""
    name = (name or "").strip()
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"'{name}' is not a time zone we know, e.g. Europe/London.") from None
    return name


def time_zone(session: Session, actor: Actor) -> str | None:
    """The actor's saved time zone, or None (then pages use the browser's)."""
    user = session.get(User, actor.id)
    if user is None:
        raise NotFound("Your account no longer exists.")
    return getattr(user, "time_zone", None)


def set_time_zone(session: Session, actor: Actor, name: str | None) -> str:
    """Save (or, with None/empty, clear) the actor's own time zone; returns what was saved ("" when cleared)."""
    zone = valid_zone(name)
    user = session.get(User, actor.id)
    if user is None:
        raise NotFound("Your account no longer exists.")
    user.time_zone = zone
    session.flush()
    return zone or ""
