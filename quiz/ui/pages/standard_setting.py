"""Standard setting (modified Angoff) for a trainer who runs an exam: open a study, invite raters, round 2, close;
the results (cut score and its standard error, reliability, the items, the raters who differ most), a CSV, and
the check against reality (pass rates under both marks, the Hofstee window)."""

from __future__ import annotations

import streamlit as st

from quiz.domain.standard_setting import MIN_RATINGS
from quiz.services import exams
from quiz.services import standard_setting as sts
from quiz.services import standard_setting_results as ssr
from quiz.ui import runtime
from quiz.ui.pages.cohorts import require_trainer
from quiz.ui.text import plain

PAGE = "standard-setting"


def pct(v: float | None, spec: str = ".1%") -> str:
    return "–" if v is None else format(v, spec)


def _study_controls(actor, study: sts.StudyInfo) -> None:  # noqa: ANN001
    raters = runtime.run(sts.raters, actor, study.id) or []
    if raters:
        st.dataframe([{"Rater": r.name, "Email": r.email, f"Rated (round {study.round})": f"{r.rated} of {study.items}",
                       "Finished round": r.done_round or "–", "Hofstee given": "yes" if r.hofstee else "no"}
                      for r in raters], hide_index=True, width="stretch")
    if study.state != "open":
        return
    with st.form(f"invite_{study.id}", clear_on_submit=True):
        email = st.text_input("Invite a rater (a trainer's email)", key=f"invite_email_{study.id}")
        if st.form_submit_button("Invite"):
            got = runtime.run(sts.invite, actor, study.id, email)
            if got is not None:
                runtime.flash_and_rerun(PAGE, f"{got.name} is invited to rate.")
    left, right = st.columns(2)
    if study.round == 1 and left.button("Start round 2", key=f"round2_{study.id}", icon=":material/forward:") \
            and runtime.run(sts.start_round_two, actor, study.id) is not None:
        runtime.flash_and_rerun(PAGE, "Round 2 is open: raters now see the panel's spread and may revise.")
    if right.button("Close the study and adopt its cut scores", key=f"close_{study.id}", type="primary") \
            and runtime.run(sts.close_study, actor, study.id) is not None:
        runtime.flash_and_rerun(PAGE, "Study closed: Angoff exams use its ratings for attempts started from now.")


def _results(actor, study: sts.StudyInfo) -> None:  # noqa: ANN001
    res = runtime.run(ssr.results, actor, study.id)
    if res is None:
        return
    c1, c2, c3 = st.columns(3)
    c1.metric("Cut score (blueprint)", pct(res.cut.cut if res.cut else None),
              help="The expected pass mark of an attempt: the mean ratings of the items, weighted by the blueprint.")
    c2.metric("Standard error", pct(res.cut.se if res.cut else None, ".2%"),
              help="SD of the raters' own cut scores / √raters.")
    c3.metric("Reliability ICC(2,k)", "–" if res.reliability.icc_average is None
              else f"{res.reliability.icc_average:.2f}",
              help=f"Two-way random, absolute agreement, over {res.reliability.items} items × "
                   f"{res.reliability.raters} raters. ICC(2,1), one rater: "
                   + ("–" if res.reliability.icc_single is None else f"{res.reliability.icc_single:.2f}"))
    if res.round1_cut is not None:
        st.caption(f"Round 1 cut score: {pct(res.round1_cut.cut)}.")
    fallback = [i for i in res.items if i.fallback]
    if fallback:
        st.warning(f"{len(fallback)} item(s) have fewer than {MIN_RATINGS:d} ratings: they count at the exam's "
                   f"default pass mark ({res.default_pass_mark:.0%}) in every cut score.")
    st.dataframe([{"Item": i.question_id, "Topic": i.topic, "Objective": i.objective or "", "n": i.summary.n,
                   "Mean": pct(i.summary.mean, ".0%"), "SD": pct(i.summary.sd, ".0%"),
                   "Round 1 mean": pct(i.round1_mean, ".0%"),
                   "Counts as": pct(i.value, ".0%") + (" (default)" if i.fallback else "")}
                  for i in res.items], hide_index=True, width="stretch")
    if res.disagreement:
        st.caption("Raters who differ most from the rest of the panel (mean distance from the others' mean), for "
                   "discussion:")
        st.dataframe([{"Rater": name, "Items": d.items, "Mean distance": pct(d.mean_abs_diff, ".0%"),
                       "Direction": "more lenient" if d.mean_signed_diff > 0 else "stricter"}
                      for d, name in res.disagreement], hide_index=True, width="stretch")
    if st.button("Prepare the CSV", key=f"csv_{study.id}", icon=":material/download:"):
        data = runtime.run(ssr.export_csv, actor, study.id)
        if data is not None:
            st.download_button("Download the CSV", data, file_name=f"standard-setting-{study.id}.csv",
                               mime="text/csv", key=f"csv_dl_{study.id}")


def _reality(actor, study: sts.StudyInfo) -> None:  # noqa: ANN001
    st.subheader("Check against reality")
    check = runtime.run(ssr.reality_check, actor, study.id)
    if check is None:
        return
    if not check.attempts:
        st.info("Nobody has sat this exam yet: come back once it has been sat.")
    else:
        c1, c2, c3 = st.columns(3)
        c1.metric(f"Pass rate at the fixed {check.fixed_mark:.0%}", pct(check.fixed_pass_rate, ".0%"))
        c2.metric("Pass rate under Angoff", pct(check.angoff_pass_rate, ".0%"),
                  help=f"Each attempt against the cut score of its own items (mean {pct(check.angoff_mean_cut)}).")
        c3.metric("Hofstee cut", pct(check.hofstee.cut if check.hofstee else None))
        st.caption(f"Over the first finished attempt of each of {check.attempts:d} trainee(s).")
    if check.hofstee_window:
        lo, hi, fmin, fmax = check.hofstee_window
        st.caption(f"Hofstee window (mean of {check.hofstee_raters:d} rater(s)): cut score {lo:.0%} to {hi:.0%}, "
                   f"fail rate {fmin:.0%} to {fmax:.0%}"
                   + (f"; the compromise cut is {check.hofstee.cut:.1%} (fail rate {check.hofstee.fail_rate:.0%})."
                      if check.hofstee else "."))
    else:
        st.caption("No rater has given Hofstee judgements yet (on the rating page).")


def render() -> None:
    actor = require_trainer()
    st.title("Standard setting")
    runtime.show_flash(PAGE)
    st.caption("A panel of trainers rates each item of an exam's pool: the chance that a borderline competent "
               "candidate answers it correctly. An exam whose pass mark is set to *Angoff* (on Exams) gives each "
               "attempt the sum of the mean ratings of the items it drew; items with fewer than "
               f"{MIN_RATINGS:d} ratings count at the exam's own pass mark.")
    exam_list = runtime.run(exams.list_exams, actor) or []
    if not exam_list:
        st.info("Define an exam first (Exams).")
        return
    names = {e.id: e for e in exam_list}
    if st.session_state.get("ss_exam") not in names:  # start on the exam with the latest study, if any
        latest = next((x.exam_id for x in runtime.run(sts.list_studies, actor) or [] if x.exam_id in names), None)
        st.session_state["ss_exam"] = latest or exam_list[0].id
    exam_id = st.selectbox("Exam", list(names), format_func=lambda i: plain(names[i].name), key="ss_exam")
    exam = names[exam_id]
    st.caption(f"Pass mark: {'Angoff (per attempt)' if exam.pass_mark_method == 'angoff' else 'fixed'}, "
               f"default {exam.pass_mark:.0%}.")
    studies = runtime.run(sts.list_studies, actor, exam_id) or []
    with st.expander("Open a new study", expanded=not studies):
        with st.form("ss_open"):
            name = st.text_input("Name (optional)", max_chars=200, key="ss_name")
            if st.form_submit_button("Open round 1"):
                made = runtime.run(sts.open_study, actor, exam_id, name)
                if made is not None:
                    st.session_state["ss_study"] = made.id
                    runtime.flash_and_rerun(PAGE, f"Study opened with {made.items} items. Invite raters below.")
    if not studies:
        return
    labels = {s.id: s for s in studies}
    if st.session_state.get("ss_study") not in labels:
        st.session_state["ss_study"] = studies[0].id
    study_id = st.selectbox("Study", list(labels), key="ss_study", format_func=lambda i: plain(
        f"{labels[i].name} · round {labels[i].round} · {labels[i].state}"
        + (" · adopted" if labels[i].adopted else "")))
    study = labels[study_id]
    _study_controls(actor, study)
    st.subheader("Results")
    _results(actor, study)
    _reality(actor, study)
