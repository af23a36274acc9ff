"""Regrade an exam after an item was fixed (dry run first, then apply), and override one attempt by hand."""

from __future__ import annotations

import streamlit as st

from quiz.domain.regrading import MODES
from quiz.services import exams, regrade
from quiz.ui import runtime
from quiz.ui.pages.cohorts import require_trainer
from quiz.ui.text import plain

PAGE = "regrade"


def _plan_table(plan: regrade.RegradePlan) -> list[dict]:
    return [{
        "Attempt": c.attempt_id, "Trainee": c.trainee,
        "Score": f"{c.old_score:g}/{c.old_max:g} → {c.new_score:g}/{c.new_max:g}",
        "Percent": f"{c.old_percent:.1%} → {c.new_percent:.1%}",
        "Result": ("pass" if c.old_passed else "fail") + " → " + ("pass" if c.new_passed else "fail"),
        "Certificate": {"issue": "will be issued", "review": f"{c.certificate}: review (not revoked)"}.get(
            c.certificate_effect or "", c.certificate or ""),
    } for c in plan.changes]


def _show_plan(plan: regrade.RegradePlan, applied: bool) -> None:
    verb = "changed" if applied else "would change"
    st.write(f"{plan.attempts_checked} finished attempt(s) checked; {len(plan.changes)} {verb}; "
             f"{len(plan.fail_to_pass)} fail → pass, {len(plan.pass_to_fail)} pass → fail.")
    if plan.changes:
        st.dataframe(_plan_table(plan), hide_index=True, width="stretch")
    for note in plan.skipped:
        st.caption(f"Skipped: {plain(note)}")
    if plan.certificates_to_review:
        st.warning(f"{len(plan.certificates_to_review)} certificate(s) belong to attempts that would no longer pass. "
                   "A regrade never revokes a certificate: review each on the Certificates page.")


def _regrade_section(actor) -> None:  # noqa: ANN001
    st.subheader("Regrade an exam")
    st.caption("After you fix an item (a wrong key, an ambiguous option), regrade the finished attempts that showed "
               "it. Preview first: nothing changes until you apply. Every regrade is kept in the audit trail.")
    exam_list = [e for e in (runtime.run(exams.list_exams, actor) or []) if e.attempts]
    if not exam_list:
        st.info("No exam has finished attempts yet.")
        return
    names = {e.id: e.name for e in exam_list}
    exam_id = st.selectbox("Exam", list(names), format_func=names.get, key="rg_exam")
    item = st.text_input("Item id (blank: every item, against its current version)", key="rg_item",
                         placeholder="e.g. hygiene-004").strip() or None
    mode = st.radio("How", list(MODES), format_func=MODES.get, key="rg_mode", horizontal=True)
    params = {"exam_id": exam_id, "question_id": item, "mode": mode}
    if st.button("Preview the regrade", key="rg_preview", icon=":material/preview:"):
        plan = runtime.run(regrade.preview, actor, **params)
        st.session_state["rg_plan"] = (params, plan) if plan is not None else None
    previewed = st.session_state.get("rg_plan")
    if previewed and previewed[0] == params:
        _show_plan(previewed[1], applied=False)
        if previewed[1].changes and st.button("Apply this regrade", type="primary", key="rg_apply"):
            plan = runtime.run(regrade.apply, actor, **params)
            if plan is not None:
                st.session_state.pop("rg_plan", None)
                runtime.flash_and_rerun(PAGE, f"Regraded: {len(plan.changes)} attempt(s) changed.")


def _override_section(actor) -> None:  # noqa: ANN001
    st.subheader("Override one attempt")
    st.caption("Set one answer's mark, or the attempt's result, by hand. A reason is required and kept in the audit "
               "trail; later regrades leave a manual mark alone.")
    with st.form("ov_form"):
        attempt_id = st.number_input("Attempt number", min_value=1, step=1, key="ov_attempt")
        what = st.radio("Override", ["One answer's mark", "The result"], horizontal=True, key="ov_what")
        position = st.number_input("Question number (for one answer)", min_value=1, step=1, key="ov_pos")
        score = st.number_input("New mark (for one answer)", min_value=0.0, step=0.5, key="ov_score")
        passed = st.radio("New result", ["pass", "fail"], horizontal=True, key="ov_passed")
        reason = st.text_area("Reason (required)", max_chars=1000, key="ov_reason")
        if st.form_submit_button("Save the override"):
            if what == "The result":
                change = runtime.run(regrade.override_result, actor, int(attempt_id), passed == "pass", reason)
            else:
                change = runtime.run(regrade.override_response, actor, int(attempt_id), int(position) - 1,
                                     float(score), reason)
            if change is not None:
                runtime.flash_and_rerun(PAGE, f"Attempt {change.attempt_id}: {change.old_percent:.1%} → "
                                              f"{change.new_percent:.1%}, {'pass' if change.new_passed else 'fail'}.")


def render() -> None:
    actor = require_trainer()
    st.title("Regrade and overrides")
    runtime.show_flash(PAGE)
    _regrade_section(actor)
    st.divider()
    _override_section(actor)
