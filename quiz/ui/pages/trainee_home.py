"""Home: what to do next (an exam to resume, reviews due, weakest topics, the latest result or certificate)."""

from __future__ import annotations

import streamlit as st

from quiz.services import attempts, certificates, progress
from quiz.ui import localtime, runtime
from quiz.ui.question_widgets import plural
from quiz.ui.text import plain

JUST_REGISTERED = "_just_registered"  # set by the register page


def _go(key: str) -> None:
    from quiz.ui.app import switch_to

    switch_to(key)


def render() -> None:
    actor = runtime.require_actor()
    st.title(f"Welcome, {plain(actor.name.split(' ')[0]) if actor.name else 'back'}")
    home = runtime.run(progress.home, actor)
    if home is None:
        return
    names = runtime.run(progress.topic_names) or {}
    if st.session_state.pop(JUST_REGISTERED, False):
        st.success("Your account is ready. Welcome to the mesotherapy training!", icon=":material/celebration:")
    anything = runtime.run(attempts.list_attempts, actor) == []  # a newcomer (not a failed look-up): how to start
    if anything:
        _getting_started()
    exam_running = home.exam_in_progress is not None  # practice and review are closed until it is submitted

    if home.exam_in_progress is not None:
        anything = True
        a = home.exam_in_progress
        with st.container(border=True):
            st.subheader(":material/timer: Exam in progress")
            left = ""
            if a.deadline_at is not None:
                left = f" It ends at {localtime.when(a.deadline_at)}."
            st.write(f"**{plain(a.title)}** is waiting for you; every answer you gave is saved.{left}")
            st.caption(attempts.EXAM_LOCK_MESSAGE)
            if st.button("Resume the exam", type="primary", key="home_resume_exam"):
                _go("exams")

    if home.practice_in_progress is not None:
        anything = True
        with st.container(border=True):
            st.subheader(":material/school: Practice in progress")
            st.write(plain(home.practice_in_progress.title))
            if exam_running:
                st.caption("You can continue it once your exam is submitted.")
            elif st.button("Continue practising", key="home_continue_practice"):
                _go("practice")

    if home.review.due_now:
        anything = True
        with st.container(border=True):
            st.subheader(":material/replay: Spaced review")
            n = home.review.due_now
            st.write(f"**{plural(n, 'question')}** you missed before {'is' if n == 1 else 'are'} due for review.")
            if exam_running:
                st.caption("You can review them once your exam is submitted.")
            elif st.button("Review them now", key="home_review"):
                _go("review")

    if home.exams_open and home.exam_in_progress is None:
        anything = True
        with st.container(border=True):
            st.subheader(":material/workspace_premium: Certification")
            st.write("Open to you now: " + ", ".join(f"**{plain(n)}**" for n in home.exams_open))
            if st.button("Go to the exams", key="home_exams"):
                _go("exams")

    if _renewals(actor, exam_running):
        anything = True

    if home.weakest:
        anything = True
        with st.container(border=True):
            st.subheader(":material/trending_down: Your weakest topics")
            for t in home.weakest:
                st.write(f"- {plain(progress.topic_label(t.topic, names))}: {t.mastery:.0%} over "
                         f"{plural(t.answered, 'answer')}")
            if exam_running:
                st.caption("You can practise them once your exam is submitted.")
            elif st.button("Practise these topics", key="home_practise_weak"):
                from quiz.ui.pages.practice import PRESET_KEY

                st.session_state[PRESET_KEY] = [t.topic for t in home.weakest]
                _go("practice")

    if home.latest_certificate is not None or home.latest_exam is not None:
        anything = True
        with st.container(border=True):
            st.subheader(":material/verified: Latest result")
            if home.latest_certificate is not None:
                c = home.latest_certificate
                st.write(f"Certificate **{plain(c.exam)}**, {c.score_percent:.0%}, "
                         f"issued {localtime.day(c.issued_at)}. "
                         f"Code: {plain(c.code)}")
            if home.latest_exam is not None:
                e = home.latest_exam
                verdict = "passed" if e.passed else "not passed"
                st.write(f"Last exam: **{plain(e.title)}**, {verdict}"
                         + (f", {e.percent:.0%}" if e.percent is not None else "") + ".")
                if st.button("See the result", key="home_results"):
                    st.session_state["results_attempt"] = e.id
                    _go("results")

    if _certificates(actor):
        anything = True

    if not anything:  # attempts finished, nothing due or open: practice is the next step
        st.info("Nothing is waiting for you right now. A short **practice** session keeps you sharp, and "
                "questions you miss come back later in **spaced review**.")
        if st.button("Start practising", type="primary", key="home_first_practice"):
            _go("practice")

def _getting_started() -> None:
    """For a trainee with no attempt yet: the three ways to learn here, and the first step."""
    with st.container(border=True):
        st.subheader(":material/flag: Getting started")
        st.markdown(
            "1. **Practice**: pick topics and answer a few questions; each answer is checked straight away, "
            "with the reason why.\n"
            "2. **Spaced review**: questions you miss come back later, spaced out so that they stick.\n"
            "3. **Certification exams**: timed exams set by your trainer; pass one to earn a certificate.")
        if st.button("Start practising", type="primary", key="home_first_practice"):
            _go("practice")


def _renewals(actor, exam_running: bool) -> bool:  # noqa: ANN001
    """Certificates expiring within 60 days (or expired, not renewed), each with the exam to sit again."""
    due = runtime.run(certificates.renewals_due, actor) or []
    for r in due:
        with st.container(border=True):
            st.subheader(":material/event_repeat: Recertification")
            when = f"{r.expires_at.day} {r.expires_at:%B %Y}"
            st.write(f"Your certificate **{r.code}** {'expired' if r.expired else 'expires'} on {when}. "
                     "To renew it, sit this exam again (a new pass replaces the old certificate):")
            st.text(r.exam)  # an exam name is shown as typed, never as markdown
            if exam_running:
                st.caption("You can start it once your current exam is submitted.")
            elif st.button("Go to the exams", key=f"home_renew_{r.code}", icon=":material/timer:"):
                _go("exams")
    return bool(due)


def _certificates(actor) -> bool:  # noqa: ANN001
    """Every certificate of the trainee with its state and its PDF (served by a route that checks the session)."""
    mine = runtime.run(certificates.my_certificates, actor) or []
    if not mine:
        return False
    states = {certificates.VALID: "valid", certificates.EXPIRED: "expired", certificates.REVOKED: "revoked",
              certificates.SUPERSEDED: "replaced by a newer one"}
    with st.container(border=True):
        st.subheader(":material/workspace_premium: My certificates")
        st.dataframe([{
            "Code": c.code, "Exam": c.exam, "State": states.get(c.state, c.state), "Score": f"{c.score_percent:.0%}",
            "Issued": f"{c.issued_at:%Y-%m-%d}",
            "Valid until": f"{c.expires_at:%Y-%m-%d}" if c.expires_at else "no expiry",
        } for c in mine], hide_index=True, width="stretch")
        pick = {c.code: c for c in mine}
        code = st.selectbox("Certificate", list(pick), key="home_cert_pick",
                            format_func=lambda k: f"{k} · {pick[k].exam} · {states.get(pick[k].state)}")
        st.link_button("Download the PDF", pick[code].download_path, icon=":material/picture_as_pdf:")
    return True
