"""Certification exams: the list of exams, and sitting one.

Every answer and flag is saved to the database the moment it changes (on_change callbacks), an ordering
item's order too while it is being built, step by step, so a refresh or a lost connection loses nothing; the
page rebuilds the attempt from the database on each run. The save state shows beside the answered count.

The time left is drawn by the server (a fragment with ``run_every``: every 5 s in whole minutes, every second
in the last two minutes), from the stored deadline:
the server is the authority, refusing late answers and submitting an overdue attempt. At 10, 5 and 1 minutes
left a warning appears (an alert, so screen readers announce it); at zero the page reruns, the attempt is
submitted with what was saved, and its result opens with "Time ran out: submitted with N saved answers".

Layout, phone first: a header that stays at the top (time left, answered N of M, save state), the question,
then the question map as a compact wrapping grid in a collapsible panel, then Submit (confirmed in a dialog).
"""

from __future__ import annotations

import html
import time
from datetime import UTC, datetime

import streamlit as st

from quiz.services import attempts
from quiz.ui import localtime, runtime
from quiz.ui.question_widgets import (
    answer_input,
    numbered,
    plural,
    read_answer,
    set_shown_version,
    show_question,
    show_saved,
    shown_version,
)
from quiz.ui.text import plain

POS_KEY = "_exam_pos_{}"
CONFIRM_KEY = "_exam_confirm_{}"
START_KEY = "_exam_start_ask_{}"
SAVE_KEY = "_exam_save_{}"  # ("saved", "14:02:31") or ("failed", item, widget key, when it failed)
RETRY_AFTER = 2.0  # seconds before a failed save is tried again (by the next click or the clock)
SITTING_KEY = "_exam_sitting"  # the attempt this tab is sitting: to open its result when time runs out
RESULTS_FLASH = "_results_flash"  # shown once at the top of Results

ANSWERED, UNFINISHED, FLAGGED = "✓", "◐", "⚑"
NAV_LEGEND = ((ANSWERED, "answered"), (UNFINISHED, "order not finished"), (FLAGGED, "flagged"))
WARN_AT = (600, 300, 60)  # seconds left at which the trainee is warned: 10, 5 and 1 minute(s)


def nav_label(item) -> str:  # noqa: ANN001
    """The question-map button label: '7', '7✓', '7◐', '7⚑', '21✓⚑' (markers as in NAV_LEGEND)."""
    mark = ANSWERED if item.answered else (UNFINISHED if item.partly_answered else "")
    return f"{item.position + 1}{mark}{FLAGGED if item.flagged else ''}"


def nav_help(item) -> str:  # noqa: ANN001
    state = "answered" if item.answered else ("order not finished" if item.partly_answered else "not answered")
    return f"Question {item.position + 1}: {state}" + (", flagged" if item.flagged else "")


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


def render() -> None:
    actor = runtime.require_actor()
    found = runtime.run(lambda session: (attempts.current_exam_attempt(session, actor),))
    aid = found[0] if found else st.session_state.get(SITTING_KEY)  # database down: keep showing this exam
    if aid:
        _sit(actor, aid)
        return
    sitting = st.session_state.pop(SITTING_KEY, None)
    if sitting:  # this tab was sitting an exam that is no longer in progress: time ran out, or another tab
        _ended(actor, sitting)
    st.title("Certification exams")
    done = st.session_state.pop("_exam_finished", None)
    if done:
        st.success(plain(done), icon=":material/task_alt:")
    statuses = runtime.run(attempts.exam_statuses, actor)
    if not statuses:
        if statuses is not None:
            st.info("No certification exam is set for you yet. Your trainer will tell you when one opens; "
                    "meanwhile, **Practice** and **Spaced review** get you ready.")
        return
    for s in statuses:
        with st.container(border=True):
            st.subheader(plain(s.name))
            facts = [plural(s.question_count, "question"), plural(s.time_limit_minutes, "minute"),
                     f"pass mark {s.pass_mark:.0%}", f"attempts used {s.attempts_used} of {s.attempts_allowed}"]
            if s.closes_at:
                facts.append(f"closes {localtime.when(s.closes_at)}")
            st.caption(" · ".join(facts))
            if s.best_percent is not None:
                st.write(f"Your best score so far: **{s.best_percent:.0%}**" + (" (passed)" if s.passed else ""))
            if s.can_start:
                _start_control(actor, s)
            else:
                st.info(plain(s.reason or "This exam cannot be started now."))


def _start_control(actor, s) -> None:  # noqa: ANN001
    """Start in two steps: starting uses up an attempt and the clock runs at once, so say so and ask first."""
    ask_key = START_KEY.format(s.exam_id)
    if not st.session_state.get(ask_key):
        st.write("The clock starts when you press **Start**, and keeps running if you close the page. "
                 "Each answer is saved as you choose it; you can change it until you submit.")
        if st.button(f"Start {plain(s.name)}", type="primary", key=f"start_exam_{s.exam_id}"):
            st.session_state[ask_key] = True
            st.rerun()
        return
    st.warning(f"**Start now?** The clock starts at once ({plural(s.time_limit_minutes, 'minute')}) and this "
               f"uses attempt {s.attempts_used + 1} of {s.attempts_allowed}.", icon=":material/timer:")
    yes, no = st.columns(2)
    if yes.button("Yes, start the exam", type="primary", key=f"confirm_start_{s.exam_id}"):
        st.session_state.pop(ask_key, None)
        if runtime.run(attempts.start_exam, actor, s.exam_id):
            st.rerun()
    if no.button("Not now", key=f"cancel_start_{s.exam_id}"):
        st.session_state.pop(ask_key, None)
        st.rerun()


def go_results(attempt_id: int | None, message: str | None = None) -> None:
    """Open Results on this attempt (at the top), with an optional message above it."""
    from quiz.ui.app import switch_to

    if attempt_id:
        st.session_state["results_attempt"] = attempt_id
    if message:
        st.session_state[RESULTS_FLASH] = message
    switch_to("results")


def _ended(actor, aid: int) -> None:  # noqa: ANN001
    """The attempt this tab was sitting has ended without a submit from here: open its result, saying why."""
    view = runtime.run(attempts.attempt_view, actor, aid)
    if view is None or view.in_progress:
        return
    if view.state == "expired":
        saved = view.answered_count
        go_results(aid, f"Time ran out: your exam was submitted with {plural(saved, 'saved answer')}.")
    else:
        go_results(aid, "This exam was submitted (perhaps from another tab or device).")


# -- sitting an exam -----------------------------------------------------------------------------------------

def _save(actor, aid: int, item, key: str) -> None:  # noqa: ANN001
    answer = read_answer(item, key, partial=True)  # an order is saved step by step, as it is built
    expected = shown_version(key)  # the saved answer this tab showed: a newer one from another tab wins

    def do(session):  # noqa: ANN001, ANN202
        try:
            attempts.save_answer(session, actor, aid, item.position, answer, expected_version=expected)
        except attempts.StaleAnswer:
            return "stale"
        return True

    outcome = runtime.run(do)
    if outcome == "stale":  # not retried: the next run shows the answer saved in the other window
        set_shown_version(key, -1)
        st.session_state["_exam_note"] = f"Question {item.position + 1}: {attempts.STALE_ANSWER_MESSAGE}"
        st.session_state[SAVE_KEY.format(aid)] = None
        return
    if outcome:
        set_shown_version(key, None if expected is None else expected + 1)
    else:
        # The answer stays in the widget; the page tries again on its next run (see _retry_save).
        st.session_state[SAVE_KEY.format(aid)] = ("failed", item, key, time.monotonic())
        return
    st.session_state[SAVE_KEY.format(aid)] = ("saved", localtime.clock())
    if item.type == "ordering" and answer and len(answer) < len(item.options):
        st.session_state["_exam_note"] = (f"Question {item.position + 1}: your order so far is saved "
                                          f"({len(answer)} of {plural(len(item.options), 'step')} placed); it counts "
                                          "once every step is placed.")


def _retry_save(actor, aid: int) -> bool:  # noqa: ANN001
    """Save again an answer whose save failed (it is still in its widget), once RETRY_AFTER seconds have
    passed: on the next click, or the clock's next tick. True when it is saved now."""
    state_key = SAVE_KEY.format(aid)
    state = st.session_state.get(state_key)
    if not state or state[0] != "failed" or time.monotonic() - state[3] < RETRY_AFTER:
        return False
    _, item, key, _failed_at = state
    _save(actor, aid, item, key)
    state = st.session_state.get(state_key)
    return bool(state) and state[0] == "saved"


def _flag(actor, aid: int, position: int, key: str) -> None:  # noqa: ANN001
    runtime.run(attempts.set_flag, actor, aid, position, bool(st.session_state.get(key)))


def _goto(actor, aid: int, position: int) -> None:  # noqa: ANN001
    st.session_state[POS_KEY.format(aid)] = position
    runtime.run(attempts.go_to, actor, aid, position)


CHECK_EVERY = 10  # seconds between looks at the stored deadline (extra minutes granted, submitted elsewhere)


def _deadline_moved(actor, aid: int, deadline: datetime) -> bool:  # noqa: ANN001
    """Every CHECK_EVERY seconds: is the attempt still running with this deadline? (A trainer may grant extra
    minutes; another tab may submit; the server may have graded it.)"""
    key = f"_exam_checked_{aid}"
    now = time.monotonic()
    if now - st.session_state.get(key, now) < CHECK_EVERY and key in st.session_state:
        return False
    st.session_state[key] = now
    running = runtime.run(attempts.in_progress, actor, "exam")
    if running is None:
        return False
    mine = next((a for a in running if a.id == aid), None)
    return mine is None or mine.deadline_at != deadline


FAST_FROM = 120  # seconds left from which the clock ticks every second (before: every 5 s, in minutes)


def _draw_clock(actor, aid: int, deadline: datetime, *, fast: bool) -> None:  # noqa: ANN001
    """Time left from the stored deadline; warnings at 10, 5, 1 minutes (role=alert: announced once as they
    appear). At zero, rerun the page: the server submits the attempt. While more than two minutes are left
    the clock shows whole minutes and is redrawn every 5 seconds (less traffic); then every second."""
    if _deadline_moved(actor, aid, deadline) or _retry_save(actor, aid):  # (saved now: redraw the header)
        st.rerun()
    left = max(0, int((deadline - datetime.now(UTC)).total_seconds()))
    if not fast and left <= FAST_FROM:
        st.rerun()  # the whole page: it draws the fast clock
    shown = fmt_left(left) if fast else plural(-(-left // 60), "minute")
    low = left <= 60
    st.html(f'<div class="mc-timer" role="timer" aria-label="Time left: {html.escape(shown)}">'
            f'<span class="mc-timer-label">Time left</span> '
            f'<span class="mc-timer-value" style="color:{"#a1001b" if low else "#0b3d66"}">'
            f'{html.escape(shown)}</span></div>')
    warning = warning_for(left)
    if warning:
        st.html(f'<p class="mc-timer-warning" role="alert">{html.escape(warning)}: your answers are saved.</p>')
    if left <= 0:
        st.rerun()


@st.fragment(run_every=5)
def _clock_minutes(actor, aid: int, deadline: datetime) -> None:  # noqa: ANN001
    _draw_clock(actor, aid, deadline, fast=False)


@st.fragment(run_every=1)
def _clock_seconds(actor, aid: int, deadline: datetime) -> None:  # noqa: ANN001
    _draw_clock(actor, aid, deadline, fast=True)


def _clock(actor, aid: int, deadline: datetime) -> None:  # noqa: ANN001
    left = (deadline - datetime.now(UTC)).total_seconds()
    (_clock_seconds if left <= FAST_FROM else _clock_minutes)(actor, aid, deadline)


TIMER_CSS = """<style>
.mc-timer { font: 600 1rem/1.3 system-ui, sans-serif; color: #31333f; }
.mc-timer-value { font-size: 1.45rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.mc-timer-warning { margin: 0; font-weight: 700; color: #a1001b; }
</style>"""


def _header(actor, view) -> None:  # noqa: ANN001
    """Stays at the top (CSS: .st-key-exam_header): time left, answered N of M, and the save state."""
    with st.container(key="exam_header"):
        left, right = st.columns([1, 1], vertical_alignment="center")
        with left:
            if view.deadline_at is not None:
                _clock(actor, view.id, view.deadline_at)
        with right:
            state = st.session_state.get(SAVE_KEY.format(view.id))
            if state and state[0] == "failed":
                saved = ":red[**Not saved — retrying**] (your answer is kept on screen)"
            elif state:
                saved = f"Saved {state[1]}"
            else:
                saved = "Answers are saved as you choose them"
            st.markdown(f"**Answered {view.answered_count} of {len(view.items)}**  \n{saved}")


VIEW_KEY = "_exam_view_{}"  # the last view read: shown while the database cannot be reached


def _sit(actor, aid: int) -> None:  # noqa: ANN001
    view = runtime.run(attempts.attempt_view, actor, aid)
    if view is None:  # (the message is shown) the exam stays on screen with the answer being given
        view = st.session_state.get(VIEW_KEY.format(aid))
        if view is None:
            return
    else:
        st.session_state[VIEW_KEY.format(aid)] = view
    if not view.in_progress:  # its deadline passed as this page ran: open the result
        st.session_state.pop(SITTING_KEY, None)
        _ended(actor, aid)
        return
    st.session_state[SITTING_KEY] = aid
    if _retry_save(actor, aid):
        view = runtime.run(attempts.attempt_view, actor, aid) or view
    st.html(TIMER_CSS)
    pos_key = POS_KEY.format(aid)
    pos = st.session_state.get(pos_key, view.current_position)
    pos = min(max(pos, 0), len(view.items) - 1)
    item = view.items[pos]

    st.title(plain(view.title))
    _header(actor, view)
    if view.deadline_at is not None:
        st.caption(f"The exam ends at {localtime.when(view.deadline_at)}.")
    note = st.session_state.pop("_exam_note", None)
    if note:
        st.info(plain(note))

    with st.container(border=True):
        show_question(item, pos + 1, len(view.items))
        key = f"exam_{aid}_{pos}"
        show_saved(item, key)  # what is saved, even if another tab saved it since this one last ran
        answer_input(item, key, on_change=lambda: _save(actor, aid, item, key))
        fkey = f"flag_{aid}_{pos}"
        st.toggle(":material/flag: Flag this question to come back to it", value=item.flagged, key=fkey,
                  on_change=_flag, args=(actor, aid, pos, fkey))
        prev_col, next_col = st.columns(2)
        prev_col.button("← Previous", key=f"prev_{aid}", disabled=pos == 0, on_click=_goto,
                        args=(actor, aid, pos - 1), width="stretch")
        next_col.button("Next →", key=f"next_{aid}", disabled=pos >= len(view.items) - 1, on_click=_goto,
                        args=(actor, aid, pos + 1), width="stretch")

    # The question map after the question: a compact grid that wraps, in a panel that folds away.
    flagged_n = len(view.flagged_positions)
    with st.expander(f"Question map: {view.answered_count} of {len(view.items)} answered"
                     + (f", {flagged_n} flagged" if flagged_n else ""), expanded=True):
        st.caption(" · ".join(f"{m} {what}" for m, what in NAV_LEGEND))
        with st.container(horizontal=True, wrap=True, gap="small", key="exam_map"):
            for it in view.items:
                st.button(nav_label(it), key=f"nav_{aid}_{it.position}", help=nav_help(it),
                          type="primary" if it.position == pos else "secondary",
                          on_click=_goto, args=(actor, aid, it.position))

    st.divider()
    confirm_key = CONFIRM_KEY.format(aid)
    st.button("Submit the exam…", key=f"submit_{aid}", on_click=lambda: st.session_state.update({confirm_key: True}))
    if st.session_state.get(confirm_key):
        _confirm_submit(actor, view)


def _dismissed() -> None:
    for k in [k for k in st.session_state if str(k).startswith("_exam_confirm_")]:
        del st.session_state[k]


@st.dialog("Submit your exam?", on_dismiss=_dismissed)
def _confirm_submit(actor, view) -> None:  # noqa: ANN001
    """Opened from a session-state flag (not from the button directly), so that it survives reruns."""
    aid = view.id
    confirm_key = CONFIRM_KEY.format(aid)
    unanswered = [i.position + 1 for i in view.items if not i.answered and not i.partly_answered]
    unfinished = [i.position + 1 for i in view.items if i.partly_answered]
    flagged = [p + 1 for p in view.flagged_positions]
    if unanswered:
        st.warning(f"Not answered yet: {numbered('question', unanswered)}. "
                   + ("It scores" if len(unanswered) == 1 else "They score") + " zero.")
    if unfinished:
        st.warning(f"Order not finished: {numbered('question', unfinished)}. An order scores only once "
                   "every step is placed.")
    if flagged:
        st.info(f"Flagged for another look: {numbered('question', flagged)}.")
    if not unanswered and not unfinished and not flagged:
        st.write("Every question is answered.")
    st.write("After submitting you cannot change any answer.")
    yes, no = st.columns(2)
    if yes.button("Yes, submit my answers", type="primary", key=f"confirm_submit_{aid}"):
        st.session_state.pop(confirm_key, None)
        res = runtime.run(attempts.submit, actor, aid)
        if res is not None:
            st.session_state.pop(SITTING_KEY, None)
            go_results(aid)
    if no.button("Not yet, go back", key=f"cancel_submit_{aid}"):
        st.session_state.pop(confirm_key, None)
        st.rerun()
