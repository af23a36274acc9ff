"""A user's time zone (issue 12), on SQLite and PostgreSQL: saved, cleared, and refused when not a zone."""

from __future__ import annotations

import pytest

from quiz.services import preferences
from quiz.services.errors import InvalidInput
from tests.integration.attempt_helpers import call


def test_a_time_zone_is_saved_cleared_and_checked(platform, trainee):
    assert call(platform, preferences.time_zone, trainee) is None  # none saved: pages use the browser's
    assert call(platform, preferences.set_time_zone, trainee, " Europe/Madrid ") == "Europe/Madrid"
    assert call(platform, preferences.time_zone, trainee) == "Europe/Madrid"
    with pytest.raises(InvalidInput, match="not a time zone"):
        call(platform, preferences.set_time_zone, trainee, "Mars/Olympus")
    assert call(platform, preferences.time_zone, trainee) == "Europe/Madrid"  # a bad one changes nothing
    assert call(platform, preferences.set_time_zone, trainee, "") == ""
    assert call(platform, preferences.time_zone, trainee) is None
    assert "Europe/Madrid" in preferences.zone_names()
