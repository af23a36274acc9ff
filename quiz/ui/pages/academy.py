"""Academy overview: every cohort in one table (trainer, trainees, activity, exams, certificates, practice, weakest
topic) with the academy's totals above it; sortable, downloadable as CSV, and each cohort opens its dashboard.
Administrators see every cohort, trainers the cohorts they run. The figures come from
:mod:`quiz.services.academy` (the attempt figures cached per data version, quiz/ui/cache.py); the answer figures
from a snapshot this page asks to be refreshed in the background when it is old."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from quiz import background
from quiz.services import academy, academy_answers, progress
from quiz.ui import cache, runtime
from quiz.ui.pages.cohorts import require_trainer, when
from quiz.ui.pages.exports import LINK_STYLE
from quiz.web.downloads import ACADEMY_URL

ORDERS = {
    "name": "By name",
    "pass_rate": "Lowest first-attempt pass rate first",
    "active": "Fewest active in the last 30 days first (share of trainees)",
    "weakest": "Weakest topic mastery first",
}


def pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.0%}"


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _ordered(rows: list[academy.CohortFigures], order: str) -> list[academy.CohortFigures]:
    """The cohorts in the chosen order; cohorts without the figure last, ties by name."""
    missing = 2.0  # above any share

    def key(r: academy.CohortFigures) -> tuple:
        figure = {"pass_rate": r.first_pass_rate, "active": _share(r.active_30d, r.trainees),
                  "weakest": r.weakest_mastery}.get(order, 0.0)
        return (missing if figure is None else figure, r.name.lower(), r.cohort_id or 0)

    return sorted(rows, key=key)


def _totals(view: academy.AcademyView, names: dict[str, str]) -> None:
    t = view.totals
    m = st.columns(4)
    m[0].metric("Cohorts", len(view.cohorts))
    m[1].metric("Trainees", t.trainees, help="Each trainee counted once, also one who is in two cohorts.")
    m[2].metric("Active in the last 7 days", t.active_7d,
                help=f"{t.active_30d:d} in the last 30 days. Active: started an attempt, or answered in one still "
                     "open.")
    m[3].metric("First-attempt pass rate", pct(t.first_pass_rate),
                help=f"{t.first_passed:d} of {t.first_attempts:d} first attempts passed (each trainee's first finished "
                     "attempt at each exam).")
    m = st.columns(4)
    m[0].metric("Mean exam score", pct(t.mean_exam), help=f"Over {t.exam_attempts:d} finished exam attempts.")
    m[1].metric("Certificates issued", t.certificates,
                help=f"{t.expiring:d} valid ones expire within {academy.EXPIRING_DAYS:d} days.")
    m[2].metric("Practice answers, 30 days", "—" if t.practice_answers_30d is None else t.practice_answers_30d)
    weakest = progress.topic_label(t.weakest_topic, names) if t.weakest_topic else "—"
    m[3].metric("Weakest topic", weakest, help=f"Mean mastery {pct(t.weakest_mastery)}."
                if t.weakest_topic else "No finished answers yet.")


def _table(rows: list[academy.CohortFigures], names: dict[str, str]) -> None:
    data = pd.DataFrame([{
        "Cohort": r.name, "Trainer": r.trainer, "Trainees": r.trainees, "Active 7 days": r.active_7d,
        "Active 30 days": r.active_30d, "Exam attempts": r.exam_attempts,
        "First-attempt pass rate": None if r.first_pass_rate is None else round(r.first_pass_rate * 100, 1),
        "Mean exam score": None if r.mean_exam is None else round(r.mean_exam * 100, 1),
        "Certificates": r.certificates, "Expiring soon": r.expiring,
        "Practice answers 30 days": r.practice_answers_30d,
        "Weakest topic": progress.topic_label(r.weakest_topic, names) if r.weakest_topic else None,
        "Its mastery": None if r.weakest_mastery is None else round(r.weakest_mastery * 100, 1),
    } for r in rows])
    percent = "%.0f%%"
    st.dataframe(data, hide_index=True, width="stretch", column_config={
        "First-attempt pass rate": st.column_config.NumberColumn(
            format=percent, help="Share of first attempts passed: each trainee's first finished attempt at each exam"),
        "Mean exam score": st.column_config.NumberColumn(format=percent, help="Over the finished exam attempts"),
        "Expiring soon": st.column_config.NumberColumn(
            help=f"Valid certificates that expire within {academy.EXPIRING_DAYS:d} days"),
        "Weakest topic": st.column_config.TextColumn(
            help="The topic with the lowest mean mastery of the cohort's trainees (share of the points earned)"),
        "Its mastery": st.column_config.NumberColumn(format=percent, help="Mean mastery of the weakest topic"),
    })


def _answers_note(view: academy.AcademyView) -> None:
    if view.answers_at is None:
        st.caption("Weakest topics and practice answers are being computed from every answer; reload the page in "
                   "a minute to see them.")
        return
    note = (f"Weakest topics and practice answers as of {when(view.answers_at)} (they are read from every "
            f"answer, so they are refreshed in the background at most every {academy_answers.REFRESH_MINUTES:d} "
            "minutes); every other figure is up to date.")
    st.caption(note + (" A refresh is under way." if view.answers_stale() else ""))


def _refresh_if_old(view: academy.AcademyView) -> None:
    if view.answers_stale():
        platform = runtime.get_platform()
        background.run_once_in_background("academy-answers", lambda: academy_answers.refresh(platform))


def _open_dashboard(rows: list[academy.CohortFigures]) -> None:
    labels = {r.cohort_id: f"{r.name} ({r.trainer})" for r in rows}
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    cid = c1.selectbox("Open a cohort's dashboard", list(labels), format_func=labels.get, key="academy_cohort")
    if c2.button("Open its dashboard", key="academy_open"):
        st.session_state["_cohort_id"] = cid  # the cohort chooser of the dashboard starts on it
        st.session_state.pop("dash_cohort", None)
        from quiz.ui.app import switch_to

        switch_to("dashboard")


def render() -> None:
    actor = require_trainer()
    st.title("Academy overview")
    live = cache.cached(academy.live_figures, actor)
    if live is None:
        return
    # read on every run (one small query), so a refresh finished in the background shows at once
    snapshot = runtime.run(academy.answers_snapshot, actor)
    view = academy.combine(live, snapshot)
    _refresh_if_old(view)
    if not view.cohorts:
        st.info("There is no cohort yet. Create one on **Cohorts and trainees**.")
        return
    st.caption("Every cohort of the academy." if view.everything else "The cohorts you run.")
    names = runtime.run(progress.topic_names) or {}
    _totals(view, names)
    order = st.radio("Order cohorts", list(ORDERS), format_func=ORDERS.get, horizontal=True, key="academy_order",
                     help="Or click a column's header in the table to sort by it.")
    rows = _ordered(view.cohorts, order or "name")
    _table(rows, names)
    _answers_note(view)
    st.html(f'<a href="{html.escape(ACADEMY_URL)}" download style="{LINK_STYLE}">Download the table (CSV)</a>')
    _open_dashboard(rows)
