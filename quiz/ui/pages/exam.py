"""Certification exams: the list of exams, and sitting one.

Every answer and flag is saved to the database the moment it changes (on_change callbacks), an ordering
item's order too while it is being built, step by step, so a refresh or a lost connection loses nothing. The
save state shows beside the answered count.

What a click costs: the exam's body (header, question, map, Submit) is a fragment, so an answer, a flag or a
move reruns only it, not the whole page (the menu, the navigation, the session's full check and the look-up of
the exam in progress). It checks that the browser's session still stands, then reads what may have changed
(state, deadline, each item's saved answer, version and flag: two small queries, quiz.services.attempts
.refresh_view) and lays it over the questions read when the page opened, kept in the session.

The time left is counted down in the browser (quiz/ui/exam_clock.py), from the stored deadline; the server
is the authority: it refuses late answers and submits an overdue attempt. A small fragment (``_watch``) looks
at the server every CHECK_EVERY seconds, and when the browser's clock reaches zero: a session that has ended
shows the login form; a deadline that moved (extra minutes), an attempt submitted elsewhere or its time up
redraw the page, and at time up the attempt is submitted with what was saved and its result opens with
"Time ran out: submitted with N saved answers". A save that failed is tried again there too.

Layout, phone first: a header that stays at the top (time left, answered N of M, save state), the question,
then the question map as a compact wrapping grid in a collapsible panel, then Submit (confirmed in a dialog).
"""

from __future__ import annotations

import time

import streamlit as st

from quiz.services import attempts
from quiz.ui import localtime, runtime
from quiz.ui.exam_clock import TIME_UP_KEY, TIMER_CSS, draw_timer, fmt_left, warning_for
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

VIEW_KEY = "_exam_view_{}"  # the attempt as last read: its questions for every run, and shown while the
# database cannot be reached
FULL_RUN_KEY = "_exam_full_run"  # set while the whole page runs (its fragments then have fresh data)
CHECK_EVERY = 15  # seconds between the page's own looks at the server (deadline, state, session, retries)

ANSWERED, UNFINISHED, FLAGGED = "✓", "◐", "⚑"
NAV_LEGEND = ((ANSWERED, "answered"), (UNFINISHED, "order not finished"), (FLAGGED, "flagged"))
__all__ = ["fmt_left", "warning_for"]  # (the clock's, re-exported: the page's tests import them from here)


def nav_label(item) -> str:  # noqa: ANN001
    """The question-map button label: '7', '7✓', '7◐', '7⚑', '21✓⚑' (markers as in NAV_LEGEND)."""
    mark = ANSWERED if item.answered else (UNFINISHED if item.partly_answered else "")
    return f"{item.position + 1}{mark}{FLAGGED if item.flagged else ''}"


def nav_help(item) -> str:  # noqa: ANN001
    state = "answered" if item.answered else ("order not finished" if item.partly_answered else "not answered")
    return f"Question {item.position + 1}: {state}" + (", flagged" if item.flagged else "")


def render() -> None:
    actor = runtime.require_actor()
    aid = st.session_state.get(SITTING_KEY)  # this tab is sitting it (_sit finds out if it is still running)
    if aid is None:
        found = runtime.run(lambda session: (attempts.current_exam_attempt(session, actor),))
        aid = found[0] if found else None
    if aid and _sit(actor, aid):
        return
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

SESSION_ENDED = "session ended"
CHECKED_KEY = "_exam_session_checked"  # a click's write has just checked the session: this run need not again


def _as_signed_in(fn, *args):  # noqa: ANN001, ANN002, ANN202
    """``fn(session, *args)`` in one transaction, only while the browser's session still stands: a click's
    callback and a dialog's run come before any check of this run. SESSION_ENDED when it does not (nothing
    is written; the exam's body then sees it too, and the whole page shows the login form); None when the
    action failed (the reason is shown)."""

    def do(session):  # noqa: ANN001, ANN202
        if not runtime.still_signed_in(session):
            return SESSION_ENDED
        st.session_state[CHECKED_KEY] = True
        return fn(session, *args)

    return runtime.run(do)


def _save(actor, aid: int, item, key: str) -> None:  # noqa: ANN001
    answer = read_answer(item, key, partial=True)  # an order is saved step by step, as it is built
    expected = shown_version(key)  # the saved answer this tab showed: a newer one from another tab wins

    def save(session):  # noqa: ANN001, ANN202
        try:
            attempts.save_answer(session, actor, aid, item.position, answer, expected_version=expected)
        except attempts.StaleAnswer:
            return "stale"
        return True

    outcome = _as_signed_in(save)
    if outcome == SESSION_ENDED:
        return
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
    _as_signed_in(lambda s: attempts.set_flag(s, actor, aid, position, bool(st.session_state.get(key))))


def _goto(actor, aid: int, position: int) -> None:  # noqa: ANN001
    if _as_signed_in(lambda s: attempts.go_to(s, actor, aid, position)) != SESSION_ENDED:
        st.session_state[POS_KEY.format(aid)] = position


def _read_view(actor, aid: int, *, check_session: bool):  # noqa: ANN001, ANN202
    """The attempt as stored now: built in full the first time, then the questions kept from then with what
    may have changed read again (quiz.services.attempts.refresh_view). ``check_session``: first check that the
    browser's session still stands (a fragment's rerun: no full check ran before it); if it does not, the
    whole page reruns and shows the login form. None when the database cannot be reached and nothing was read
    before; the last view read otherwise (the exam stays on screen with the answer being given)."""
    kept = st.session_state.get(VIEW_KEY.format(aid))

    def read(session):  # noqa: ANN001, ANN202
        if check_session and not runtime.still_signed_in(session):
            return SESSION_ENDED
        if kept is None:
            return attempts.attempt_view(session, actor, aid)
        return attempts.refresh_view(session, actor, kept)

    view = runtime.run(read)
    if view == SESSION_ENDED:
        st.rerun()  # the whole page: its session check shows the login form and why
    if view is None:
        return kept
    st.session_state[VIEW_KEY.format(aid)] = view
    return view


def _header(view) -> None:  # noqa: ANN001
    """Stays at the top (CSS: .st-key-exam_header): time left, answered N of M, and the save state."""
    with st.container(key="exam_header"):
        left, right = st.columns([1, 1], vertical_alignment="center")
        with left:
            if view.deadline_at is not None:
                draw_timer(view.deadline_at)
        with right:
            state = st.session_state.get(SAVE_KEY.format(view.id))
            if state and state[0] == "failed":
                saved = ":red[**Not saved — retrying**] (your answer is kept on screen)"
            elif state:
                saved = f"Saved {state[1]}"
            else:
                saved = "Answers are saved as you choose them"
            st.markdown(f"**Answered {view.answered_count} of {len(view.items)}**  \n{saved}")


def _sit(actor, aid: int) -> bool:  # noqa: ANN001
    """The whole page for the attempt this tab sits; False when it is no longer running and its result could
    not be opened (the list of exams is shown instead)."""
    st.session_state.pop(CHECKED_KEY, None)
    view = _read_view(actor, aid, check_session=False)  # (the page's run has just checked the session)
    if view is None:  # (the message is shown)
        return True
    if not view.in_progress:  # time ran out, or it was submitted elsewhere: open its result
        st.session_state.pop(SITTING_KEY, None)
        _ended(actor, aid)
        return False
    st.session_state[SITTING_KEY] = aid
    st.html(TIMER_CSS)
    st.title(plain(view.title))
    st.session_state[FULL_RUN_KEY] = True
    try:
        _exam_body(actor, aid)
        _watch(actor, aid)
    finally:
        st.session_state.pop(FULL_RUN_KEY, None)
    return True


@st.fragment
def _exam_body(actor, aid: int) -> None:  # noqa: ANN001
    """Everything a click changes. Reruns alone on an answer, a flag or a move (see the module's docstring)."""
    checked = st.session_state.pop(CHECKED_KEY, False)  # by this click's write
    if st.session_state.get(FULL_RUN_KEY):
        view = st.session_state[VIEW_KEY.format(aid)]  # read by this run already
    else:
        view = _read_view(actor, aid, check_session=not checked)
        if view is None:
            return
        if not view.in_progress:
            st.rerun()  # the whole page: it opens the result
    if _retry_save(actor, aid):
        view = _read_view(actor, aid, check_session=False) or view
    st.session_state.pop(CHECKED_KEY, None)  # (set by the retry: it holds for this run only)
    pos_key = POS_KEY.format(aid)
    pos = st.session_state.get(pos_key, view.current_position)
    pos = min(max(pos, 0), len(view.items) - 1)
    item = view.items[pos]

    _header(view)
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


@st.fragment(run_every=CHECK_EVERY)
def _watch(actor, aid: int) -> None:  # noqa: ANN001
    """The page's own look at the server, every CHECK_EVERY seconds and when the browser's clock reaches zero
    (its script presses the hidden button): the whole page reruns when the session has ended, the attempt is
    no longer running (time up: it is graded now, and the result opens) or its deadline moved; a failed save
    is tried again."""
    st.button("Time is up", key=TIME_UP_KEY)  # hidden (exam_clock.TIMER_CSS); pressed by the timer's script
    if st.session_state.get(FULL_RUN_KEY):
        return  # the page has just read everything
    shown = st.session_state.get(VIEW_KEY.format(aid))

    def read(session):  # noqa: ANN001, ANN202
        if not runtime.still_signed_in(session):
            return SESSION_ENDED
        return attempts.attempt_clock(session, actor, aid)

    clock = runtime.run(read)
    if clock == SESSION_ENDED:
        st.rerun()
    if clock is not None and (not clock.in_progress or shown is None or clock.deadline_at != shown.deadline_at):
        st.rerun()
    retried = _retry_save(actor, aid)
    st.session_state.pop(CHECKED_KEY, None)
    if retried:
        st.rerun()  # (redraws the header: "Saved")


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
        res = _as_signed_in(attempts.submit, actor, aid)
        if res == SESSION_ENDED:
            st.rerun()  # the whole page: it shows the login form
        if res is not None:
            st.session_state.pop(SITTING_KEY, None)
            go_results(aid)
    if no.button("Not yet, go back", key=f"cancel_submit_{aid}"):
        st.session_state.pop(confirm_key, None)
        st.rerun()
