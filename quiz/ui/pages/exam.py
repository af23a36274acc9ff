"""Certification exams: the list of exams, and sitting one.

Every answer and flag is saved to the database the moment it changes (on_change callbacks), an ordering
item's order too while it is being built, step by step, so a refresh or a lost connection loses nothing; the
page rebuilds the attempt from the database on each run. The countdown in the browser is only a display: the
server checks the deadline on every save and finalises an overdue attempt when it is next looked at (the page
also reruns itself when time is up).
"""

from __future__ import annotations

import html
from datetime import UTC, datetime

import streamlit as st
import streamlit.components.v1 as components

from quiz.services import attempts
from quiz.ui import runtime
from quiz.ui.question_widgets import answer_input, numbered, plural, read_answer, show_question

POS_KEY = "_exam_pos_{}"
CONFIRM_KEY = "_exam_confirm_{}"
START_KEY = "_exam_start_ask_{}"

ANSWERED, UNFINISHED, FLAGGED = "✓", "◐", "⚑"
NAV_LEGEND = ((ANSWERED, "answered"), (UNFINISHED, "order not finished"), (FLAGGED, "flagged"))
NAV_PER_ROW = 10


def nav_label(item) -> str:  # noqa: ANN001
    """The question-map button label: '7', '7✓', '7◐', '7⚑', '21✓⚑' (markers as in NAV_LEGEND)."""
    mark = ANSWERED if item.answered else (UNFINISHED if item.partly_answered else "")
    return f"{item.position + 1}{mark}{FLAGGED if item.flagged else ''}"


def _fmt_minutes(seconds: int) -> str:
    m, s = divmod(max(0, seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def _when(dt: datetime | None) -> str:
    return dt.strftime("%d %b %Y, %H:%M UTC") if dt else ""


def render() -> None:
    actor = runtime.require_actor()
    aid = runtime.run(attempts.current_exam_attempt, actor)
    if aid:
        _sit(actor, aid)
        return
    st.title("Certification exams")
    done = st.session_state.pop("_exam_finished", None)
    if done:
        st.success(done, icon=":material/task_alt:")
        if st.button("See your result", type="primary", key="see_result_top"):
            _go_results(st.session_state.get("results_attempt"))
    statuses = runtime.run(attempts.exam_statuses, actor)
    if not statuses:
        if statuses is not None:
            st.info("No certification exam is set for you yet. Your trainer will tell you when one opens; "
                    "meanwhile, **Practice** and **Spaced review** get you ready.")
        return
    for s in statuses:
        with st.container(border=True):
            st.subheader(s.name)
            facts = [plural(s.question_count, "question"), plural(s.time_limit_minutes, "minute"),
                     f"pass mark {s.pass_mark:.0%}", f"attempts used {s.attempts_used} of {s.attempts_allowed}"]
            if s.closes_at:
                facts.append(f"closes {_when(s.closes_at)}")
            st.caption(" · ".join(facts))
            if s.best_percent is not None:
                st.write(f"Your best score so far: **{s.best_percent:.0%}**" + (" (passed)" if s.passed else ""))
            if s.can_start:
                _start_control(actor, s)
            else:
                st.info(s.reason or "This exam cannot be started now.")


def _start_control(actor, s) -> None:  # noqa: ANN001
    """Start in two steps: starting uses up an attempt and the clock runs at once, so say so and ask first."""
    ask_key = START_KEY.format(s.exam_id)
    if not st.session_state.get(ask_key):
        st.write("The clock starts when you press **Start**, and keeps running if you close the page. "
                 "Each answer is saved as you choose it; you can change it until you submit.")
        if st.button(f"Start {s.name}", type="primary", key=f"start_exam_{s.exam_id}"):
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


def _go_results(attempt_id: int | None) -> None:
    from quiz.ui.app import switch_to

    if attempt_id:
        st.session_state["results_attempt"] = attempt_id
    switch_to("results")


# -- sitting an exam -----------------------------------------------------------------------------------------

def _save(actor, aid: int, item, key: str) -> None:  # noqa: ANN001
    answer = read_answer(item, key, partial=True)  # an order is saved step by step, as it is built

    def do(session):  # noqa: ANN001, ANN202
        attempts.save_answer(session, actor, aid, item.position, answer)
        return True

    if not runtime.run(do):
        return
    if item.type == "ordering" and answer and len(answer) < len(item.options):
        st.session_state["_exam_note"] = (f"Question {item.position + 1}: your order so far is saved "
                                          f"({len(answer)} of {plural(len(item.options), 'step')} placed); it counts "
                                          "once every step is placed.")
    st.toast(f"Answer to question {item.position + 1} saved", icon=":material/cloud_done:")


def _flag(actor, aid: int, position: int, key: str) -> None:  # noqa: ANN001
    runtime.run(attempts.set_flag, actor, aid, position, bool(st.session_state.get(key)))


def _goto(actor, aid: int, position: int) -> None:  # noqa: ANN001
    st.session_state[POS_KEY.format(aid)] = position
    runtime.run(attempts.go_to, actor, aid, position)


def _countdown(seconds_left: int) -> None:
    """A ticking display in the browser (no server traffic); the server keeps the real deadline."""
    components.html(
        f"""<div id="t" style="font:600 1.6rem system-ui,sans-serif;color:#1f4e79" role="timer"
        aria-live="off">{html.escape(_fmt_minutes(seconds_left))}</div>
        <script>
        const end = Date.now() + {seconds_left} * 1000;
        const el = document.getElementById('t');
        function tick() {{
          let s = Math.max(0, Math.round((end - Date.now()) / 1000));
          const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
          el.textContent = (h ? h + ':' + String(m).padStart(2, '0') : String(m).padStart(2, '0'))
            + ':' + String(r).padStart(2, '0');
          el.style.color = s <= 60 ? '#b00020' : '#1f4e79';
        }}
        tick(); setInterval(tick, 500);
        </script>""",
        height=48,
    )


@st.fragment(run_every=5)
def _deadline_watch(deadline: datetime) -> None:
    """Every few seconds: once the deadline has passed, rerun the page so the server submits the attempt."""
    if datetime.now(UTC) >= deadline:
        st.rerun()


def _sit(actor, aid: int) -> None:  # noqa: ANN001
    view = runtime.run(attempts.attempt_view, actor, aid)
    if view is None:
        return
    if not view.in_progress:
        st.title(view.title)
        st.warning("Time is up: your exam was submitted with every answer you had saved.", icon=":material/timer_off:")
        if st.button("See your result", type="primary"):
            _go_results(view.id)
        return
    pos_key = POS_KEY.format(aid)
    pos = st.session_state.get(pos_key, view.current_position)
    pos = min(max(pos, 0), len(view.items) - 1)
    item = view.items[pos]

    head, clock = st.columns([3, 1])
    with head:
        st.title(view.title)
        st.caption(f"{view.answered_count} of {len(view.items)} answered · answers are saved as you choose them · "
                   f"ends at {_when(view.deadline_at)}")
    with clock:
        st.caption("Time left")
        _countdown(view.seconds_left or 0)
    if view.deadline_at is not None:
        _deadline_watch(view.deadline_at)
    note = st.session_state.pop("_exam_note", None)
    if note:
        st.info(note)

    # Question map: the number, then a compact marker (no spaces, so even "21✓⚑" fits its column).
    st.write("**Questions** · " + " · ".join(f"{m} {what}" for m, what in NAV_LEGEND))
    for start in range(0, len(view.items), NAV_PER_ROW):
        cols = st.columns(NAV_PER_ROW)
        for col, it in zip(cols, view.items[start:start + NAV_PER_ROW]):
            col.button(nav_label(it), key=f"nav_{aid}_{it.position}",
                       type="primary" if it.position == pos else "secondary",
                       on_click=_goto, args=(actor, aid, it.position), width="stretch")

    with st.container(border=True):
        show_question(item, pos + 1, len(view.items))
        key = f"exam_{aid}_{pos}"
        answer_input(item, key, on_change=lambda: _save(actor, aid, item, key))
        fkey = f"flag_{aid}_{pos}"
        st.toggle(":material/flag: Flag this question to come back to it", value=item.flagged, key=fkey,
                  on_change=_flag, args=(actor, aid, pos, fkey))
        prev_col, next_col = st.columns(2)
        prev_col.button("← Previous", key=f"prev_{aid}", disabled=pos == 0, on_click=_goto,
                        args=(actor, aid, pos - 1), width="stretch")
        next_col.button("Next →", key=f"next_{aid}", disabled=pos >= len(view.items) - 1, on_click=_goto,
                        args=(actor, aid, pos + 1), width="stretch")

    st.divider()
    unanswered = [i.position + 1 for i in view.items if not i.answered and not i.partly_answered]
    unfinished = [i.position + 1 for i in view.items if i.partly_answered]
    flagged = [p + 1 for p in view.flagged_positions]
    confirm_key = CONFIRM_KEY.format(aid)
    if not st.session_state.get(confirm_key):
        if st.button("Submit the exam…", key=f"submit_{aid}"):
            st.session_state[confirm_key] = True
            st.rerun()
        return
    with st.container(border=True):
        st.subheader("Submit your exam?")
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
            res = runtime.run(attempts.submit, actor, aid)
            st.session_state.pop(confirm_key, None)
            if res is not None:
                _go_results(aid)
        if no.button("Not yet, go back", key=f"cancel_submit_{aid}"):
            st.session_state.pop(confirm_key, None)
            st.rerun()
