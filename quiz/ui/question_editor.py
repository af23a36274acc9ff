"""The bank editor: a form for every question type, beside it the item as a trainee sees it (the practice
widgets of quiz/ui/question_widgets.py, with its case set's scenario) and the item-writing linter's warnings;
YAML as an advanced tab whose errors say line and column. The case-set section is quiz/ui/case_set_editor.py;
saving goes through :mod:`quiz.services.case_sets` (the item and, when its set changes, the set's other items).

The form's fields live in ``st.session_state[<prefix>_fields]`` (the truth; :mod:`quiz.domain.question_form`
turns them into the authoring form). Widgets are seeded from it whenever Streamlit has dropped their state
(a widget not drawn in a run loses it, e.g. the options while the type is numeric), and copied back after
drawing, so switching type or tab loses nothing typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st
import yaml

from quiz.domain.bank import DIFFICULTIES, LETTERS, QUESTION_TYPES, TYPE_LABELS, CaseInfo, Question
from quiz.domain.question_form import (
    MAX_OPTIONS,
    authoring_from_fields,
    blank_option,
    default_weights,
    fields_from_authoring,
    placement_from_fields,
    weight_total,
)
from quiz.services import bank_admin, case_sets, catalogue, preview
from quiz.services.errors import InvalidInput, ServiceError
from quiz.services.permissions import Actor
from quiz.ui import case_set_editor, runtime
from quiz.ui import question_widgets as qw
from quiz.ui.text import plain

SCORING = {"all_or_nothing": "All or nothing", "partial": "Partial credit",
           "weighted": "Weighted (a percent per option)"}
MODES = {"form": "Form", "yaml": "YAML (advanced)"}


def start(prefix: str, authoring: dict[str, Any], case: CaseInfo | None = None) -> None:
    """Open the editor ``prefix`` on an item (its authoring form, in the case set ``case``), forgetting anything
    typed there before."""
    for k in [k for k in st.session_state if str(k).startswith(f"{prefix}_")]:
        del st.session_state[k]
    st.session_state[f"{prefix}_fields"] = fields_from_authoring(authoring, case)


def is_open(prefix: str) -> bool:
    return f"{prefix}_fields" in st.session_state


# -- widgets bound to the fields ------------------------------------------------------------------------------

def _bind(prefix: str, name: str, value: Any) -> str:
    key = f"{prefix}_{name}"
    if key not in st.session_state:
        st.session_state[key] = value
    return key


def _choices(current: str, known: list[str]) -> list[str]:
    return known if not current or current in known else [current, *known]


def _catalogue() -> tuple[dict[str, str], dict[str, catalogue.SourceInfo], dict[str, catalogue.ObjectiveInfo]]:
    with runtime.db() as session:
        return catalogue.topic_names(session), catalogue.sources(session), catalogue.objectives(session)


def _form(prefix: str, actor: Actor, f: dict[str, Any], fixed_id: str | None, status: str) -> dict[str, Any]:
    topics, sources, objectives = _catalogue()
    out = dict(f)
    c1, c2, c3 = st.columns([2, 2, 1])
    out["type"] = c1.selectbox("Type", QUESTION_TYPES, format_func=TYPE_LABELS.get,
                               key=_bind(prefix, "type", f["type"]))
    out["topic"] = c2.selectbox("Topic", _choices(f["topic"], list(topics)), format_func=lambda t: topics.get(t, t),
                                key=_bind(prefix, "topic", f["topic"] or None), index=None,
                                placeholder="Choose a topic")
    out["difficulty"] = c3.selectbox("Difficulty", DIFFICULTIES, key=_bind(prefix, "difficulty", f["difficulty"]))
    mine = [o for o, info in objectives.items() if info.topic == out["topic"]]
    out["objective"] = st.selectbox(
        "Learning objective", _choices(f["objective"], ["", *mine]),
        format_func=lambda o: f"{o}: {objectives[o].statement}" if o in objectives else (o or "(none)"),
        key=_bind(prefix, "objective", f["objective"]))
    if fixed_id is None:
        out["id"] = st.text_input("Id (leave empty for the next free id of the topic)", key=_bind(prefix, "id", ""))
    out.update(case_set_editor.section(prefix, actor, f, fixed_id, status, _bind))
    out["stem"] = st.text_area("Stem (the question)", key=_bind(prefix, "stem", f["stem"]), height=110)
    qtype = out["type"]
    if qtype in ("single", "multiple", "ordering"):
        if qtype != "single":
            rules = list(SCORING) if qtype == "multiple" else ["all_or_nothing", "partial"]
            if st.session_state.get(f"{prefix}_scoring") not in (None, *rules):
                del st.session_state[f"{prefix}_scoring"]  # weighted, then the type became ordering
            out["scoring"] = st.radio("Scoring", rules, format_func=SCORING.get, horizontal=True,
                                      key=_bind(prefix, "scoring", f["scoring"] if f["scoring"] in rules
                                                else "all_or_nothing"))
        out["options"] = _options(prefix, f, qtype, out.get("scoring") or "all_or_nothing")
    elif qtype == "true_false":
        out["tf_key"] = st.radio("The right answer", [True, False], format_func=lambda v: "True" if v else "False",
                                 horizontal=True, key=_bind(prefix, "tf_key", f["tf_key"]))
        out["tf_true"] = st.text_input("Feedback for True", key=_bind(prefix, "tf_true", f["tf_true"]))
        out["tf_false"] = st.text_input("Feedback for False", key=_bind(prefix, "tf_false", f["tf_false"]))
    else:
        n1, n2, n3 = st.columns(3)
        out["num_key"] = n1.number_input("The right answer", key=_bind(prefix, "num_key", f["num_key"]), format="%g")
        out["tolerance"] = n2.number_input("Tolerance (±)", min_value=0.0, format="%g",
                                           key=_bind(prefix, "tolerance", f["tolerance"]))
        out["unit"] = n3.text_input("Unit", key=_bind(prefix, "unit", f["unit"]))
        out["num_correct"] = st.text_input("Feedback when right", key=_bind(prefix, "num_correct", f["num_correct"]))
        out["num_incorrect"] = st.text_input("Feedback when wrong",
                                             key=_bind(prefix, "num_incorrect", f["num_incorrect"]))
    out["explanation"] = st.text_area("Explanation (shown after answering)", height=90,
                                      key=_bind(prefix, "explanation", f["explanation"]))
    s1, s2 = st.columns(2)
    out["source_id"] = s1.selectbox("Source", _choices(f["source_id"], list(sources)), index=None,
                                    format_func=lambda s: sources[s].title if s in sources else s,
                                    placeholder="Choose the source",
                                    key=_bind(prefix, "source_id", f["source_id"] or None))
    sections = list(sources[out["source_id"]].sections) if out["source_id"] in sources else []
    if sections:
        out["section"] = s2.selectbox("Source section", _choices(f["section"], sections), index=None,
                                      key=_bind(prefix, "section_pick", f["section"] or None),
                                      placeholder="Choose the section")
    else:
        out["section"] = s2.text_input("Source section", key=_bind(prefix, "section_text", f["section"]))
    t1, t2 = st.columns([3, 1])
    out["tags"] = t1.text_input("Tags (comma-separated)", key=_bind(prefix, "tags", f["tags"]))
    out["points"] = t2.number_input("Points", min_value=0.25, step=0.25, format="%g",
                                    key=_bind(prefix, "points", f["points"]))
    out["review_note"] = st.text_input("Review note (for trainers; required for a draft citing material outside "
                                       "the articles)", key=_bind(prefix, "review_note", f["review_note"]))
    for k in ("topic", "source_id", "section", "objective"):
        out[k] = out[k] or ""
    return out


def _options(prefix: str, f: dict[str, Any], qtype: str, scoring: str) -> list[dict[str, Any]]:
    opts = list(f["options"])
    n = st.number_input("Number of options", min_value=2, max_value=MAX_OPTIONS, step=1,
                        key=_bind(prefix, "n", max(2, len(opts))))
    opts += [blank_option() for _ in range(int(n) - len(opts))]
    weighted = qtype == "multiple" and scoring == "weighted"
    if qtype == "ordering":
        st.caption("Write the steps in their right order: option A is the first step. Trainees see them shuffled.")
    if weighted:
        st.caption("Give each option a weight, a percent of the item's points: the right options positive, adding "
                   "up to 100; a wrong option 0 (costs nothing) or negative (costs that share). A trainee scores "
                   "the weights of the options they tick, added, never below 0.")
    weights = default_weights(opts[:int(n)])
    out = []
    for i in range(int(n)):
        o = opts[i]
        c1, c2, c3 = st.columns([4, 4, 2 if weighted else 1])
        text = c1.text_input(f"Option {LETTERS[i]}", key=_bind(prefix, f"o{i}_text", o["text"]))
        fb = c2.text_input(f"Feedback on {LETTERS[i]}", key=_bind(prefix, f"o{i}_fb", o["feedback"]))
        right, weight = bool(o.get("right")), o.get("weight")
        if weighted:
            weight = float(c3.number_input("Weight %", min_value=-100.0, max_value=100.0, step=5.0, format="%g",
                                           key=_bind(prefix, f"o{i}_weight", weights[i]),
                                           help=f"Option {LETTERS[i]}'s share of the item's points, in percent"))
            right = weight > 0
        elif qtype in ("single", "multiple"):
            right = c3.checkbox("Right", key=_bind(prefix, f"o{i}_right", right),
                                help=f"Option {LETTERS[i]} is a right answer")
        out.append({"text": text, "feedback": fb, "right": right, "weight": weight})
    if weighted:
        total = weight_total(out)
        (st.caption if abs(total - 100) <= 0.01 else st.warning)(
            f"The right options add up to {total:g}% (they must add up to 100%).")
    return out


# -- preview and lint ------------------------------------------------------------------------------------------

def _checked(actor: Actor, authoring: dict[str, Any], qid: str | None, f: dict[str, Any]
             ) -> tuple[Question | None, list[str]]:
    try:
        with runtime.db() as session:
            return case_sets.check_item(session, actor, authoring, question_id=qid,
                                        placement=placement_from_fields(f)), []
    except InvalidInput as err:
        return None, [p for p in str(err).split("; ") if p]


def _preview(prefix: str, q: Question) -> None:
    order = preview.shuffled(q)
    item = preview.item_view(q, order=order)
    with st.container(border=True):
        qw.show_question(item, 1, 1)
        key = f"{prefix}_pv_{q.content_hash()[:10]}"  # a new answer box whenever the item changes
        qw.answer_input(item, key)
        answer = qw.read_answer(item, key)
        if st.button("Check this answer", key=f"{prefix}_pv_check", disabled=answer is None):
            try:
                qw.show_feedback(preview.feedback(q, answer, order), q.type)
            except ServiceError as err:
                st.error(plain(err))
    st.caption("Options are shuffled as in an attempt. Nothing here is recorded.")


def _lint(actor: Actor, q: Question) -> None:
    warnings = runtime.run(bank_admin.lint_draft, actor, q) or []
    if not warnings:
        st.success("Item writing: no warnings.")
    for w in warnings:
        st.warning(f"Item writing: {plain(w)}")


# -- the editor --------------------------------------------------------------------------------------------------

def render(prefix: str, actor: Actor, *, question_id: str | None, on_saved: Callable[[str, str], None],
           status: str = "draft") -> None:
    """The editor for ``question_id`` (None: a new draft; ``status``: the item's). ``on_saved(id, message)``
    runs after a save."""
    f = st.session_state[f"{prefix}_fields"]
    mode = st.radio("Edit with", list(MODES), format_func=MODES.get, horizontal=True, key=f"{prefix}_mode",
                    label_visibility="collapsed")
    if mode == "yaml":
        _yaml(prefix, actor, question_id, f, on_saved)
        return
    st.session_state.pop(f"{prefix}_yaml", None)  # the YAML tab starts again from the form next time
    left, right = st.columns([3, 2], gap="large")
    with left:
        f = _form(prefix, actor, f, question_id, status)
        st.session_state[f"{prefix}_fields"] = f
    authoring, form_problems = authoring_from_fields(f)
    q, problems = _checked(actor, authoring, question_id, f)
    with right:
        st.subheader("As a trainee sees it")
        if q is not None:
            _preview(prefix, q)
        else:
            st.caption("The preview appears once the item is complete.")
        st.subheader("Checks")
        for p in dict.fromkeys(form_problems + problems):
            st.error(plain(p))
        if q is not None:
            _lint(actor, q)
    label = "Save as a new version" if question_id else "Create the draft"
    if st.button(label, key=f"{prefix}_save", type="primary"):
        if form_problems or problems:
            st.error("Not saved: fix the problems listed under Checks first.")
            return
        _save(actor, question_id, authoring, f, on_saved)


def _save(actor: Actor, question_id: str | None, authoring: dict[str, Any], f: dict[str, Any],
          on_saved: Callable[[str, str], None]) -> None:
    saved = runtime.run(case_sets.save_item, actor, authoring, question_id=question_id,
                        placement=placement_from_fields(f))
    if saved:
        on_saved(saved.question_id, case_set_editor.saved_message(saved, created=question_id is None))


def _yaml(prefix: str, actor: Actor, question_id: str | None, f: dict[str, Any],
          on_saved: Callable[[str, str], None]) -> None:
    authoring, _ = authoring_from_fields(f)
    if question_id:
        authoring = {"id": question_id, **{k: v for k, v in authoring.items() if k != "id"}}
    key = f"{prefix}_yaml"
    if key not in st.session_state:
        st.session_state[key] = yaml.safe_dump(authoring, sort_keys=False, allow_unicode=True)
    st.caption("The item in the bank's YAML form (see question_bank/README.md). The form picks up what you save "
               "here; the case set is chosen in the form.")
    problems = st.container()
    text = st.text_area("The item, in the bank's YAML form", height=380, key=key)
    if not st.button("Save the YAML" if question_id else "Create the draft from the YAML", key=f"{prefix}_ysave",
                     type="primary"):
        return
    with problems:
        try:
            data = bank_admin.parse_item_yaml(text)
        except InvalidInput as err:
            st.error(plain(err))
            return
        if question_id is None:
            data.pop("status", None)
        _save(actor, question_id, data, f, on_saved)
