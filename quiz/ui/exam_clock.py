"""The exam's time left, counted down in the browser.

The server draws the time left when it draws the exam's header (on opening the page and on each click), with
the milliseconds left; one fixed script (``TIMER_SCRIPT``, allowed by its hash in the content security
policy, quiz/web/csp.py) counts down from there in the browser: whole minutes while more than two minutes are
left, then minutes and seconds, in red in the last minute. An idle trainee therefore costs the server nothing
per second (a server-drawn clock cost every sitter a script run every 5 seconds, and every second in the
last two minutes). The same script writes the 10, 5 and 1-minute warnings (texts from :func:`warning_for`)
into a live region (role=alert, announced once as each appears; its element never changes on the server's
side, so a redraw does not announce it again), and at zero presses the page's hidden "time is up" button:
the server then grades the attempt and opens its result. The server stays the authority on time: it refuses
late answers, grades overdue attempts and looks at the deadline on its own every few seconds (see
quiz/ui/pages/exam.py ``_watch``).
"""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime

import streamlit as st

from quiz.ui.question_widgets import plural
from quiz.web.csp import TIMER_SCRIPT

FAST_FROM = 120  # seconds left from which the clock shows minutes and seconds (before: whole minutes)
WARN_AT = (600, 300, 60)  # seconds left at which the trainee is warned: 10, 5 and 1 minute(s)
TIME_UP_KEY = "exam_time_up"  # the hidden button the script presses at zero

TIMER_CSS = """<style>
.mc-timer { font: 600 1rem/1.3 system-ui, sans-serif; color: #31333f; }
.mc-timer-value { font-size: 1.45rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.mc-timer-warning { margin: 0; font-weight: 700; color: #a1001b; }
/* the warning's live region takes no room until the script writes a warning into it */
.stElementContainer:has(.mc-timer-warning:empty) { display: none; }
.st-key-exam_time_up { display: none; }
</style>"""


def fmt_left(seconds: int) -> str:
    m, s = divmod(max(0, seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def warning_for(seconds_left: int) -> str | None:
    """'10 minutes or less left' once 10 minutes or less are left (then 5, then 1); None before."""
    due = [m for m in WARN_AT if seconds_left <= m]
    if not due or seconds_left <= 0:
        return None
    m = min(due) // 60
    return f"{plural(m, 'minute')} or less left"


def shown_left(seconds_left: int) -> str:
    """The clock's text: '25 minutes' (rounded up) while more than two minutes are left, then '01:59'."""
    return fmt_left(seconds_left) if seconds_left <= FAST_FROM else plural(-(-seconds_left // 60), "minute")


def draw_timer(deadline: datetime, now: datetime | None = None) -> None:
    """The time left (role=timer, its accessible name says it) and the warnings' live region."""
    left_ms = int((deadline - (now or datetime.now(UTC))).total_seconds() * 1000)
    left = max(0, left_ms // 1000)
    shown = shown_left(left)
    warnings = json.dumps([[m, f"{warning_for(m)}: your answers are saved."] for m in WARN_AT])
    st.html(f'<div class="mc-timer" role="timer" aria-label="Time left: {html.escape(shown)}" '
            f'data-mc-left="{left_ms}" data-mc-fast="{FAST_FROM}" data-mc-warn="{html.escape(warnings)}">'
            f'<span class="mc-timer-label">Time left</span> '
            f'<span class="mc-timer-value" style="color:{"#a1001b" if left <= 60 else "#0b3d66"}">'
            f'{html.escape(shown)}</span></div><script>{TIMER_SCRIPT}</script>',
            unsafe_allow_javascript=True)  # one fixed script, allowed by its hash (quiz/web/csp.py)
    st.html('<div class="mc-timer-warning" role="alert"></div>')  # the same on every run: filled by the script
