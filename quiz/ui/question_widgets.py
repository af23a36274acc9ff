"""Showing one question and reading its answer: shared by the exam, practice and review pages.

Widgets hold answers in canonical form (option indexes, in the order the attempt shows them; see
quiz.domain.scoring), so what a widget returns can be saved as it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import streamlit as st

from quiz.services import catalogue
from quiz.services.attempts import FeedbackView, ItemView, ResultsView
from quiz.ui import runtime
from quiz.ui.text import plain

TYPE_HINTS = {
    "single": "Choose one answer.",
    "true_false": "True or false?",
    "multiple": "Choose every answer that applies.",
    "ordering": "Put the steps in order: choose step 1, then step 2, and so on until every step is placed.",
    "numeric": "Type a number.",
}


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 question', '2 questions' ('many' for irregular plurals)."""
    return f"{n:g} {word if n == 1 else (many or word + 's')}"


def numbered(word: str, numbers: list[int]) -> str:
    """'question 3', 'questions 1 and 3', 'questions 1, 2 and 5'."""
    if len(numbers) == 1:
        return f"{word} {numbers[0]}"
    items = [str(n) for n in numbers]
    return f"{word}s {', '.join(items[:-1])} and {items[-1]}"


SCORING_RULES = {
    ("multiple", "partial"): "Partial credit: each right option you tick earns a share of the marks, each wrong "
                             "one you tick takes a share away.",
    ("multiple", "all_or_nothing"): "All or nothing: the marks need every right option ticked and no wrong one.",
    ("multiple", "weighted"): "Weighted: each right option you tick earns its own share of the marks (some are "
                              "worth more than others), some wrong ones take a share away; never below 0.",
    ("ordering", "partial"): "Partial credit: each pair of steps in the right order earns a share of the marks.",
    ("ordering", "all_or_nothing"): "All or nothing: the marks need the whole order right.",
}


def scoring_rule(item_type: str, scoring: str) -> str | None:
    """How a multiple-response (or ordering) item is scored, in plain words; None for other types."""
    return SCORING_RULES.get((item_type, scoring))


def show_question(item: ItemView, number: int, total: int) -> None:
    st.caption(f"Question {number} of {total} · {TYPE_HINTS.get(item.type, '')}"
               + (f" · {item.points:g} points" if item.points != 1 else ""))
    if item.case_scenario:
        st.info(f"**{plain(item.case_title)}**\n\n{plain(item.case_scenario)}", icon=":material/person:")
    st.markdown(plain(item.stem))  # body text: not a heading (no anchor link, no place in the page outline)
    rule = scoring_rule(item.type, getattr(item, "scoring", "all_or_nothing"))
    if rule:
        st.caption(f"Scoring: {rule}")


def _right_label(label: str) -> str:
    """An option's label in the list after answering, when it is a right one: marked in words and colour."""
    return f":green[**✓ {plain(label)} (right answer)**]"


def answer_input(item: ItemView, key: str, *, on_change: Callable[[], None] | None = None,
                 disabled: bool = False, right: tuple[int, ...] = ()) -> None:
    """The input for ``item``; its value lives in st.session_state under ``key`` (see :func:`read_answer`).
    The saved answer is the starting value, so a reload shows it again. ``right``: the right options, marked
    in the list (practice and review, once answered)."""
    # radio and checkbox labels are markdown: option text is escaped (labels[v] is safe below)
    labels = {o.value: (_right_label(o.label) if o.value in right else plain(o.label)) for o in item.options}
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
                 format_func=lambda v: _right_label(str(v)) if v in right else str(v), key=key, horizontal=True,
                 **kw)
    elif item.type == "multiple":
        chosen = set(answer or [])
        st.write("Your answer")
        for v in values:
            st.checkbox(labels[v], value=v in chosen, key=f"{key}_{v}", **kw)
    elif item.type == "ordering":
        _ordering_input(item, key, on_change=on_change, disabled=disabled)
    elif item.type == "numeric":
        st.number_input(f"Your answer{f' ({item.unit})' if item.unit else ''}",
                        value=float(answer) if answer is not None else None, step=1.0, format="%g",
                        key=key, **kw)


def show_saved(item: ItemView, key: str) -> None:
    """Call before :func:`answer_input` on a page that saves as the trainee goes: if the saved answer changed
    since this tab last showed it (another tab or device saved a newer one), the widget shows the saved answer
    again instead of its own older value. The version this tab shows is kept for :func:`shown_version`."""
    state = st.session_state
    vkey = f"{key}_version"
    if state.get(vkey) is not None and state[vkey] != item.version:
        for k in [k for k in state if isinstance(k, str) and (k == key or k.startswith(f"{key}_"))]:
            del state[k]  # the widgets start again from the saved answer
    state[vkey] = item.version


def shown_version(key: str) -> int | None:
    """The version of the saved answer the widget under ``key`` was built from (see :func:`show_saved`)."""
    return st.session_state.get(f"{key}_version")


def set_shown_version(key: str, version: int | None) -> None:
    st.session_state[f"{key}_version"] = version


def read_answer(item: ItemView, key: str, *, partial: bool = False) -> Any:
    """The answer currently in the widget for ``item`` (None while nothing is given). An order counts only once
    every step is placed, unless ``partial``: then the steps placed so far (a prefix of the order)."""
    state = st.session_state
    if item.type == "multiple":
        return [o.value for o in item.options if state.get(f"{key}_{o.value}")] or None
    if item.type == "ordering":
        order = placed_steps(item, key)
        return (order or None) if partial else (order if len(order) == len(item.options) else None)
    return state.get(key)


# -- ordering: one selectbox per position, each offering the steps not placed yet ----------------------------

def _step_key(key: str, k: int) -> str:
    return f"{key}_step{k}"


def placed_steps(item: ItemView, key: str) -> list[int]:
    """The steps chosen for positions 1, 2, ... up to the first position still empty."""
    order: list[int] = []
    for k in range(len(item.options)):
        value = st.session_state.get(_step_key(key, k))
        if value is None or value in order:
            break
        order.append(value)
    return order


def _step_changed(item: ItemView, key: str, k: int, on_change: Callable[[], None] | None) -> None:
    """Position ``k`` got a new step. If that step was placed further down, the two swap places, so the
    order never holds a step twice and nothing placed is lost. Clearing position ``k`` (the selectbox's x)
    clears the positions after it too: the order is built from the top."""
    state = st.session_state
    before = state.get(f"{key}_placed") or []
    old = before[k] if k < len(before) else None
    new = state.get(_step_key(key, k))
    for j in range(k + 1, len(item.options)):
        if new is None:
            state[_step_key(key, j)] = None
        elif state.get(_step_key(key, j)) == new:
            state[_step_key(key, j)] = old
    state[f"{key}_placed"] = placed_steps(item, key)
    if on_change is not None:
        on_change()


def _clear_order(item: ItemView, key: str, on_change: Callable[[], None] | None) -> None:
    for k in range(len(item.options)):
        st.session_state[_step_key(key, k)] = None
    st.session_state[f"{key}_placed"] = []
    if on_change is not None:
        on_change()


def _ordering_input(item: ItemView, key: str, *, on_change: Callable[[], None] | None, disabled: bool) -> None:
    labels = {o.value: o.label for o in item.options}
    values = [o.value for o in item.options]
    state = st.session_state
    saved = list(item.answer or [])
    for k in range(len(values)):  # first run: start from the saved (perhaps partial) order
        if _step_key(key, k) not in state:
            state[_step_key(key, k)] = saved[k] if k < len(saved) else None
    st.write("**The steps**")
    st.markdown("\n".join(f"- {plain(labels[v])}" for v in values))
    order = placed_steps(item, key)
    state[f"{key}_placed"] = order
    st.write(f"**Your order** ({len(order)} of {plural(len(values), 'step')} placed)")
    for k in range(min(len(order) + 1, len(values))):
        st.selectbox(f"Step {k + 1}", [v for v in values if v not in order[:k]], index=None,
                     format_func=labels.get, key=_step_key(key, k), disabled=disabled,
                     placeholder="Choose the step that comes next" if k == len(order) else "Choose a step",
                     on_change=_step_changed, args=(item, key, k, on_change))
    if order and not disabled:
        st.button("Start the order again", key=f"{key}_clear", icon=":material/restart_alt:",
                  on_click=_clear_order, args=(item, key, on_change))


def marks(score: float, max_score: float) -> str:
    """'1 of 1 mark', '0.33 of 1 mark', '1.5 of 2 marks' (two decimals at most)."""
    return f"{round(score, 2):g} of {plural(round(max_score, 2), 'mark')}"


# Items whose feedback line opens with its own verdict ("Right. ...", "Wrong. ..."): the banner gives the
# score only, so the verdict is not said twice.
_OWN_VERDICT = {"single", "true_false", "numeric"}


def show_feedback(fb: FeedbackView, item_type: str | None = None) -> None:
    own_verdict = item_type in _OWN_VERDICT and bool(fb.feedback)
    scored = f"You scored {marks(fb.score, fb.max_score)}."
    if fb.correct:
        st.success(scored if own_verdict else f"**Right.** {scored}", icon=":material/check_circle:")
    elif fb.score > 0:
        st.warning(scored if own_verdict else f"**Partly right.** {scored}", icon=":material/rule:")
    else:
        st.error(scored if own_verdict else f"**Not quite.** {scored}", icon=":material/cancel:")
    _answers(fb.your_answer, fb.right_answer if not fb.correct else None)
    if item_type == "multiple" and fb.feedback:
        st.markdown("**Option by option**")
    for line in fb.feedback:
        st.markdown(f"- {plain(line)}")
    st.markdown(f"**Why:** {plain(fb.explanation)}")
    _source_note(fb.source)


@lru_cache(maxsize=2)
def _sources_cached(minute: int) -> dict[str, tuple[str, str]]:  # noqa: ARG001 (minute: cache key)
    found = runtime.run(catalogue.sources) or {}
    return {sid: (s.citation, s.summary) for sid, s in found.items()}


def _sources() -> dict[str, tuple[str, str]]:
    """Source id -> (citation, summary), as the last bank sync left them (re-read at most once a minute)."""
    return _sources_cached(int(time.time() // 60))


def _source_note(source: tuple[str, str] | None) -> None:
    """Name the source an explanation draws on: explanations say "the clinic article" or "the sources", which
    trainees cannot see, so they get its title, the section, and our summary of it."""
    if not source:
        return
    title, summary = _sources().get(source[0], (None, ""))
    if title is None:
        return
    st.caption(f"Source: {plain(title)} (section: {plain(source[1])})", help=plain(summary) if summary else None)


def _answers(yours: str, right: str | None) -> None:
    st.markdown(f"**Your answer:** {plain(yours)}")
    if right is not None:
        st.markdown(f"**Right answer:** {plain(right)}")


def result_mark(it) -> str:  # noqa: ANN001
    """'right', 'partly right', 'wrong', 'not answered' (an exam's: scores 0), 'not reached' (counts nowhere)."""
    if it.status == "not_reached":
        return ":gray[not reached]"
    if it.status == "not_answered":
        return ":red[not answered: 0 marks]"
    return ":green[right]" if it.correct else (":orange[partly right]" if it.score > 0 else ":red[wrong]")


def show_result_items(res: ResultsView, *, answered_only: bool = False) -> None:
    """Each question of a finished attempt, as far as the exam's review options allow (``answered_only``:
    the answers given, for a practice review)."""
    for it in res.items:
        if answered_only and it.status != "answered":
            continue
        with st.expander(f"Question {it.position + 1:d}: {plain(it.stem[:90])}{'…' if len(it.stem) > 90 else ''} "
                         f"({result_mark(it)})"):
            if it.case_scenario:
                st.info(plain(it.case_scenario))
            st.markdown(plain(it.stem))
            rule = scoring_rule(it.type, it.scoring)
            if rule:
                st.caption(f"Scoring: {rule}")
            if it.options and it.type != "numeric":
                st.markdown("\n".join(f"- {plain(label)}" for label in it.options))  # as shown: same order, letters
            if it.status == "not_reached":
                st.caption("Not reached: this session ended before this question; it counts nowhere.")
                continue
            _answers("(not answered)" if it.status == "not_answered" else it.your_answer, it.right_answer)
            for line in it.feedback or []:
                st.markdown(f"- {plain(line)}")
            if it.explanation is not None:
                st.markdown(f"**Why:** {plain(it.explanation)}")
                _source_note(it.source)
