"""Times as the trainee reads them: in their time zone (the one saved on My account, else the browser's, else
UTC). Stored times stay UTC; exports and logs stay UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st

TZ_KEY = "_time_zone"  # the actor's saved zone, once read this session ("" when none is saved)


def _zone_named(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def browser_zone() -> str | None:
    """The browser's IANA time zone, if it told us (st.context.timezone)."""
    try:
        name = st.context.timezone
    except Exception:  # noqa: BLE001 - outside a browser session (tests, bare mode)
        return None
    return name if _zone_named(name) else None


def saved_zone() -> str | None:
    """The zone saved on My account, read once per session."""
    if TZ_KEY not in st.session_state:
        from quiz.services import preferences
        from quiz.ui import runtime

        actor = runtime.current_actor()
        st.session_state[TZ_KEY] = (runtime.run(preferences.time_zone, actor) or "") if actor else ""
    return st.session_state.get(TZ_KEY) or None


def zone_name() -> str:
    return saved_zone() or browser_zone() or "UTC"


def zone() -> ZoneInfo:
    return _zone_named(zone_name()) or ZoneInfo("UTC")


def local(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(zone())


def when(dt: datetime | None, default: str = "") -> str:
    """'5 Dec 2026, 14:02 CET'."""
    if dt is None:
        return default
    t = local(dt)
    return f"{t.day} {t:%b %Y, %H:%M} {t.tzname() or ''}".rstrip()


def day(dt: datetime | None, default: str = "") -> str:
    if dt is None:
        return default
    t = local(dt)
    return f"{t.day} {t:%b %Y}"


def clock(dt: datetime | None = None) -> str:
    """'14:02:31' (now, when no time is given)."""
    return f"{local(dt or datetime.now(UTC)):%H:%M:%S}"
