"""Spaced review: the questions the trainee got wrong come back when FSRS says they are due."""

from __future__ import annotations

import streamlit as st

from quiz.services import attempts, review
from quiz.ui import localtime, runtime
from quiz.ui.pages.practice import LAST_KEY, closed_or_running, review_answers
from quiz.ui.question_widgets import plural


def render() -> None:
    actor = runtime.require_actor()
    st.title("Spaced review")
    if closed_or_running(actor, "review", "Finish this review"):
        return
    done = st.session_state.pop("_review_done", None)
    if done:
        st.success(done, icon=":material/task_alt:")
    review_answers(actor, st.session_state.get(LAST_KEY.format("review")))
    status = runtime.run(review.status, actor)
    if status is None:
        return
    st.write("Questions you answered wrongly come back here, spaced out so that they stick: sooner when you "
             "miss them again, later each time you get them right.")
    if status.due_now:
        st.metric("Due now", status.due_now)
        n = min(status.due_now, review.SESSION_SIZE)
        if st.button(f"Review {plural(n, 'question')} now", type="primary", key="start_review") \
                and runtime.run(attempts.start_review, actor):
            st.rerun()
    elif status.scheduled:
        when = localtime.when(status.next_due_at) if status.next_due_at else "later"
        st.success(f"Nothing is due right now. {plural(status.scheduled, 'question')} "
                   f"{'is' if status.scheduled == 1 else 'are'} scheduled; the next is due {when}.",
                   icon=":material/event_available:")
    else:
        st.info("Nothing to review yet. Questions you get wrong in practice or in an exam will appear here.")
