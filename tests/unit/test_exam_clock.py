"""The exam's clock as the server draws it (quiz/ui/exam_clock.py): the milliseconds left and the warnings' texts
for the browser's script, the script itself allowed by the content security policy, and the text shown before
the script runs."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta

from quiz.ui import exam_clock
from quiz.web.csp import TIMER_SCRIPT, policy, script_hash


def _drawn(monkeypatch, left: timedelta) -> list[str]:  # noqa: ANN001
    bodies: list[str] = []
    monkeypatch.setattr(exam_clock.st, "html", lambda body, **kw: bodies.append(body))
    now = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)
    exam_clock.draw_timer(now + left, now)
    return bodies


def test_the_script_is_the_one_the_policy_allows(monkeypatch):  # noqa: ANN001
    timer, region = _drawn(monkeypatch, timedelta(minutes=25, seconds=1, milliseconds=500))
    assert f"<script>{TIMER_SCRIPT}</script>" in timer and script_hash(TIMER_SCRIPT) in policy()
    assert 'data-mc-left="1501500"' in timer  # to the millisecond: the browser counts from there
    assert 'aria-label="Time left: 26 minutes"' in timer and ">26 minutes</span>" in timer
    # the warnings' live region is the same on every run (the script fills it): a redraw never repeats it
    assert region == _drawn(monkeypatch, timedelta(seconds=30))[1] == '<div class="mc-timer-warning" role="alert"></div>'


def test_the_warnings_the_browser_shows_are_the_servers_words(monkeypatch):  # noqa: ANN001
    timer = _drawn(monkeypatch, timedelta(minutes=9))[0]
    warnings = json.loads(html.unescape(re.search(r'data-mc-warn="([^"]*)"', timer).group(1)))
    assert warnings == [[600, "10 minutes or less left: your answers are saved."],
                        [300, "5 minutes or less left: your answers are saved."],
                        [60, "1 minute or less left: your answers are saved."]]


def test_minutes_then_minutes_and_seconds():
    assert [exam_clock.shown_left(s) for s in (3600, 1501, 121, 120, 61, 9, 0)] == [
        "60 minutes", "26 minutes", "3 minutes", "02:00", "01:01", "00:09", "00:00"]
