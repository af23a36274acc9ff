"""Practice: choose topics and how many questions; each answer is checked at once, with the feedback of the
chosen option and the explanation. Answers are saved as they are checked; an unfinished practice is offered
again next time. Practice counts towards progress, never towards certification. While an exam is in progress
practice (and spaced review) is closed: the page says so and offers the way back to the exam."""

from __future__ import annotations

import streamlit as st

from quiz.services import attempts, progress
from quiz.services.attempts import AttemptView
from quiz.ui import runtime
from quiz.ui.question_widgets import (
    answer_input,
    plural,
    read_answer,
    show_feedback,
    show_question,
    show_result_items,
)
from quiz.ui.text import plain

MISSING_ANSWER = {
    "numeric": "Please enter a number first.",
    "multiple": "Please tick at least one answer first.",
    "ordering": "Please place all {n} steps in order first.",
}
REQUESTED_KEY = "_practice_requested_{}"
PRESET_KEY = "practice_topics"  # set by the home page ("practise your weakest topics")
LAST_KEY = "_last_{}_attempt"  # the practice/review session just finished: its answers are offered for review


def topic_names() -> dict[str, str]:
    return runtime.run(progress.topic_names) or {}


def exam_lock_notice(actor) -> bool:  # noqa: ANN001
    """If the trainee has an exam in progress, say that practice and review are closed and offer the way back
    to the exam; True when it did (the page shows nothing else)."""
    exam_id = runtime.run(attempts.current_exam_attempt, actor)
    if not exam_id:
        return False
    st.warning(attempts.EXAM_LOCK_MESSAGE, icon=":material/lock:")
    if st.button("Back to my exam", type="primary", key="exam_lock_back"):
        from quiz.ui.app import switch_to

        switch_to("exams")
    return True


def closed_or_running(actor, mode: str, finish_label: str) -> bool:  # noqa: ANN001
    """Shared by practice and review: say so while an exam is in progress, or carry on with the session of
    this mode the trainee already has open. True when the page has nothing more to show."""
    if exam_lock_notice(actor):
        return True
    running = runtime.run(attempts.in_progress, actor, mode)
    if running is None:
        return True
    if running:
        view = runtime.run(attempts.attempt_view, actor, running[0].id)
        if view is not None:
            render_immediate(actor, view, finish_label=finish_label)
        return True
    return False


def render() -> None:
    actor = runtime.require_actor()
    st.title("Practice")
    if closed_or_running(actor, "practice", "Finish this practice"):
        return
    _start_form(actor)


def _start_form(actor) -> None:  # noqa: ANN001
    done = st.session_state.pop("_practice_done", None)
    if done:
        st.success(done, icon=":material/task_alt:")
    review_answers(actor, st.session_state.get(LAST_KEY.format("practice")))
    available = runtime.run(progress.available_topics) or []
    if not available:
        st.info("There are no questions to practise yet. Please come back once your trainer has loaded them.")
        return
    names = topic_names()
    counts = dict(available)
    preset = [t for t in st.session_state.pop(PRESET_KEY, []) if t in counts]
    st.write("Pick the topics you want to work on and how many questions. Each answer is checked straight away.")
    # No form: the most questions one can ask for follows the topics chosen.
    topics = st.multiselect("Topics (leave empty for all topics)", list(counts), default=preset,
                            key="practice_topics_pick",
                            format_func=lambda t: f"{progress.topic_label(t, names)} ({counts[t]})")
    live = sum(counts[t] for t in (topics or counts))
    most = min(attempts.MAX_PRACTICE_ITEMS, live)
    if most <= 1:
        st.write(f"These topics have {plural(live, 'question')}.")
        count = 1
    else:
        if st.session_state.get("practice_count", 0) > most:  # fewer topics chosen: back to the default
            del st.session_state["practice_count"]
        count = st.number_input(f"How many questions (1 to {most})", min_value=1, max_value=most,
                                value=min(10, most), step=1, key="practice_count",
                                help=f"Up to {plural(most, 'question')}: "
                                     + ("what the chosen topics have." if most == live else
                                        f"a practice holds at most {attempts.MAX_PRACTICE_ITEMS}."))
    if st.button("Start practising", type="primary", key="start_practice"):
        aid = runtime.run(attempts.start_practice, actor, topics, count,
                          topic_names={t: progress.topic_label(t, names) for t in topics})
        if aid:
            st.session_state[REQUESTED_KEY.format(aid)] = count
            st.rerun()


def render_immediate(actor, view: AttemptView, *, finish_label: str) -> None:  # noqa: ANN001
    """One question at a time with immediate feedback (practice and spaced review)."""
    total = len(view.items)
    answered = view.answered_count
    st.caption(plain(view.title))
    requested = st.session_state.get(REQUESTED_KEY.format(view.id))
    if requested and total < requested:
        st.info(f"You asked for {plural(requested, 'question')}; this practice has {total}. Case studies come "
                "whole, with several questions each, so not every question fits.", icon=":material/info:")
    st.progress(answered / total if total else 0.0)
    st.caption(f"{answered} of {total} answered")
    pos_key = f"_imm_pos_{view.id}"
    pos = st.session_state.get(pos_key)
    if pos is None:  # after a reload: the last answered item (with its feedback) or the first unanswered one
        first_open = next((i.position for i in view.items if not i.answered), None)
        last = view.items[view.current_position] if view.items else None
        pos = view.current_position if last is not None and last.answered else (first_open or 0)
    pos = min(max(pos, 0), total - 1)
    item = view.items[pos]

    with st.container(border=True):
        show_question(item, pos + 1, total)
        key = f"imm_{view.id}_{pos}"
        if item.feedback is not None:
            answer_input(item, key + "_done", disabled=True, right=item.feedback.right_values)
            show_feedback(item.feedback, item.type)
        else:
            if item.type == "ordering":  # each step's choices depend on the steps placed: no form
                answer_input(item, key)
                check = st.button("Check my answer", type="primary", key=f"check_{view.id}_{pos}")
            else:
                with st.form(f"form_{view.id}_{pos}"):
                    answer_input(item, key)
                    check = st.form_submit_button("Check my answer", type="primary")
            if check:
                answer = read_answer(item, key)
                if answer is None:
                    st.warning(MISSING_ANSWER.get(item.type, "Please choose an answer first.")
                               .format(n=len(item.options)))
                elif runtime.run(attempts.save_answer, actor, view.id, pos, answer) is not None:
                    st.session_state[pos_key] = pos
                    st.rerun()

    if item.feedback is not None:
        nxt = next((i.position for i in view.items[pos + 1:] + view.items[:pos] if not i.answered), None)
        if nxt is not None:
            if st.button("Next question →", type="primary", key=f"next_{view.id}"):
                st.session_state[pos_key] = nxt
                st.rerun()
        else:
            st.success("That was the last question.")
    if answered == total:
        if st.button(finish_label, type="primary", key=f"finish_{view.id}"):
            _finish(actor, view)
    elif st.button("Stop here and see my score", key=f"stop_{view.id}",
                   help="Ends this session now and scores the questions you answered; the others are not "
                        "reached and count nowhere."):
        _finish(actor, view)


def _finish(actor, view: AttemptView) -> None:  # noqa: ANN001
    res = runtime.run(attempts.submit, actor, view.id)
    if res is None:
        return
    label = "practice" if view.mode == "practice" else "review session"
    answered, total = view.answered_count, len(view.items)
    if answered == 0:
        msg = f"You stopped this {label} before answering a question: nothing was scored or counted."
    elif answered == total:
        msg = (f"You finished this {label}: {round(res.score, 2):g} of {plural(round(res.max_score, 2), 'point')} "
               f"({(res.percent or 0):.0%}).")
    else:
        msg = (f"You stopped this {label} after {answered} of {plural(total, 'question')}: "
               f"{round(res.score, 2):g} of {plural(round(res.max_score, 2), 'point')} ({(res.percent or 0):.0%}) "
               f"on the questions you answered. The other {total - answered} were not reached and count nowhere.")
    if answered and res.score < res.max_score:
        msg += " Questions you got wrong are in your spaced-review schedule."
    st.session_state["_practice_done" if view.mode == "practice" else "_review_done"] = msg
    st.session_state[LAST_KEY.format(view.mode)] = view.id
    st.rerun()


def review_answers(actor, attempt_id: int | None) -> None:  # noqa: ANN001
    """After a practice or review session: the answers given, each with the right answer and why."""
    if not attempt_id:
        return
    res = runtime.run(attempts.results, actor, attempt_id)
    if res is None or not res.answered:
        return
    with st.expander(f"Review your answers ({plural(res.answered, 'question')})", expanded=False):
        show_result_items(res, answered_only=True)
