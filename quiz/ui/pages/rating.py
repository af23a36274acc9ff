"""Angoff rating for an invited rater: each item as a trainee sees it, with its key and explanation, rated 0-100 %
in steps of 5. Each rating is saved the moment it is chosen; leave and come back at any time."""

from __future__ import annotations

import streamlit as st

from quiz.domain.scoring import correct_answer
from quiz.services import standard_setting as sts
from quiz.services.attempts import display_describe
from quiz.ui import runtime
from quiz.ui.pages.cohorts import require_trainer
from quiz.ui.text import plain

PAGE = "rating"
STEPS = list(range(0, 101, 5))
POS_KEY = "_rate_pos_{}_{}"



def _key_text(q) -> str:  # noqa: ANN001
    if q.type == "numeric":
        tol = f" (± {q.tolerance:g})" if q.tolerance else ""
        return f"{q.key:g}{tol} {q.unit or ''}".strip()
    return display_describe(q, correct_answer(q), list(range(len(q.options))))


def _show_item(item: sts.SheetItem, number: int, total: int) -> None:
    q = item.question
    st.caption(f"Item {number} of {total} · {plain(q.id)} · topic {plain(q.topic)}"
               + (f" · objective {plain(q.objective)}" if q.objective else "")
               + (f" · {q.points:g} points" if q.points != 1 else ""))
    if q.case:
        st.info(f"**{plain(q.case.title)}**\n\n{plain(q.case.scenario)}", icon=":material/person:")
    st.markdown(plain(q.stem))
    if q.type != "numeric":
        for i, option in enumerate(q.options):
            st.markdown(f"{chr(65 + i)}. {plain(option.text)}")
    st.success(f"**Key:** {plain(_key_text(q))}", icon=":material/key:")
    if q.explanation:
        st.caption(f"Explanation: {plain(q.explanation)}")


def _round_two_notes(item: sts.SheetItem) -> None:
    p = item.panel
    if p is not None and p.n:
        sd = "" if p.sd is None else f", SD {p.sd:.0%}"
        own = "none" if item.round1 is None else f"{item.round1:d}%"
        st.info(f"Round 1: the panel's {p.n:d} rating(s): mean {p.mean:.0%}, from {p.low:.0%} to {p.high:.0%}"
                + plain(sd) + ". Your round-1 rating: " + plain(own) + ".", icon=":material/groups:")
    if item.facility_near_cut is not None:
        fac, n = item.facility_near_cut
        st.info(f"Trainees who scored near the round-1 cut score answered it correctly {fac:.0%} of the time "
                f"({n:d} attempt(s)).", icon=":material/query_stats:")
    else:
        st.caption("No trainee near the round-1 cut score has sat this item yet.")


def _save(actor, study_id: int, qid: str, key: str) -> None:  # noqa: ANN001
    value = st.session_state.get(key)
    if value is not None and runtime.run(sts.save_rating, actor, study_id, qid, int(value)) is not None:
        st.session_state["_rate_saved"] = f"Saved: {qid} {value}%."


def _hofstee(actor, sheet: sts.RatingSheet) -> None:  # noqa: ANN001
    with st.expander("Hofstee judgements (for the check against reality)"):
        st.caption("The lowest and highest cut score you would accept, and the lowest and highest share of "
                   "candidates you would accept to fail, in percent.")
        now = [round(v * 100) for v in sheet.hofstee] if sheet.hofstee else [50, 85, 5, 40]
        with st.form(f"hofstee_{sheet.study.id}"):
            c = st.columns(4)
            vals = [c[i].number_input(label, 0, 100, now[i], step=5, key=f"hof_{sheet.study.id}_{i}")
                    for i, label in enumerate(("Lowest cut %", "Highest cut %", "Lowest fail rate %",
                                               "Highest fail rate %"))]
            if st.form_submit_button("Save my Hofstee judgements") and runtime.run(
                    sts.set_hofstee, actor, sheet.study.id, min_cut=vals[0], max_cut=vals[1], min_fail=vals[2],
                    max_fail=vals[3]) is not None:
                runtime.flash_and_rerun(PAGE, "Your Hofstee judgements are saved.")


def render() -> None:
    actor = require_trainer()
    st.title("Rate items (Angoff)")
    runtime.show_flash(PAGE)
    studies = runtime.run(sts.my_studies, actor) or []
    if not studies:
        st.info("You have no open standard-setting study to rate. A trainer who runs one can invite you.")
        return
    names = {s.id: f"{s.name} ({s.exam}, round {s.round})" for s in studies}
    study_id = st.selectbox("Study", list(names), format_func=lambda i: plain(names[i]), key="rate_study")
    sheet = runtime.run(sts.rating_sheet, actor, study_id)
    if sheet is None or not sheet.items:
        st.info("This study has no live items to rate.")
        return
    st.markdown("Think of a **borderline** candidate: a practitioner who is just competent enough to pass. "
                "Out of 100 such candidates, how many would answer this item correctly?")
    total = len(sheet.items)
    st.progress(sheet.rated / total, text=f"Round {sheet.round}: {sheet.rated} of {total} items rated"
                + (" · you marked this round finished" if sheet.done else ""))
    if sheet.round == 2 and sheet.round1_cut is not None:
        st.caption(f"Round 2: revise any rating you wish; a rating you leave stands. The panel's round-1 cut "
                   f"score for the exam is {sheet.round1_cut:.1%}.")
    pos_key = POS_KEY.format(study_id, sheet.round)
    if pos_key not in st.session_state:  # resume at the first item not yet rated
        st.session_state[pos_key] = next((i for i, it in enumerate(sheet.items) if it.rating is None), 0)
    pos = min(st.session_state[pos_key], total - 1)
    item = sheet.items[pos]
    _show_item(item, pos + 1, total)
    if sheet.round == 2:
        _round_two_notes(item)
    key = f"rate_{study_id}_{sheet.round}_{item.question_id}"
    st.radio("Borderline candidates out of 100 who answer correctly", STEPS,
             index=STEPS.index(item.rating) if item.rating is not None else None, key=key, horizontal=True,
             format_func=lambda v: f"{v:d}%", on_change=_save, args=(actor, study_id, item.question_id, key))
    saved = st.session_state.pop("_rate_saved", None)
    if saved:
        st.caption(plain(saved))
    prev, nxt, done = st.columns(3)
    if prev.button("Previous item", disabled=pos == 0, key="rate_prev", icon=":material/arrow_back:"):
        st.session_state[pos_key] = pos - 1
        st.rerun()
    if nxt.button("Next item", disabled=pos >= total - 1, key="rate_next", icon=":material/arrow_forward:"):
        st.session_state[pos_key] = pos + 1
        st.rerun()
    if done.button(f"I have finished round {sheet.round:d}", key="rate_done", disabled=sheet.rated < total) \
            and runtime.run(sts.finish_round, actor, study_id) is not None:
        runtime.flash_and_rerun(PAGE, f"Thank you: round {sheet.round:d} marked finished. You may still change "
                                      "a rating while the round is open.")
    if sheet.rated < total:
        st.caption(f"{total - sheet.rated:d} item(s) still to rate. Your ratings are saved; you can stop and come "
                   "back later.")
    _hofstee(actor, sheet)
