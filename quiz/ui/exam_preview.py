"""Exams page: "Preview as trainee", a practice-like walk through one attempt of an exam drawn now from the live
bank (quiz.services.preview.exam_preview). Nothing is recorded: no attempt, no answer, no statistic."""

from __future__ import annotations

import streamlit as st

from quiz.services import preview
from quiz.services.errors import ServiceError
from quiz.services.permissions import Actor
from quiz.ui import question_widgets as qw
from quiz.ui import runtime
from quiz.ui.text import plain

STATE = "_exam_preview"
POS = "_exam_preview_pos"


def _draw(actor: Actor, exam_id: int) -> None:
    drawn = runtime.run(preview.exam_preview, actor, exam_id)
    if drawn is not None:
        st.session_state[STATE] = drawn
        st.session_state[POS] = 0


def render(actor: Actor, exam_id: int) -> None:
    pv: preview.ExamPreview | None = st.session_state.get(STATE)
    if pv is not None and pv.exam_id != exam_id:
        pv = None
    c1, c2, _ = st.columns([1, 1, 2])
    if c1.button("Preview as trainee" if pv is None else "Draw another attempt", key="xp_draw",
                 icon=":material/visibility:", help="One attempt drawn as a trainee could get it; nothing is "
                                                    "recorded"):
        _draw(actor, exam_id)
        pv = st.session_state.get(STATE)
    if pv is None:
        return
    if c2.button("Close the preview", key="xp_close"):
        st.session_state.pop(STATE, None)
        st.rerun()
    n = len(pv.questions)
    st.info(f"Preview of '{plain(pv.name)}' as a trainee could be given it: {n} question(s), {pv.total_marks:g} "
            f"mark(s), {pv.time_limit_minutes} minutes, pass mark {pv.pass_mark:.0%}. Practice-like: check each "
            "answer as you go. Nothing is recorded (no attempt, no answer, no statistic); the clock does not run.",
            icon=":material/visibility:")
    if pv.notice:
        st.caption(plain(pv.notice))
    pos = min(int(st.session_state.get(POS, 0)), n - 1)
    item = pv.item(pos)
    with st.container(border=True):
        qw.show_question(item, pos + 1, n)
        key = f"xp_{pv.seed}_{pos}"
        qw.answer_input(item, key)
        answer = qw.read_answer(item, key)
        if st.button("Check this answer", key=f"xp_check_{pos}", disabled=answer is None):
            try:
                qw.show_feedback(preview.feedback(pv.questions[pos], answer, pv.orders[pos]), item.type)
            except ServiceError as err:
                st.error(plain(err))
        st.caption(f"Item {plain(item.question_id)}")
    b1, b2, _ = st.columns([1, 1, 3])
    if b1.button("Previous", key="xp_prev", disabled=pos == 0, icon=":material/arrow_back:"):
        st.session_state[POS] = pos - 1
        st.rerun()
    if b2.button("Next", key="xp_next", disabled=pos >= n - 1, icon=":material/arrow_forward:"):
        st.session_state[POS] = pos + 1
        st.rerun()
