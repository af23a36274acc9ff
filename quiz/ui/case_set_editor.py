"""The bank editor's case-set section: which case set the item is in (none, an existing one, a new one), the
set's title and scenario (a change saves a new version of each of its items), and what that means for exams.

Used by quiz/ui/question_editor.py; the fields are those of :mod:`quiz.domain.question_form` (``case``,
``case_new_id``, ``case_title``, ``case_scenario``), saved by :mod:`quiz.services.case_sets`.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from quiz.domain.question_form import NEW_CASE
from quiz.services import case_sets
from quiz.services.case_sets import CaseSetView, SavedItem
from quiz.services.permissions import Actor
from quiz.ui import runtime
from quiz.ui.text import plain


def _sets(actor: Actor) -> dict[str, CaseSetView]:
    return {c.id: c for c in runtime.run(case_sets.list_case_sets, actor) or []}


def _label(sets: dict[str, CaseSetView], choice: str) -> str:
    if not choice:
        return "None: a stand-alone item"
    if choice == NEW_CASE:
        return "A new case set…"
    found = sets.get(choice)
    return f"{found.title} ({choice}, {found.size} items)" if found else choice


def section(prefix: str, actor: Actor, f: dict[str, Any], question_id: str | None, status: str,
            bind: Any) -> dict[str, Any]:  # noqa: ANN401 - bind: question_editor._bind
    """Draw the case-set fields; return them (``case``, ``case_new_id``, ``case_title``, ``case_scenario``)."""
    sets = _sets(actor)
    state = st.session_state
    current = f.get("case") or ""
    choices = ["", *sets, NEW_CASE]
    if current and current not in choices:
        choices.insert(1, current)
    choice = st.selectbox("Case set (a client followed over several linked items, served together)", choices,
                          format_func=lambda c: _label(sets, c), key=bind(prefix, "case", current))
    loaded = f"{prefix}_case_loaded"
    if state.get(loaded, current) != choice:  # another set chosen: show its own title and scenario
        chosen = sets.get(choice)
        state[f"{prefix}_case_title"] = chosen.title if chosen else ""
        state[f"{prefix}_case_scenario"] = chosen.scenario if chosen else ""
    state[loaded] = choice
    out = {"case": choice, "case_new_id": f.get("case_new_id") or "", "case_title": f.get("case_title") or "",
           "case_scenario": f.get("case_scenario") or ""}
    if not choice:
        if current and current in sets:
            st.caption(plain(f"Saving takes this item out of the case set {current}; its other items are "
                             "renumbered (each saved as a new version)."))
        return out
    if choice == NEW_CASE:
        out["case_new_id"] = st.text_input("New case set id (e.g. case-amira)",
                                           key=bind(prefix, "case_new_id", out["case_new_id"]))
    chosen = sets.get(choice)
    out["case_title"] = st.text_input("Case set title", key=bind(prefix, "case_title", out["case_title"]))
    out["case_scenario"] = st.text_area("Scenario (shown above each of the set's items)", height=90,
                                        key=bind(prefix, "case_scenario", out["case_scenario"]))
    if chosen is not None:
        _about(chosen, question_id, status, out)
    return out


def _about(chosen: CaseSetView, question_id: str | None, status: str, fields: dict[str, Any]) -> None:
    """What the set holds and what saving will do to it."""
    ids = [m.question_id for m in chosen.items]
    joining = question_id not in ids
    listed = ", ".join(f"{m.position}. {m.question_id} ({m.status})" for m in chosen.items)
    st.caption(plain(f"Items: {listed}."))
    size = chosen.size + (1 if joining else 0)
    where = size if joining else ids.index(question_id) + 1  # type: ignore[arg-type]
    st.caption(plain(f"This item {'will be' if joining else 'is'} item {where} of {size}."
                     + (f" Its {chosen.size} items will show {size} as the set's size (each saved as a new version)."
                        if joining else "")))
    if (fields["case_title"].strip(), fields["case_scenario"].strip()) != (chosen.title, chosen.scenario):
        others = chosen.size - (0 if joining else 1)
        st.info(plain(f"You changed the title or the scenario: saving gives the set's {others} other item(s) a new "
                      "version too (past attempts keep what they showed)."))
    pending = [i for i in chosen.drafts if i != question_id] + ([question_id or "this item"]
                                                               if status != "live" else [])
    if pending:
        st.warning(plain(f"Exams and practice draw a case set only when all of its items are live: while "
                         f"{', '.join(pending)} {'is' if len(pending) == 1 else 'are'} not, this set is not drawn."))
    if chosen.size + (1 if joining else 0) < 2:  # pragma: no cover - a set holds its item
        st.caption("A case set usually has two or more items.")
    if chosen.from_files:
        st.caption("Its items came from the bank files (question_bank/cases/). If that file changes later, the "
                   "items it holds take the file's version again: make the same change there.")
    for problem in chosen.problems:
        st.error(plain(f"{problem}. Saving puts the set in order again."))


def saved_message(saved: SavedItem, created: bool) -> str:
    """'hygiene-005 created as a draft.' / '... saved as version 3.', with the other items saved with it."""
    what = (f"{saved.question_id} created as a draft. Approve it to make it live." if created
            else f"{saved.question_id} saved as version {saved.version}.")
    if saved.others:
        what += f" The case set's other item(s) were saved as new versions too: {', '.join(sorted(saved.others))}."
    return what
