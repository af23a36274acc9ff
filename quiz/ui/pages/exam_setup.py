"""Exams: define a certification exam for a cohort (blueprint, time, pass mark, attempts, wait, review
options, opening and closing dates) with a running total of questions and marks, change or deactivate it,
preview one drawn attempt as a trainee (nothing recorded), and give one trainee extra attempts or time."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time
from functools import partial

import streamlit as st

from quiz.services import cohorts, exams, progress
from quiz.services.questions import current_questions
from quiz.ui import exam_preview, runtime
from quiz.ui.pages.cohorts import pick_cohort, require_trainer, when
from quiz.ui.text import plain

METHOD_LABELS = {"fixed": "Fixed: the pass mark for every attempt",
                 "angoff": "Angoff: each attempt's own cut score"}
REVIEW_LABELS = {
    "show_score": "Show the score",
    "show_answers": "Show which answers were right",
    "show_explanations": "Show the explanations",
}


def _live_counts(session) -> dict[str, int]:  # noqa: ANN001
    return dict(sorted(Counter(c.question.topic for c in current_questions(session)).items()))


def _live_points(session) -> dict[str, float]:  # noqa: ANN001
    """Mean marks of a live item of each topic (1 unless some items are worth more)."""
    marks: dict[str, list[float]] = {}
    for c in current_questions(session):
        marks.setdefault(c.question.topic, []).append(c.question.points)
    return {t: sum(v) / len(v) for t, v in marks.items()}


def _running_total(topics: dict[str, int], counts: dict[str, int], points: dict[str, float],
                   names: dict[str, str]) -> None:
    """The blueprint's total while it is built, and the topics asking for more than the live bank has."""
    total = sum(topics.values())
    marks = sum(n * points.get(t, 1.0) for t, n in topics.items())
    exact = all(points.get(t, 1.0).is_integer() for t, n in topics.items() if n)
    st.markdown(f"**Total: {total} question(s), {'' if exact else 'about '}{round(marks, 1):g} mark(s)**")
    short = [f"{progress.topic_label(t, names)} ({n} asked, {counts.get(t, 0)} live)" for t, n in topics.items()
             if n > counts.get(t, 0)]
    if short:
        st.warning(plain("More than the live bank has: " + "; ".join(short) + "."))


SECTIONS = {"new": "Define a new exam", "edit": "Change an exam", "extra": "Extra attempts or time"}


_flash = partial(runtime.show_flash, "exams")
_done = partial(runtime.flash_and_rerun, "exams")


def _new_prefix() -> str:
    """Key prefix of the new-exam form's widgets. It changes after each exam is created, so the form starts
    afresh: deleting widget keys resets them on the server but not in the browser, which keeps showing them."""
    n = st.session_state.get("_new_exam_round", 0)
    return "new_exam" if not n else f"new_exam{n}"


def _start_afresh() -> None:
    old = _new_prefix() + "_"
    for k in [k for k in st.session_state if isinstance(k, str) and k.startswith(old)]:
        del st.session_state[k]
    st.session_state["_new_exam_round"] = st.session_state.get("_new_exam_round", 0) + 1


def _moment(label: str, current: datetime | None, key: str) -> datetime | None:
    """An optional UTC date and time; the date and time boxes show only once the box is ticked."""
    on = st.checkbox(f"Set {plain(label)}", value=current is not None, key=f"{key}_on")
    if not on:
        return None
    c1, c2 = st.columns(2)
    d = c1.date_input(f"{label.capitalize()} (date, UTC)", value=(current or datetime.now(UTC)).date(),
                      key=f"{key}_date", format="DD/MM/YYYY")
    t = c2.time_input(f"{label.capitalize()} (time, UTC)", value=(current.time() if current else time(9, 0)),
                      key=f"{key}_time")
    if not isinstance(d, date):
        return None
    return datetime.combine(d, t, tzinfo=UTC)


def _exam_form(prefix: str, counts: dict[str, int], exam: exams.ExamInfo | None,
               points: dict[str, float] | None = None) -> dict | None:
    """The exam's fields; returns the values when the button is pressed. Not an st.form: ticking 'Set an
    opening date' must show its date boxes at once (widgets in a form only react on submit)."""
    bp = exam.blueprint if exam else {}
    topics_now = (bp.get("topics") or {}) if exam else {}
    mix_now = (bp.get("difficulty_mix") or {}) if exam else {}
    with st.container(border=True):
        name = st.text_input("Exam name", value=exam.name if exam else "", key=f"{prefix}_name",
                             placeholder="e.g. Foundation certificate, Spring 2027")
        st.markdown("**Questions per topic** (drawn at random from the live bank for each attempt)")
        cols = st.columns(3)
        topics: dict[str, int] = {}
        names = runtime.run(progress.topic_names) or {}
        for i, (topic, live) in enumerate(counts.items()):
            topics[topic] = int(cols[i % 3].number_input(
                f"{progress.topic_label(topic, names)} ({live} live)", min_value=0, max_value=500, step=1,
                value=int(topics_now.get(topic, 0)),
                key=f"{prefix}_topic_{topic}"))
        _running_total(topics, counts, points or {}, names)
        with st.expander("Difficulty mix (optional)"):
            st.caption("Shares of easy, medium and hard items within each topic, as far as the bank allows. "
                       "Leave all at 0 for no preference.")
            m1, m2, m3 = st.columns(3)
            mix = {
                "easy": m1.number_input("Easy %", 0, 100, int(round(mix_now.get("easy", 0) * 100)),
                                        key=f"{prefix}_mix_easy"),
                "medium": m2.number_input("Medium %", 0, 100, int(round(mix_now.get("medium", 0) * 100)),
                                          key=f"{prefix}_mix_medium"),
                "hard": m3.number_input("Hard %", 0, 100, int(round(mix_now.get("hard", 0) * 100)),
                                        key=f"{prefix}_mix_hard"),
            }
        c1, c2, c3, c4 = st.columns(4)
        minutes = c1.number_input("Time limit (minutes)", 1, exams.MAX_TIME_LIMIT,
                                  exam.time_limit_minutes if exam else 30, key=f"{prefix}_minutes")
        mark = c2.number_input("Pass mark (%)", 1, 100, int(round((exam.pass_mark if exam else 0.7) * 100)),
                               key=f"{prefix}_pass")
        tries = c3.number_input("Attempts allowed", 1, 50, exam.attempts_allowed if exam else 1,
                                key=f"{prefix}_attempts")
        wait = c4.number_input("Wait between attempts (hours)", 0.0, 24.0 * 365,
                               float(exam.wait_hours if exam else 24.0), step=1.0, key=f"{prefix}_wait")
        validity = st.number_input("Certificate valid for (months; blank = never expires)", min_value=1,
                                   max_value=exams.MAX_VALIDITY_MONTHS, value=exam.validity_months if exam else None,
                                   step=1, placeholder="never expires", key=f"{prefix}_validity",
                                   help="A pass earns a certificate that expires this many months after it is "
                                        "issued; 60 days before, the trainee is asked to sit the exam again. "
                                        "A change applies to certificates issued from then on.")
        method = st.radio("Pass mark method", list(METHOD_LABELS), format_func=METHOD_LABELS.get, horizontal=True,
                          index=1 if exam and exam.pass_mark_method == "angoff" else 0, key=f"{prefix}_method",
                          help="Angoff: each attempt's pass mark is the sum of the panel's mean ratings of the items "
                               "it drew (Standard setting page); items with fewer than 3 ratings count at the pass "
                               "mark above. A change applies to attempts started from then on.")
        st.markdown("**After an attempt, the trainee sees**")
        review_now = exam.review_options if exam else exams.DEFAULT_REVIEW
        review = {k: st.checkbox(label, value=bool(review_now.get(k)), key=f"{prefix}_{k}")
                  for k, label in REVIEW_LABELS.items()}
        st.markdown("**When it can be started** (times in UTC; leave unset for no limit)")
        opens = _moment("an opening date", exam.opens_at if exam else None, f"{prefix}_opens")
        closes = _moment("a closing date", exam.closes_at if exam else None, f"{prefix}_closes")
        label = "Save the changes" if exam else "Create the exam"
        if not st.button(label, type="primary", key=f"{prefix}_submit"):
            return None
    return dict(name=name, topics=topics, difficulty_mix={k: v / 100 for k, v in mix.items() if v} or None,
                time_limit_minutes=int(minutes), pass_mark=float(mark) / 100, attempts_allowed=int(tries),
                wait_hours=float(wait), review_options=review, opens_at=opens, closes_at=closes,
                validity_months=int(validity) if validity is not None else None, pass_mark_method=method)


def _table(items: list[exams.ExamInfo]) -> None:
    def window(e: exams.ExamInfo) -> str:
        if not e.opens_at and not e.closes_at:
            return "always"
        return f"{when(e.opens_at) if e.opens_at else 'now'} to {when(e.closes_at) if e.closes_at else 'no end'}"

    st.dataframe([{
        "Exam": e.name, "Questions": e.total_items, "Time": f"{e.time_limit_minutes} min",
        "Pass mark": f"{e.pass_mark:.0%}" + (" (Angoff)" if e.pass_mark_method == "angoff" else ""),
        "Attempts": e.attempts_allowed, "Wait": f"{e.wait_hours:g} h",
        "Open": window(e), "Status": "active" if e.is_active else "deactivated", "Sat": e.attempts,
        "Certificate": f"{e.validity_months} months" if e.validity_months else "never expires",
    } for e in items], hide_index=True, width="stretch")


def render() -> None:
    actor = require_trainer()
    st.title("Exams")
    _flash()
    options = runtime.run(cohorts.list_cohorts, actor) or []
    if not options:
        st.info("Create a cohort first (Cohorts and trainees); an exam is set for one cohort.")
        return
    cohort = pick_cohort(actor, options, key="exam_cohort_pick")
    assert cohort is not None
    with runtime.db() as session:
        counts = _live_counts(session)
        points = _live_points(session)
    items = runtime.run(exams.list_exams, actor, cohort.id) or []
    if items:
        _table(items)
    else:
        st.caption(f"{plain(cohort.name)} has no exam yet.")

    # a remembered choice rather than st.tabs, which jump back to the first tab after every action
    section = st.radio("Section", list(SECTIONS), format_func=SECTIONS.get, horizontal=True, key="exam_section",
                       label_visibility="collapsed") or "new"
    if section == "new":
        if not counts:
            st.warning("The question bank has no live items yet, so no exam can be drawn.")
            return
        values = _exam_form(_new_prefix(), counts, None, points)
        if values is not None:
            made = runtime.run(exams.define_exam, actor, cohort_id=cohort.id, **values)
            if made:
                _start_afresh()
                _done(f"Exam '{made.name}' created for {cohort.name}: {made.total_items} questions, "
                      f"{made.time_limit_minutes} minutes, pass mark {made.pass_mark:.0%}.")
        return
    if not items:
        st.caption("Define an exam first.")
        return
    labels = {e.id: e.name + ("" if e.is_active else " (deactivated)") for e in items}
    if section == "edit":
        eid = st.selectbox("Exam", list(labels), format_func=labels.get, key="edit_exam_pick")
        exam = next(e for e in items if e.id == eid)
        if exam.attempts:
            st.caption(f"{exam.attempts} attempt(s) made so far keep their questions and scores; changes apply to "
                       "new attempts.")
        values = _exam_form(f"edit_{eid}", {**{t: 0 for t in exam.blueprint.get('topics', {})}, **counts}, exam,
                            points)
        if values is not None and runtime.run(exams.update_exam, actor, eid, **values):
            _done(f"Exam '{values['name']}' saved.")
        exam_preview.render(actor, eid)
        if exam.is_active:
            if st.button("Deactivate this exam", key="deactivate_exam",
                         help="No new attempts can be started; results are kept.") and \
                    runtime.run(exams.set_active, actor, eid, False):
                _done(f"'{exam.name}' is deactivated: no new attempts can be started.")
        elif st.button("Reactivate this exam", key="activate_exam") and runtime.run(exams.set_active, actor, eid,
                                                                                       True):
            _done(f"'{exam.name}' is active again.")
    else:
        _overrides(actor, cohort, items, labels)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _granted_message(o: exams.OverrideInfo, attempts: int, minutes: int, exam_label: str) -> str:
    """Exactly what this grant added, then what the trainee has in all on this exam."""
    given = " and ".join(part for part in (
        _plural(attempts, "extra attempt") if attempts else "",
        _plural(minutes, "extra minute") + " per attempt" if minutes else "") if part)
    return (f"Granted {o.name} {given} on '{exam_label}'. In all they now have "
            f"{_plural(o.extra_attempts, 'extra attempt')} and {_plural(o.extra_minutes, 'extra minute')} "
            "per attempt.")


def _overrides(actor, cohort, items, labels) -> None:  # noqa: ANN001
    eid = st.selectbox("Exam", list(labels), format_func=labels.get, key="override_exam_pick")
    members = runtime.run(cohorts.list_members, actor, cohort.id) or []
    if not members:
        st.caption("Nobody is in this cohort yet.")
        return
    people = {m.user_id: f"{m.name} ({m.email})" for m in members}
    with st.form("override_form", clear_on_submit=True):
        uid = st.selectbox("Trainee", list(people), format_func=people.get, key="override_who")
        c1, c2 = st.columns(2)
        extra_attempts = c1.number_input("Extra attempts", 0, 20, 0, key="override_attempts")
        extra_minutes = c2.number_input("Extra minutes per attempt", 0, 600, 0, key="override_minutes")
        if st.form_submit_button("Grant"):
            o = runtime.run(exams.grant_override, actor, eid, uid, extra_attempts=int(extra_attempts),
                            extra_minutes=int(extra_minutes))
            if o:
                _done(_granted_message(o, int(extra_attempts), int(extra_minutes), labels[eid]))
    granted = runtime.run(exams.list_overrides, actor, eid) or []
    if granted:
        st.dataframe([{"Trainee": o.name, "Email": o.email, "Extra attempts": o.extra_attempts,
                       "Extra minutes": o.extra_minutes, "Granted": when(o.granted_at)} for o in granted],
                     hide_index=True, width="stretch")
        clear = {o.user_id: o.name for o in granted}
        who = st.selectbox("Withdraw the extras of", list(clear), format_func=clear.get, key="override_clear_who")
        if st.button("Withdraw", key="override_clear") and runtime.run(exams.clear_override, actor, eid, who):
            _done(f"Extras withdrawn for {clear[who]}.")
