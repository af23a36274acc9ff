"""Item analysis: Moodle's quiz statistics for one exam, computed live: per item facility, standard deviation,
discrimination, discriminative efficiency, intended and effective weight, the share choosing each option, and
flags with their reason; for the exam, Cronbach's alpha and the standard error of measurement. "Pooled over
all exams": every item over every exam's first attempts, with n and 95% intervals, flags only where the interval
supports them, the most suspicious first, grouped by topic or objective (quiz/services/pooled_statistics.py)."""

from __future__ import annotations

import streamlit as st

from quiz.domain.statistics import ItemStatistics
from quiz.services import item_analysis, pooled_statistics, progress
from quiz.ui import runtime
from quiz.ui.pages.cohorts import require_trainer
from quiz.ui.text import plain

FEW_ANSWERS = 10  # below this many trainees an item's figures are only a rough hint


def num(x: float | None, fmt: str = ".2f") -> str:
    return "—" if x is None else format(x, fmt)


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def judged(s: ItemStatistics) -> bool:
    """Whether enough trainees answered the item for its flags to mean something."""
    return s.attempts >= FEW_ANSWERS


def flags_text(s: ItemStatistics) -> str:
    if not judged(s):
        return f"too few answers to judge ({s.attempts})"
    return "; ".join(f.reason for f in s.flags)


def _default_exam(choices: list[item_analysis.ExamChoice]) -> int:
    """The exam most trainees sat, preferring the cohort the trainer last chose on another page (when one of
    its exams has been sat: opening on an exam without data would show nothing)."""
    mine = [i for i, c in enumerate(choices) if c.cohort_id == st.session_state.get("_cohort_id") and c.attempts]
    return max(mine or range(len(choices)), key=lambda i: choices[i].attempts)


def ci(interval: tuple[float, float] | None, fmt: str) -> str:
    return "" if interval is None else f"{format(interval[0], fmt)} to {format(interval[1], fmt)}"


VIEWS = {"exam": "One exam", "pooled": "Pooled over all exams"}
GROUPS = {"item": "Each item", "topic": "By topic", "objective": "By learning objective"}


def _group_rows(rows: list[pooled_statistics.PooledItem], by: str, names: dict[str, str]) -> list[dict]:
    """Items per topic (or objective): how many, how many flagged, answers, and the mean facility weighted by n."""
    groups: dict[str, list[pooled_statistics.PooledItem]] = {}
    for r in rows:
        key = r.topic if by == "topic" else (r.objective or "(no objective)")
        groups.setdefault(key, []).append(r)
    out = []
    for key, items in groups.items():
        n = sum(i.n for i in items)
        fac = sum((i.facility or 0) * i.n for i in items) / n if n else None
        out.append({"Topic" if by == "topic" else "Objective": progress.topic_label(key, names) if by == "topic"
                    else key, "Items": len(items), "Flagged": sum(1 for i in items if i.flags),
                    "Answers (exams)": n, "Mean facility": num(fac, ".0%"),
                    "Most suspicious": next((i.question_id for i in items if i.flags), "")})
    return sorted(out, key=lambda r: (-r["Flagged"], -r["Items"]))


def _pooled(actor, names: dict[str, str]) -> None:  # noqa: ANN001
    st.caption("Each item over the **first finished attempt of every trainee at every exam** you can see, pooled: "
               "n is how many such attempts showed it. Facility and discrimination come with their 95% interval; a "
               "flag is raised only when the whole interval is past the threshold. Practice and spaced review are a "
               "separate figure (facility only). Most suspicious first.")
    rows = runtime.run(pooled_statistics.pooled_items, actor)
    if rows is None:
        return
    if not rows:
        st.info("No item has been answered in an exam or in practice yet.")
        return
    c1, c2 = st.columns([2, 1])
    by = c1.radio("Show", list(GROUPS), format_func=GROUPS.get, horizontal=True, key="ia_group")
    flagged_only = c2.toggle("Only flagged items", key="ia_pooled_flagged")
    shown = [r for r in rows if r.flags or not flagged_only]
    st.caption(f"{sum(1 for r in rows if r.flags)} of {len(rows)} item(s) flagged.")
    if by != "item":
        st.dataframe(_group_rows(shown, by, names), hide_index=True, width="stretch")
        return
    st.dataframe([{
        "Item": r.question_id, "Topic": progress.topic_label(r.topic, names), "Objective": r.objective or "",
        "n": r.n, "Facility": num(r.facility, ".0%"), "Facility 95% CI": ci(r.facility_ci, ".0%"),
        "Discrimination": num(r.discrimination), "Discrimination 95% CI": ci(r.discrimination_ci, ".2f"),
        "Flags": "; ".join(r.reasons), "Practice n (separate)": r.practice_n,
        "Practice facility (separate)": num(r.practice_facility, ".0%"),
    } for r in shown], hide_index=True, width="stretch")
    flagged = [r for r in rows if r.flags]
    if not flagged:
        return
    st.subheader("A flagged item")
    qid = st.selectbox("Item", [r.question_id for r in flagged], key="ia_pooled_item")
    r = next(i for i in flagged if i.question_id == qid)
    for reason in r.reasons:
        st.warning(plain(reason))
    if st.button("Open it in the Question bank", key="ia_to_bank", icon=":material/edit:"):
        st.session_state["_bank_open"] = qid  # the bank page finds and selects it
        from quiz.ui.app import switch_to

        switch_to("bank")


def render() -> None:
    actor = require_trainer()
    st.title("Item analysis")
    view = st.radio("View", list(VIEWS), format_func=VIEWS.get, horizontal=True, key="ia_view",
                    label_visibility="collapsed")
    if view == "pooled":
        _pooled(actor, runtime.run(progress.topic_names) or {})
        return
    st.caption("Statistics over the **first finished attempt of each trainee** at the exam (as Moodle does by "
               "default; retakes are left out), computed live from the database.")
    choices = runtime.run(item_analysis.analysable_exams, actor) or []
    if not choices:
        st.info("No exam to analyse yet. Define one on the Exams page; statistics appear once trainees sit it.")
        return
    labels = {c.exam_id: f"{c.name} ({c.attempts} trainee(s))" for c in choices}
    default = _default_exam(choices)
    eid = st.selectbox("Exam", list(labels), index=default, format_func=labels.get, key="ia_exam")
    stats = runtime.run(item_analysis.exam_item_statistics, actor, eid)
    if stats is None:
        return
    t = stats.test
    if not t.attempts:
        st.info("Nobody has finished this exam yet.")
        return
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Trainees analysed", t.attempts)
    m2.metric("Mean score", f"{t.mean_total:.1f} of {t.max_total:g}" if t.mean_total is not None else "—")
    m3.metric("Cronbach's alpha", num(t.alpha), help="Internal consistency; 0.7 or more is usually wanted.")
    m4.metric("Standard error of measurement", num(t.sem), help="In marks: the typical error of one score.")
    if t.attempts < 20:
        st.warning(f"Only {t.attempts} trainee(s) so far: treat these figures as rough.")

    flagged_only = st.toggle("Only flagged items", value=False, key="ia_flagged",
                             help=f"Items answered by fewer than {FEW_ANSWERS} trainees are left out: too few "
                                  "answers to judge them.")
    names = runtime.run(progress.topic_names) or {}
    rows = []
    for s in t.items:
        if flagged_only and not (judged(s) and s.flags):
            continue
        info = stats.questions.get(s.item_id)
        rows.append({
            "Item": s.item_id, "Topic": progress.topic_label(info.topic, names) if info else "",
            "Objective": (info.objective or "") if info else "", "Shown": s.attempts,
            "Enough data": "yes" if s.attempts >= FEW_ANSWERS else "few: rough",
            "Facility": num(s.facility, ".0%"), "SD": num(s.sd), "Discrimination": num(s.discrimination),
            "Efficiency": num(s.discriminative_efficiency, ".0%"),
            "Intended weight": num(s.intended_weight, ".1%"), "Effective weight": num(s.effective_weight, ".1%"),
            "Flags": flags_text(s),
        })
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")
    else:
        st.caption(f"No item is flagged among those answered by at least {FEW_ANSWERS} trainees.")
    st.caption("Facility: share of the marks earned. Discrimination: correlation of the item with the rest of the "
               "exam (-1..1). Efficiency: discrimination as a share of the most this item could reach. Flags: "
               "facility below 20% or above 90%, discrimination below 0.2 or negative, a distractor chosen by "
               f"under 5%. An item shown to fewer than {FEW_ANSWERS} trainees (exams drawn at random from a large "
               "bank) has rough figures and is not flagged: judge it once more trainees have answered it.")

    st.subheader("One item: who chose what")
    ids = [s.item_id for s in t.items]
    def item_label(i: str) -> str:
        q = stats.questions.get(i)
        return f"{i} · {_short(q.stem)}" if q else i

    qid = st.selectbox("Item", ids, format_func=item_label, key="ia_item")
    s = next(i for i in t.items if i.item_id == qid)
    info = stats.questions.get(qid)
    if info:
        st.markdown(f"**{plain(qid)}** · {plain(progress.topic_label(info.topic, names))} · {plain(info.type)} · "
                    f"{plain(info.status)} · version(s) {plain(info.versions)}")
        st.markdown(plain(info.stem))
    if not judged(s):
        st.info(f"Answered by {s.attempts} trainee(s) only: too few answers to judge this item.")
    else:
        for f in s.flags:
            st.warning(plain(f.reason))
    if s.options:
        st.dataframe([{"Option": o.label, "Text": o.text, "Right": "yes" if o.correct else "", "Chosen by": o.count,
                       "Share": f"{o.share:.0%}"} for o in s.options]
                     + ([{"Option": "—", "Text": "(no answer)", "Right": "", "Chosen by": "",
                          "Share": f"{s.no_answer_share:.0%}"}] if s.no_answer_share else []),
                     hide_index=True, width="stretch")
    else:
        st.caption("This item type has no options to analyse.")
