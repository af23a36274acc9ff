"""Results: score, pass or fail, the per-topic breakdown and each question, as the exam's review options
allow; the certificate code for a passed exam."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from quiz.services import attempts, certificates, progress
from quiz.ui import runtime
from quiz.ui.question_widgets import show_result_items

MODE_LABELS = {"exam": "Exam", "practice": "Practice", "review": "Review"}


def render() -> None:
    actor = runtime.require_actor()
    st.title("Results")
    finished = runtime.run(attempts.list_attempts, actor, None, True)
    if finished is None:
        return
    if not finished:
        st.info("No results yet. Finish a practice session or an exam and its result appears here.")
        return
    ids = [a.id for a in finished]
    by_id = {a.id: a for a in finished}
    wanted = st.session_state.get("results_attempt")
    index = ids.index(wanted) if wanted in ids else 0
    chosen = st.selectbox(
        "Attempt", ids, index=index, key="results_select",
        format_func=lambda i: f"{by_id[i].title} · {MODE_LABELS.get(by_id[i].mode, by_id[i].mode)} · "
                              f"{(by_id[i].submitted_at or by_id[i].started_at):%d %b %Y %H:%M}",
    )
    st.session_state["results_attempt"] = chosen
    res = runtime.run(attempts.results, actor, chosen)
    if res is None:
        return
    show_results(res)


def show_results(res: attempts.ResultsView) -> None:
    names = runtime.run(progress.topic_names) or {}
    st.subheader(res.title)
    if res.state == "expired":
        st.caption("Time ran out: this attempt was submitted with the answers saved before the deadline.")
    if res.mode == "exam":
        if res.passed:
            st.success(f"**You passed** (pass mark {res.pass_mark or 0:.0%}).", icon=":material/workspace_premium:")
        else:
            st.error(f"**Not passed this time** (pass mark {res.pass_mark or 0:.0%}).", icon=":material/info:")
    if res.certificate_code:
        st.info(f"Your certificate code: **{res.certificate_code}**. Anyone can check it on the "
                "**Verify a certificate** page.", icon=":material/verified:")
        actor = runtime.require_actor()
        cert = runtime.run(certificates.certificate_for_attempt, actor, res.attempt_id)
        if cert is not None:
            st.download_button("Download your certificate (printable page)", data=certificates.printable(cert),
                               file_name=f"certificate-{cert.code}.html", mime="text/html",
                               icon=":material/workspace_premium:", key=f"cert_{cert.code}")
    if res.score is not None:
        c1, c2 = st.columns(2)
        c1.metric("Score", f"{res.score:g} / {res.max_score:g}")
        c2.metric("Percent", f"{(res.percent or 0):.0%}")
    else:
        st.caption("Your trainer has chosen not to show scores for this exam.")
    if res.topics:
        st.write("**By topic**")
        st.dataframe(pd.DataFrame([{
            "Topic": progress.topic_label(t.topic, names), "Questions": t.items, "Right": t.correct,
            "Score": f"{t.score:g} / {t.max_score:g}", "Percent": f"{t.percent:.0%}",
        } for t in res.topics]), hide_index=True, width="stretch")
    if res.items:
        st.write("**Each question**")
        show_result_items(res)
    elif res.detail_closed:
        st.info(res.detail_closed, icon=":material/lock:")
    elif res.mode == "exam":
        st.caption("Your trainer has chosen not to show the questions and answers of this exam.")
