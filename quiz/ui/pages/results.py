"""Results: score, pass or fail, the per-topic breakdown and each question, as the exam's review options
allow; the certificate code for a passed exam."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from quiz.services import attempts, certificates, progress
from quiz.ui import localtime, runtime
from quiz.ui.browser import page_opened
from quiz.ui.question_widgets import plural, show_result_items
from quiz.ui.text import plain

RESULTS_FLASH = "_results_flash"  # a message for the top of the page (e.g. "Time ran out: ...")
WANTED = "results_attempt"  # the attempt another page asks Results to open (once)

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
    # Open on the attempt another page asked for, else on the newest; the choice then stays while on the page.
    wanted = st.session_state.pop(WANTED, None)
    if wanted in ids:
        st.session_state["results_select"] = wanted
    elif st.session_state.get("results_select") not in ids:
        st.session_state["results_select"] = ids[0]
    chosen = st.selectbox(
        "Attempt", ids, key="results_select",
        format_func=lambda i: f"{by_id[i].title} · {MODE_LABELS.get(by_id[i].mode, by_id[i].mode)} · "
                              f"{localtime.when(by_id[i].submitted_at or by_id[i].started_at)}",
    )
    page_opened(f"results-{chosen}")
    flash = st.session_state.pop(RESULTS_FLASH, None)
    if flash:
        st.warning(flash, icon=":material/timer_off:")
    res = runtime.run(attempts.results, actor, chosen)
    if res is None:
        return
    show_results(res)
    next_steps(actor, res, by_id[chosen].exam_id)


def next_steps(actor, res: attempts.ResultsView, exam_id: int | None) -> None:  # noqa: ANN001
    """After a result: for an exam, the attempts left and when the next opens; for anything, practising the
    weakest topics of this result (starts a practice on them)."""
    st.subheader("What next")
    if exam_id is not None:
        statuses = runtime.run(attempts.exam_statuses, actor) or []
        s = next((x for x in statuses if x.exam_id == exam_id), None)
        if s is not None and not s.passed:
            line = f"**{plural(s.attempts_left, 'attempt')} left** of {s.attempts_allowed:d} for {plain(s.name)}."
            if s.can_start:
                line += " You can start the next one now, on **Certification exams**."
            elif s.next_start_at is not None and s.attempts_left:
                line += f" The next one opens {localtime.when(s.next_start_at)}."
            elif s.reason:
                line += f" {plain(s.reason)}"
            st.markdown(line)
    names = runtime.run(progress.topic_names) or {}
    weak = [t for t in sorted(res.topics, key=lambda t: (t.percent, t.topic)) if t.percent < 1.0][:3]
    if not weak:
        st.write("Every topic here was answered in full. A practice on other topics keeps you sharp.")
        return
    st.write("Your weakest topics here: " + ", ".join(
        f"{plain(progress.topic_label(t.topic, names))} ({t.percent:.0%})" for t in weak) + ".")
    if st.button("Practise your weakest topics", type="primary", key=f"practise_weak_{res.attempt_id}",
                 icon=":material/school:"):
        topics = [t.topic for t in weak]
        aid = runtime.run(attempts.start_practice, actor, topics, 10,
                          topic_names={t: progress.topic_label(t, names) for t in topics})
        if aid:
            from quiz.ui.app import switch_to

            switch_to("practice")


def pass_mark_text(res: attempts.ResultsView) -> str:
    """'pass mark 70%', or for an Angoff exam the attempt's own cut score and why it is its own."""
    if res.pass_mark_method == "angoff":
        return f"pass mark {res.pass_mark or 0:.1%}, set for the questions you drew"
    return f"pass mark {res.pass_mark or 0:.0%}"


def show_results(res: attempts.ResultsView) -> None:
    names = runtime.run(progress.topic_names) or {}
    st.subheader(plain(res.title))
    if res.state == "expired":
        st.caption("Time ran out: this attempt was submitted with the answers saved before the deadline.")
    if res.mode == "exam":
        if res.passed:
            st.success(f"**You passed** ({plain(pass_mark_text(res))}).", icon=":material/workspace_premium:")
        else:
            st.error(f"**Not passed this time** ({plain(pass_mark_text(res))}).", icon=":material/info:")
    if res.mode == "exam" and res.passed:
        show_certificate(runtime.require_actor(), res.attempt_id)
    if res.score is not None:
        c1, c2 = st.columns(2)
        c1.metric("Score", f"{res.score:g} / {res.max_score:g}")
        c2.metric("Percent", f"{(res.percent or 0):.0%}")
    else:
        st.caption("Your trainer has chosen not to show scores for this exam.")
    if res.topics:
        st.write("**By topic**")
        rank = {t: i for i, t in enumerate(progress.in_topic_order([t.topic for t in res.topics], names))}
        st.dataframe(pd.DataFrame([{
            "Topic": progress.topic_label(t.topic, names), "Questions": t.items, "Right": t.correct,
            "Score": f"{t.score:g} / {t.max_score:g}", "Percent": f"{t.percent:.0%}",
        } for t in sorted(res.topics, key=lambda t: rank[t.topic])]), hide_index=True, width="stretch")
    if res.items and res.mode != "exam":
        st.write(f"**Your answers** ({plural(res.answered, 'question')} answered)")
        if res.not_reached:
            st.caption(f"Not reached: {plural(res.not_reached, 'question')}. The session ended before them, so "
                       "they count nowhere, not in this score nor in your progress.")
        show_result_items(res, answered_only=True)
    elif res.items:
        st.write("**Each question**")
        show_result_items(res)
    elif res.detail_closed:
        st.info(res.detail_closed, icon=":material/lock:")
    elif res.mode == "exam":
        st.caption("Your trainer has chosen not to show the questions and answers of this exam.")


def show_certificate(actor, attempt_id: int) -> None:  # noqa: ANN001
    """The certificate a pass earned: its code, its state (valid until, expired, replaced, revoked) and the PDF,
    served by the route that checks the session (/download/certificate/CODE.pdf)."""
    cert = runtime.run(certificates.certificate_for_attempt, actor, attempt_id)
    if cert is None:
        return
    day = "%d %B %Y"
    if cert.state == certificates.REVOKED:
        st.error(f"Your certificate **{cert.code}** was revoked on {cert.revoked_at:{day}}. Ask your trainer why.",
                 icon=":material/gpp_bad:")
        return
    if cert.state == certificates.SUPERSEDED:
        st.info(f"This certificate (**{cert.code}**) was replaced on {cert.superseded_at:{day}} by your newer one.",
                icon=":material/update:")
    elif cert.state == certificates.EXPIRED:
        st.warning(f"Your certificate **{cert.code}** expired on {cert.expires_at:{day}}. Sit the exam again to "
                   "renew it.", icon=":material/event_busy:")
    else:
        until = f" It is valid until {cert.expires_at:{day}}." if cert.expires_at else ""
        st.info(f"Your certificate code: **{cert.code}**.{until} Anyone can check it on the **Verify a "
                "certificate** page, or by scanning the QR code printed on it.", icon=":material/verified:")
    st.link_button("Download your certificate (PDF)", cert.download_path, type="primary",
                   icon=":material/picture_as_pdf:")
