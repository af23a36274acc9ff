"""Showing one question and reading its answer: shared by the exam, practice and review pages.

Widgets hold answers in canonical form (option indexes, in the order the attempt shows them; see
quiz.domain.scoring), so what a widget returns can be saved as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from quiz.services.attempts import FeedbackView, ItemView, ResultsView

TYPE_HINTS = {
    "single": "Choose one answer.",
    "true_false": "True or false?",
    "multiple": "Choose every answer that applies.",
    "ordering": "Click the steps in the order you would carry them out (all of them).",
    "numeric": "Type a number.",
}


def show_question(item: ItemView, number: int, total: int) -> None:
    st.caption(f"Question {number} of {total} · {TYPE_HINTS.get(item.type, '')}"
               + (f" · {item.points:g} points" if item.points != 1 else ""))
    if item.case_scenario:
        st.info(f"**{item.case_title}**\n\n{item.case_scenario}", icon=":material/person:")
    st.markdown(f"#### {item.stem}")


def answer_input(item: ItemView, key: str, *, on_change: Callable[[], None] | None = None,
                 disabled: bool = False) -> None:
    """The input for ``item``; its value lives in st.session_state under ``key`` (see :func:`read_answer`).
    The saved answer is the starting value, so a reload shows it again."""
    labels = {o.value: o.label for o in item.options}
    values = [o.value for o in item.options]
    answer = item.answer
    kw: dict[str, Any] = {"disabled": disabled}
    if on_change is not None:
        kw["on_change"] = on_change
    if item.type == "single":
        st.radio("Your answer", values, index=values.index(answer) if answer in values else None,
                 format_func=labels.get, key=key, **kw)
    elif item.type == "true_false":
        choices = [True, False]
        st.radio("Your answer", choices, index=choices.index(answer) if isinstance(answer, bool) else None,
                 format_func=lambda v: "True" if v else "False", key=key, horizontal=True, **kw)
    elif item.type == "multiple":
        chosen = set(answer or [])
        st.write("Your answer")
        for v in values:
            st.checkbox(labels[v], value=v in chosen, key=f"{key}_{v}", **kw)
    elif item.type == "ordering":
        st.multiselect("Your order (first step first)", values, default=list(answer or []),
                       format_func=labels.get, key=key, placeholder="Click the first step", **kw)
    elif item.type == "numeric":
        st.number_input(f"Your answer{f' ({item.unit})' if item.unit else ''}",
                        value=float(answer) if answer is not None else None, step=1.0, format="%g",
                        key=key, **kw)


def read_answer(item: ItemView, key: str) -> Any:
    """The answer currently in the widget for ``item`` (None while nothing, or an incomplete order, is given)."""
    state = st.session_state
    if item.type == "multiple":
        return [o.value for o in item.options if state.get(f"{key}_{o.value}")] or None
    value = state.get(key)
    if item.type == "ordering":
        value = list(value or [])
        return value if len(value) == len(item.options) else None
    return value


def show_feedback(fb: FeedbackView) -> None:
    if fb.correct:
        st.success(f"**Right.** You scored {fb.score:g} of {fb.max_score:g}.", icon=":material/check_circle:")
    elif fb.score > 0:
        st.warning(f"**Partly right.** You scored {fb.score:g} of {fb.max_score:g}.", icon=":material/rule:")
    else:
        st.error("**Not quite.**", icon=":material/cancel:")
    st.markdown(f"**Your answer:** {fb.your_answer}")
    if not fb.correct:
        st.markdown(f"**Right answer:** {fb.right_answer}")
    for line in fb.feedback:
        st.markdown(f"- {line}")
    st.markdown(f"**Why:** {fb.explanation}")


def show_result_items(res: ResultsView) -> None:
    """Each question of a finished attempt, as far as the exam's review options allow."""
    for it in res.items:
        mark = ":green[right]" if it.correct else (":orange[partly right]" if it.score > 0 else ":red[wrong]")
        with st.expander(f"Question {it.position + 1}: {it.stem[:90]}{'…' if len(it.stem) > 90 else ''} ({mark})"):
            if it.case_scenario:
                st.info(it.case_scenario)
            st.markdown(it.stem)
            st.markdown(f"**Your answer:** {it.your_answer}")
            if it.right_answer is not None:
                st.markdown(f"**Right answer:** {it.right_answer}")
            for line in it.feedback or []:
                st.markdown(f"- {line}")
            if it.explanation is not None:
                st.markdown(f"**Why:** {it.explanation}")
