"""Trainer dashboard: a cohort's trainees (attempts, best and latest exam score, pass status, last activity),
ordered by risk (lowest mastery, failed exam attempts, inactivity) with a click on a row opening that trainee,
a mastery heatmap (trainees by topics), the weekly trend, filters, and a drill-down to one trainee, then to
one attempt with every answer."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from quiz.services import cohorts, dashboard, exams, progress
from quiz.services.dashboard import Filters
from quiz.ui import cache, runtime
from quiz.ui.pages.cohorts import pick_cohort, require_trainer, when
from quiz.ui.text import plain

MODES = {"": "All activity", "exam": "Exams", "practice": "Practice", "review": "Spaced review"}
# plain words: emoji render as empty boxes where the machine has no emoji font
STATUS = {"passed": "passed", "not passed yet": "not passed yet", "no exam yet": "no exam yet"}
# the dates the dashboard counts: all time unless the trainer picks a period (days back, today included)
PERIODS = {"all": "All time", "7": "Last 7 days", "30": "Last 30 days", "90": "Last 90 days",
           "custom": "Choose dates…"}
MARKS = {"right": ":green[right]", "part": ":orange[partly right]", "wrong": ":red[wrong]",
         "not_answered": ":red[not answered]", "not_reached": ":gray[not reached: counts nowhere]"}


def _topic_names() -> dict[str, str]:
    return runtime.run(progress.topic_names) or {}


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.0%}"


def _filters(cohort_id: int, actor) -> Filters:  # noqa: ANN001
    exam_list = runtime.run(exams.list_exams, actor, cohort_id) or []
    exam_labels = {0: "All exams and practice", **{e.id: e.name for e in exam_list}}
    c1, c2, c3 = st.columns([2, 1, 2])
    exam_id = c1.selectbox("Exam", list(exam_labels), format_func=exam_labels.get, key="dash_exam")
    mode = c2.selectbox("Mode", list(MODES), format_func=MODES.get, key="dash_mode")
    today = datetime.now(UTC).date()
    period = c3.selectbox("Dates (UTC)", list(PERIODS), format_func=PERIODS.get, key="dash_period",
                          help="All time, a recent period, or dates you choose.")
    since = until = None
    if period == "custom":
        span = st.date_input("From and to (UTC)", value=(), min_value=date(2000, 1, 1),
                             max_value=today + timedelta(days=1), key="dash_dates", format="DD/MM/YYYY",
                             help="Pick a start and an end date; choose 'All time' above to count everything again.")
        if isinstance(span, (list, tuple)) and len(span) == 2:
            since, until = span
        elif isinstance(span, (list, tuple)) and len(span) == 1:
            since = span[0]
    elif period != "all":
        since = today - timedelta(days=int(period) - 1)
    return Filters(exam_id=exam_id or None, mode=mode or None, since=since, until=until)


RISK_ORDERS = {"mastery": "Lowest mastery first", "failed": "Most failed exam attempts first",
               "inactive": "Longest inactive first", "name": "By name"}


def trainee_mastery(cells: list[dashboard.MasteryCell]) -> dict[int, float]:
    """Each trainee's share of the points earned over every topic (the heatmap's cells added up)."""
    earned: dict[int, list[float]] = {}
    for c in cells:
        e = earned.setdefault(c.user_id, [0.0, 0.0])
        e[0] += c.earned
        e[1] += c.possible
    return {uid: e / p for uid, (e, p) in earned.items() if p}


def by_risk(rows: list[dashboard.TraineeRow], mastery: dict[int, float], order: str) -> list[dashboard.TraineeRow]:
    """The trainees most at risk first: lowest mastery (none yet counts as lowest), most failed exam attempts,
    or longest without activity (never active first); ties by the other two, then by name."""
    never = datetime.min.replace(tzinfo=UTC)

    def key(r: dashboard.TraineeRow) -> tuple:
        m = mastery.get(r.user_id, -1.0)
        seen = r.last_activity or never
        parts = {"mastery": (m, -r.failed_exams, seen), "failed": (-r.failed_exams, m, seen),
                 "inactive": (seen, m, -r.failed_exams)}.get(order, ())
        return (*parts, r.name.lower(), r.email)

    return sorted(rows, key=key)


def _overview(rows: list[dashboard.TraineeRow], filters: Filters,
              mastery: dict[int, float] | None = None) -> None:
    exam_takers = [r for r in rows if r.exam_attempts]
    best = [r.best_exam for r in exam_takers if r.best_exam is not None]
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Trainees", len(rows))
    m2.metric("Passed", f"{sum(r.status == 'passed' for r in rows)} of {len(rows)}")
    m3.metric("Mean best exam score", pct(sum(best) / len(best)) if best else "—")
    if filters.since or filters.until:  # the rows only count activity in the chosen dates
        m4.metric("Active in these dates", sum(1 for r in rows if r.last_activity),
                  help="Trainees with at least one attempt in the chosen dates (and exam and mode).")
    else:
        m4.metric("Active in the last 7 days",
                  sum(1 for r in rows if r.last_activity and r.last_activity > datetime.now(UTC) - timedelta(days=7)),
                  help="Trainees whose latest activity (matching the exam and mode) is in the last 7 days.")
    mastery = mastery or {}
    order = st.radio("Order trainees", list(RISK_ORDERS), format_func=RISK_ORDERS.get, horizontal=True,
                     key="dash_order", help="Most at risk first. Choose a row to see that trainee below.")
    ordered = by_risk(rows, mastery, order or "mastery")
    now = datetime.now(UTC)
    table = pd.DataFrame([{
        "Trainee": r.name, "Email": r.email,
        "Mastery": round(mastery[r.user_id] * 100, 1) if r.user_id in mastery else None,
        "Failed exams": r.failed_exams,
        "Days inactive": (now - r.last_activity).days if r.last_activity else None,
        "Attempts": r.attempts, "Exam attempts": r.exam_attempts,
        "Best exam": pct(r.best_exam), "Latest exam": pct(r.latest_exam), "Status": STATUS.get(r.status, r.status),
        "Practice mean": pct(r.mean_practice), "Last activity": when(r.last_activity) if r.last_activity else "—",
    } for r in ordered])
    event = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                         key=f"dash_rows_{order}", column_config={  # a row number means one order
                             "Mastery": st.column_config.NumberColumn("Mastery", format="%.0f%%",
                                                                      help="Share of the points earned"),
                             "Days inactive": st.column_config.NumberColumn(help="Days since the last activity")})
    picked = list(event.selection.rows) if event is not None and hasattr(event, "selection") else []
    if picked and picked[0] < len(ordered):
        chosen = ordered[picked[0]].user_id
        if st.session_state.get("_dash_picked") != chosen:  # a new click: open that trainee below
            st.session_state["_dash_picked"] = chosen
            st.session_state["dash_trainee"] = chosen


def _heatmap(cells: list[dashboard.MasteryCell]) -> None:
    st.subheader("Mastery by topic")
    if not cells:
        st.caption("No finished attempts match these filters yet.")
        return
    overall = dashboard.topic_mastery(cells)
    names = _topic_names()
    weakest = list(overall)[:2]
    st.caption("Share of the points earned on each topic over each trainee's finished attempts. Weakest topics "
               "for the cohort: " + ", ".join(f"**{plain(progress.topic_label(t, names))}** ({overall[t]:.0%})"
                                              for t in weakest) + ".")
    data = pd.DataFrame([{"Trainee": c.name, "Topic": progress.topic_label(c.topic, names),
                          "Mastery": round(c.share, 3), "Items": c.items,
                          "Label": f"{c.share:.0%} n={c.items}",
                          "Points": f"{round(c.earned, 1):g} of {round(c.possible, 1):g}"} for c in cells])
    order = [progress.topic_label(t, names) for t in progress.in_topic_order(list(overall), names)]
    base = alt.Chart(data).encode(
        x=alt.X("Topic:N", sort=order, title=None,
                axis=alt.Axis(labelAngle=-35, labelLimit=300, labelOverlap=False, labelFontSize=11)),
        y=alt.Y("Trainee:N", title=None, axis=alt.Axis(labelOverlap=False, labelLimit=200, labelFontSize=11)),
        tooltip=["Trainee", "Topic", alt.Tooltip("Mastery:Q", format=".0%"), "Points",
                 alt.Tooltip("Items:Q", title="Answers")],
    )
    # A colour-blind-safe sequential scale (one hue, light to dark), with the value and the number of answers
    # printed in each cell, so the colour is never the only way to read it.
    cells_ = base.mark_rect(stroke="#ffffff").encode(
        color=alt.Color("Mastery:Q", scale=alt.Scale(domain=[0, 1], scheme="blues"),
                        legend=alt.Legend(format="%", title="Share of points")))
    text = base.mark_text(fontSize=11).encode(
        text="Label:N", color=alt.condition("datum.Mastery > 0.55", alt.value("#ffffff"), alt.value("#0a0c10")))
    chart = (cells_ + text).properties(height=alt.Step(30))  # one readable row per trainee
    st.altair_chart(chart, width="stretch")
    st.caption("Each cell: the share of points earned and n, the number of answers behind it. A blank cell: that "
               "trainee has no finished attempt with a question on that topic (in these filters).")
    with st.expander("The heatmap as a table"):  # the chart's text alternative
        table = data.pivot_table(index="Trainee", columns="Topic", values="Label", aggfunc="first")
        st.dataframe(table.reindex(columns=[t for t in order if t in table.columns]).fillna("—"),
                     width="stretch")


def _trend(points: list[dashboard.TrendPoint]) -> None:
    st.subheader("Scores over time")
    if not points:
        st.caption("No finished attempts match these filters yet.")
        return
    data = pd.DataFrame([{"Week": pd.Timestamp(p.week), "Mode": p.mode, "Mean score": round(p.mean_score, 3),
                          "Attempts": p.attempts} for p in points])
    chart = alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("Week:T", title="Week starting", axis=alt.Axis(format="%d %b")),
        y=alt.Y("Mean score:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        color=alt.Color("Mode:N"),
        tooltip=[alt.Tooltip("Week:T", format="%d %b %Y"), "Mode", alt.Tooltip("Mean score:Q", format=".0%"),
                 "Attempts"],
    ).properties(height=260)
    st.altair_chart(chart, width="stretch")
    with st.expander("The scores over time as a table"):  # the chart's text alternative
        st.dataframe(data.assign(Week=[f"{w:%d %b %Y}" for w in data["Week"]],
                                 **{"Mean score": [f"{v:.0%}" for v in data["Mean score"]]}),
                     hide_index=True, width="stretch")


def _attempt_label(a: dashboard.AttemptSummary) -> str:
    what = a.exam_name if a.mode == "exam" and a.exam_name else MODES.get(a.mode, a.mode)
    if a.mode == "practice" and a.topics:
        names = _topic_names()
        what += f" ({', '.join(progress.topic_label(t, names) for t in a.topics)})"
    score = pct(a.percent) if a.state != "in_progress" else "in progress"
    return f"{a.started_at:%d %b %Y %H:%M} · {what} · {score}"


def _drill_down(actor, rows: list[dashboard.TraineeRow], filters: Filters) -> None:  # noqa: ANN001
    st.subheader("One trainee")
    if not rows:
        return
    people = {r.user_id: f"{r.name} ({r.email})" for r in rows}
    uid = st.selectbox("Trainee", list(people), format_func=people.get, key="dash_trainee")
    attempts = runtime.run(dashboard.trainee_attempts, actor, uid, filters) or []
    if not attempts:
        st.caption("No attempts match these filters.")
        return
    st.dataframe([{
        "Started": when(a.started_at), "Mode": MODES.get(a.mode, a.mode), "Exam": a.exam_name or "",
        "Items": a.items, "State": a.state.replace("_", " "), "Score": pct(a.percent),
        "Passed": {True: "yes", False: "no", None: ""}[a.passed],
        "Submitted": when(a.submitted_at) if a.submitted_at else "",
    } for a in attempts], hide_index=True, width="stretch")
    labels = {a.id: _attempt_label(a) for a in attempts}
    aid = st.selectbox("Open an attempt", list(labels), format_func=labels.get, key="dash_attempt")
    detail = runtime.run(dashboard.attempt_detail, actor, aid)
    if detail is None:
        return
    a = detail.attempt
    if a.state != "in_progress":
        if a.state == "expired":
            st.caption("Time ran out: the server submitted this attempt with the answers saved by the deadline.")
        st.markdown(f"**{plain(detail.trainee_name)}** scored **{a.score:g} of {a.max_score:g}** ({pct(a.percent)})"
                    + ("" if a.passed is None else (" · passed" if a.passed else " · not passed")))
    names = _topic_names()
    for ans in detail.answers:
        mark = MARKS.get(ans.status) or (MARKS["right"] if ans.is_correct else
                                          (MARKS["part"] if ans.score > 0 else MARKS["wrong"]))
        with st.expander(f"Q{ans.position + 1:d} ({mark}). {plain(_short(ans.stem))} · "
                         f"{plain(progress.topic_label(ans.topic, names))} · {ans.score:g} of {ans.max_score:g}"):
            st.caption(f"Item {plain(ans.question_id)}, version {ans.version:d}")
            if ans.case_scenario:
                st.caption(plain(ans.case_scenario))
            st.markdown(plain(ans.stem))
            if ans.options:  # in the order, and with the letters, the trainee saw
                st.markdown("\n".join(f"- {plain(o)}" for o in ans.options))
            st.markdown(f"**Their answer:** {plain(ans.answer_text)}")
            st.markdown(f"**Right answer:** {plain(ans.correct_text)}")
            st.caption(f"Why: {plain(ans.explanation)}")
            if ans.saved_at:
                st.caption(f"Answered {when(ans.saved_at)}")


def render() -> None:
    actor = require_trainer()
    st.title("Dashboard")
    options = runtime.run(cohorts.list_cohorts, actor) or []
    if not options:
        st.info("You have no cohort yet. Create one on **Cohorts and trainees**; the dashboard fills as your "
                "trainees practise and sit exams. (`python -m quiz demo` loads a demo academy.)")
        return
    cohort = pick_cohort(actor, options, key="dash_cohort")
    assert cohort is not None
    filters = _filters(cohort.id, actor)
    rows = cache.cached(dashboard.cohort_overview, actor, cohort.id, filters)
    if rows is None:
        return
    if not rows:
        st.info(f"Nobody is in {plain(cohort.name)} yet. Share its invite code: **{plain(cohort.invite_code)}**.")
        return
    cells = cache.cached(dashboard.mastery, actor, cohort.id, filters) or []
    _overview(rows, filters, trainee_mastery(cells))
    # the heatmap gets the full width: every trainee and every topic name must be readable
    _heatmap(cells)
    _trend(cache.cached(dashboard.trend, actor, cohort.id, filters) or [])
    _drill_down(actor, rows, filters)
