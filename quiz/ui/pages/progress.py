"""My progress: scores over time, mastery per topic (altair), and every past attempt (own data only)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from quiz.services import attempts, progress
from quiz.ui import runtime

MODE_LABELS = {"exam": "Exam", "practice": "Practice", "review": "Review"}
STATE_LABELS = {"in_progress": "in progress", "submitted": "submitted", "expired": "time ran out"}


def render() -> None:
    actor = runtime.require_actor()
    st.title("My progress")
    history = runtime.run(progress.score_history, actor)
    mastery = runtime.run(progress.topic_mastery, actor)
    every = runtime.run(attempts.list_attempts, actor)
    if history is None or mastery is None or every is None:
        return
    if not every:
        st.info("Nothing here yet. Your scores and topic mastery appear once you have practised.")
        return
    names = progress.topic_names(runtime.get_platform().settings.bank_path)

    st.subheader("Scores over time")
    if history:
        df = pd.DataFrame([{"When": p.at, "Score": p.percent, "Kind": MODE_LABELS.get(p.mode, p.mode),
                            "Attempt": p.title} for p in history])
        chart = (alt.Chart(df).mark_line(point=True)
                 .encode(x=alt.X("When:T", title=None), y=alt.Y("Score:Q", axis=alt.Axis(format="%"),
                                                               scale=alt.Scale(domain=[0, 1])),
                         color=alt.Color("Kind:N", title=None), tooltip=["Attempt", "Kind", "When:T",
                                                                         alt.Tooltip("Score:Q", format=".0%")]))
        st.altair_chart(chart, width="stretch")
    else:
        st.caption("Finish a practice or an exam to see your scores here.")

    st.subheader("Mastery by topic")
    if mastery:
        mdf = pd.DataFrame([{"Topic": progress.topic_label(m.topic, names), "Mastery": m.mastery,
                             "Answers": m.answered, "Right": m.correct} for m in mastery])
        bars = (alt.Chart(mdf).mark_bar()
                .encode(x=alt.X("Mastery:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
                        y=alt.Y("Topic:N", sort="x", title=None, axis=alt.Axis(labelLimit=320)),
                        color=alt.Color("Mastery:Q", scale=alt.Scale(scheme="redyellowgreen", domain=[0, 1]),
                                        legend=None),
                        tooltip=["Topic", alt.Tooltip("Mastery:Q", format=".0%"), "Answers", "Right"]))
        st.altair_chart(bars, width="stretch")
    else:
        st.caption("Answer some questions to see your mastery of each topic.")

    st.subheader("Every attempt")
    table = pd.DataFrame([{
        "Started": a.started_at.strftime("%Y-%m-%d %H:%M"), "Kind": MODE_LABELS.get(a.mode, a.mode),
        "What": a.title, "Questions": a.items, "State": STATE_LABELS.get(a.state, a.state),
        "Score": f"{a.percent:.0%}" if a.percent is not None else "",
        "Passed": "" if a.passed is None else ("yes" if a.passed else "no"),
    } for a in every])
    st.dataframe(table, hide_index=True, width="stretch")
    finished = [a for a in every if a.state != "in_progress"]
    if finished:
        pick = st.selectbox("Open the results of", [a.id for a in finished],
                            format_func=lambda i: next(f"{a.title} ({a.started_at:%d %b %Y %H:%M})"
                                                       for a in finished if a.id == i), key="progress_pick")
        if st.button("Open results", key="progress_open"):
            from quiz.ui.app import switch_to

            st.session_state["results_attempt"] = pick
            switch_to("results")
