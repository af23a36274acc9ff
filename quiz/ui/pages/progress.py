"""My progress: scores over time, mastery per topic (altair), and every past attempt (own data only)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from quiz.services import attempts, progress
from quiz.ui import cache, localtime, runtime

MODE_LABELS = {"exam": "Exam", "practice": "Practice", "review": "Review"}
STATE_LABELS = {"in_progress": "in progress", "submitted": "submitted", "expired": "time ran out"}


def _day(t: pd.Timestamp) -> alt.DateTime:
    """A day as a Vega-Lite DateTime (a plain timestamp in ms is not taken as a temporal domain here)."""
    return alt.DateTime(year=t.year, month=t.month, date=t.day, utc=True)


def _time_axis(when: pd.Series) -> alt.X:
    """Dates, not clock times: a few attempts on one day used to get labels down to the second. The axis
    covers at least a day either side, with one tick a day while the span is short."""
    start, end = when.min().normalize(), when.max().normalize() + pd.Timedelta(days=1)
    span = (end - start).days
    if span < 3:
        start, end = start - pd.Timedelta(days=1), end + pd.Timedelta(days=1)
    ticks = {"interval": "day", "step": 1} if span <= 14 else 6
    return alt.X("When:T", title=None, scale=alt.Scale(domain=[_day(start), _day(end)]),
                 axis=alt.Axis(format="%d %b", tickCount=ticks, labelOverlap=True, labelAngle=0))


def render() -> None:
    actor = runtime.require_actor()
    st.title("My progress")
    history = cache.cached(progress.score_history, actor, user_id=actor.id)
    mastery = cache.cached(progress.topic_mastery, actor, user_id=actor.id)
    every = runtime.run(attempts.list_attempts, actor)
    if history is None or mastery is None or every is None:
        return
    if not every:
        st.info("Nothing here yet. Your scores and topic mastery appear once you have practised.")
        return
    names = runtime.run(progress.topic_names) or {}

    st.subheader("Scores over time")
    if history:
        df = pd.DataFrame([{"When": p.at, "Score": p.percent, "Kind": MODE_LABELS.get(p.mode, p.mode),
                            "Attempt": p.title} for p in history])
        chart = (alt.Chart(df).mark_line(point=alt.OverlayMarkDef(size=90, filled=True))
                 .encode(x=_time_axis(df["When"]),
                         y=alt.Y("Score:Q", title=None, axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
                         color=alt.Color("Kind:N", title=None),
                         tooltip=["Attempt", "Kind", alt.Tooltip("When:T", format="%d %b %Y, %H:%M"),
                                  alt.Tooltip("Score:Q", format=".0%")]))
        st.altair_chart(chart, width="stretch")
        with st.expander("The scores as a table"):  # the chart's text alternative
            st.dataframe(pd.DataFrame([{"When": localtime.when(p.at), "Kind": MODE_LABELS.get(p.mode, p.mode),
                                        "Attempt": p.title, "Score": f"{p.percent:.0%}"} for p in history]),
                         hide_index=True, width="stretch")
    else:
        st.caption("Finish a practice or an exam to see your scores here.")

    st.subheader("Mastery by topic")
    if mastery:
        by_topic = {m.topic: m for m in mastery}
        order = progress.in_topic_order(list(by_topic), names)  # the bank's order, as everywhere
        mdf = pd.DataFrame([{"Topic": progress.topic_label(t, names), "Mastery": by_topic[t].mastery,
                             "Answers": by_topic[t].answered, "Right": by_topic[t].correct,
                             "Label": f"{by_topic[t].mastery:.0%} (n={by_topic[t].answered})"} for t in order])
        st.caption("Mastery is the share of the marks you earned on a topic's questions, over every answer you "
                   "have given in practice, review and exams.")
        base = alt.Chart(mdf).encode(
            x=alt.X("Mastery:Q", title=None, axis=alt.Axis(format="%", values=[0, 0.25, 0.5, 0.75, 1]),
                  scale=alt.Scale(domain=[0, 1.12])),  # room for the "100%" label
            y=alt.Y("Topic:N", sort=list(mdf["Topic"]), title=None, axis=alt.Axis(labelLimit=320)),
            tooltip=["Topic", alt.Tooltip("Mastery:Q", format=".0%"), "Answers", "Right"])
        # one colour-blind-safe hue; the value and the number of answers are printed beside each bar
        bars = base.mark_bar(color="#2b6cb0")
        values = base.mark_text(align="left", dx=4, color="#0a0c10").encode(text="Label:N")
        st.altair_chart(bars + values, width="stretch")
        with st.expander("Mastery as a table"):  # the chart's text alternative
            st.dataframe(mdf.assign(Mastery=[f"{v:.0%}" for v in mdf["Mastery"]]).drop(columns=["Label"]),
                         hide_index=True, width="stretch")
    else:
        st.caption("Answer some questions to see your mastery of each topic.")

    st.subheader("Every attempt")
    table = pd.DataFrame([{
        "Started": localtime.when(a.started_at), "Kind": MODE_LABELS.get(a.mode, a.mode),
        "What": a.title, "Questions": a.items, "State": STATE_LABELS.get(a.state, a.state),
        "Score": f"{a.percent:.0%}" if a.percent is not None else "",
        "Passed": "" if a.passed is None else ("yes" if a.passed else "no"),
    } for a in every])
    st.dataframe(table, hide_index=True, width="stretch")
    finished = [a for a in every if a.state != "in_progress"]
    if finished:
        pick = st.selectbox("Open the results of", [a.id for a in finished],
                            format_func=lambda i: next(f"{a.title} ({localtime.when(a.started_at)})"
                                                       for a in finished if a.id == i), key="progress_pick")
        if st.button("Open results", key="progress_open"):
            from quiz.ui.app import switch_to

            st.session_state["results_attempt"] = pick
            switch_to("results")
