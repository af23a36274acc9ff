"""Question bank: browse and search items with their statistics beside them; approve a draft, retire an item,
write a new item or duplicate one (drafts), edit an item in a form with a trainee's preview and the item-writing
lint beside it, or as YAML (a new version; past attempts keep theirs); put an item into a case set, take it out,
start a set or change a set's title and scenario (in the form); import GIFT or Aiken files (all or nothing);
export GIFT."""

from __future__ import annotations

from functools import partial

import streamlit as st

from quiz.domain.bank import QUESTION_TYPES, STATUSES
from quiz.services import bank_admin, item_analysis, progress
from quiz.services.errors import ServiceError
from quiz.ui import question_editor as editor
from quiz.ui import runtime
from quiz.ui.pages.cohorts import require_trainer
from quiz.ui.pages.item_analysis import flags_text, judged, num
from quiz.ui.text import plain

SECTIONS = {"browse": "Browse and curate", "import": "Import", "export": "Export"}


_flash = partial(runtime.show_flash, "bank")
_done = partial(runtime.flash_and_rerun, "bank")


def _catalogue():  # noqa: ANN202
    try:
        with runtime.db() as session:
            return bank_admin.load_catalogue(session)
    except Exception:  # noqa: BLE001 - without the catalogue the service still checks the item itself
        return None


EDITOR = "qe"  # the editor's widget prefix (quiz/ui/question_editor.py)


def _saved(qid: str, message: str) -> None:
    """After a save: keep the item in view (even if the search no longer matches it) and reopen it."""
    st.session_state["_bank_next"] = qid
    st.session_state["_bank_reopen"] = qid
    _done(message)


def _editor_for(actor, qid: str | None) -> None:  # noqa: ANN001
    """Open the editor on ``qid`` (its current version), or on a blank new draft (``None``)."""
    if qid is None:
        topic = st.session_state.get("bank_topic") or ""
        editor.start(EDITOR, {"type": "single", "topic": topic, "difficulty": "medium",
                              "options": [{"text": "", "feedback": ""} for _ in range(4)]})
    else:
        detail = runtime.run(bank_admin.get_question, actor, qid)
        if detail is None:
            return
        editor.start(EDITOR, detail.authoring, detail.question.case)
    st.session_state["_bank_editor"] = {"qid": qid}


def _apply_pending(actor) -> None:  # noqa: ANN001
    nxt = st.session_state.pop("_bank_next", None)
    if nxt:
        st.session_state["bank_item"] = nxt  # before the chooser is drawn
        st.session_state["_bank_pinned"] = nxt
    reopen = st.session_state.pop("_bank_reopen", None)
    if reopen:
        _editor_for(actor, reopen)
        st.session_state["bank_edit_open"] = True


def _new_question(actor) -> bool:  # noqa: ANN001
    """The "New question" editor, when open; True while it is."""
    state = st.session_state.get("_bank_editor")
    if not (state and state["qid"] is None and editor.is_open(EDITOR)):
        return False
    st.subheader("New question (saved as a draft)")
    if st.button("Cancel", key="bank_new_cancel"):
        st.session_state.pop("_bank_editor", None)
        st.rerun()
    editor.render(EDITOR, actor, question_id=None, on_saved=_saved)
    return True


def _browse(actor) -> None:  # noqa: ANN001
    _apply_pending(actor)
    if st.button("New question", key="bank_new", icon=":material/add:"):
        _editor_for(actor, None)
    if _new_question(actor):
        return
    c1, c2, c3, c4 = st.columns([3, 2, 1, 1])
    search = c1.text_input("Search (id, stem, options, tags)", key="bank_search")
    with runtime.db() as session:
        topics = sorted({q.topic for q in bank_admin.list_questions(session, actor)})
    names = runtime.run(progress.topic_names) or {}
    topic = c2.selectbox("Topic", ["", *topics], format_func=lambda t: progress.topic_label(t, names) if t
                         else "All topics", key="bank_topic")
    status = c3.selectbox("Status", ["", *STATUSES], format_func=lambda s: s or "All", key="bank_status")
    qtype = c4.selectbox("Type", ["", *QUESTION_TYPES], format_func=lambda s: s or "All", key="bank_type")
    items = runtime.run(bank_admin.list_questions, actor, search=search or None, topic=topic or None,
                        status=status or None, type=qtype or None) or []
    pinned = st.session_state.get("_bank_pinned")
    kept = ""
    if pinned and pinned not in {q.id for q in items}:
        detail = runtime.run(bank_admin.get_question, actor, pinned)
        if detail is not None:  # just saved or created: stays in view although the filters no longer match it
            items = [detail.summary, *items]
            kept = f" {pinned} is kept in view (you just saved it) although it no longer matches the filters."
    stats = runtime.run(item_analysis.bank_item_statistics, actor) or {}
    st.caption(plain(f"{len(items)} item(s).{kept} Statistics: over each trainee's first attempt at the exams you "
                     "can see."))
    st.dataframe([{
        "Item": q.id, "Topic": progress.topic_label(q.topic, names), "Type": q.type, "Difficulty": q.difficulty,
        "Status": q.status,
        "Version": q.version, "Stem": q.stem[:120], "Shown": stats[q.id].attempts if q.id in stats else 0,
        "Facility": num(stats[q.id].facility, ".0%") if q.id in stats else "—",
        "Discrimination": num(stats[q.id].discrimination) if q.id in stats else "—",
        "Flags": flags_text(stats[q.id]) if q.id in stats else "",
    } for q in items], hide_index=True, width="stretch")
    if not items:
        return
    st.subheader("One item")
    ids = [q.id for q in items]
    if st.session_state.get("bank_item") not in ids:
        st.session_state.pop("bank_item", None)
    qid = st.selectbox("Item", ids, key="bank_item")
    detail = runtime.run(bank_admin.get_question, actor, qid)
    if detail is None:
        return
    s = detail.summary
    st.markdown(f"**{plain(s.id)}** · {plain(progress.topic_label(s.topic, names))} · {plain(s.type)} · "
                f"{plain(s.difficulty)} · **{plain(s.status)}** · version {s.version:d} "
                f"({plain(s.origin)}) · source: {plain(s.source)}")
    if s.review_note:
        st.info(f"Review note: {plain(s.review_note)}")
    editing = st.toggle("Edit this item (saves a new version; past attempts keep theirs)", key="bank_edit_open")
    if not editing:
        q = detail.question
        if q.case:
            st.info(f"**{plain(q.case.title)}** (case set {plain(q.case.id)}, item {q.case.position:d} of "
                    f"{q.case.size:d})\n\n{plain(q.case.scenario)}", icon=":material/person:")
        st.markdown(plain(q.stem))
        weights = q.weights
        for i, o in enumerate(q.options):
            right = i in q.correct_indexes
            st.markdown(f"{chr(65 + i)}\\. {plain(o.text)}" + (" — **right answer**" if right else "")
                        + (f" (weight {weights[i]:g}%)" if weights else ""))
        for w in runtime.run(bank_admin.lint_warnings, actor, qid) or []:
            st.warning(f"Item writing: {plain(w)}")
    if qid in stats and not judged(stats[qid]):
        st.caption(plain(flags_text(stats[qid]).capitalize() + "."))
    elif qid in stats:
        for f in stats[qid].flags:
            st.warning(plain(f.reason))
    b1, b2, b3, _ = st.columns([1, 1, 1, 2])
    if s.status == "draft" and b1.button("Approve (make live)", key="bank_approve") and runtime.run(
            bank_admin.approve, actor, qid):
        _done(f"{qid} is live: trainees can now be given it.")
    if s.status != "retired" and b2.button("Retire", key="bank_retire") and runtime.run(bank_admin.retire, actor, qid):
        _done(f"{qid} is retired: no new attempt will show it; past attempts and statistics keep it.")
    if b3.button("Duplicate", key="bank_duplicate", help="A new draft with this item's content, under the next free "
                 "id of its topic"):
        new_id = runtime.run(bank_admin.duplicate, actor, qid)
        if new_id:
            _saved(new_id, f"{new_id} created as a draft copy of {qid}. Edit it, then approve it.")
    if not editing:
        return
    state = st.session_state.get("_bank_editor")
    if not (state and state["qid"] == qid and editor.is_open(EDITOR)):
        _editor_for(actor, qid)
    editor.render(EDITOR, actor, question_id=qid, on_saved=_saved, status=s.status)


def _import(actor) -> None:  # noqa: ANN001
    st.caption("A file with any problem imports nothing; each problem is listed with its line. New items come in "
               "as drafts unless you choose live.")
    fmt = st.radio("Format", ["gift", "aiken"], format_func={"gift": "Moodle GIFT", "aiken": "Aiken"}.get,
                   horizontal=True, key="import_format")
    upload = st.file_uploader("File", type=["txt", "gift"], key="import_file")
    catalogue = _catalogue()
    topics = sorted(catalogue.topics) if catalogue else []
    sources = catalogue.sources if catalogue else {}
    c1, c2 = st.columns(2)
    status = c1.selectbox("Import as", ["draft", "live"], key="import_status")
    topic = c2.selectbox("Topic (for items whose file does not say; required for Aiken)", topics, index=None,
                         placeholder="As the file says", key="import_topic") or ""
    s1, s2 = st.columns(2)
    source_id = s1.selectbox("Source (for items whose file does not say; required for Aiken)", sorted(sources),
                             index=None, placeholder="As the file says", key="import_source") or ""
    sections = sorted(sources.get(source_id, ())) if source_id else []
    section = s2.selectbox("Source section", sections, index=0 if sections else None, key="import_section",
                           disabled=not sections) or ""
    if not st.button("Import", key="import_go", type="primary"):
        return
    if upload is None:
        st.error("Choose a file first.")
        return
    try:
        text = upload.getvalue().decode("utf-8-sig")
    except UnicodeDecodeError:
        st.error("The file is not UTF-8 text. Save it as UTF-8 and try again.")
        return
    source = {"id": source_id.strip(), "section": section.strip() or "General"} if source_id.strip() else None
    fn = bank_admin.import_gift if fmt == "gift" else bank_admin.import_aiken
    try:
        with runtime.db() as session:
            report = fn(session, actor, text, status=status, topic=topic.strip() or None, source=source,
                        catalogue=catalogue)
    except bank_admin.ImportRefused as err:
        st.error(f"Nothing was imported: the file has {len(err.problems)} problem(s).")
        st.code("\n".join(str(p) for p in err.problems), language=None)
        return
    except ServiceError as err:
        st.error(plain(err))
        return
    st.success(f"Imported: {plain(report.summary())}.")
    for w in report.warnings:
        st.caption(plain(w))


def _export(actor) -> None:  # noqa: ANN001
    st.caption("Every draft and live item as Moodle GIFT. Ordering items have no GIFT form; they are listed in a "
               "comment at the top.")
    text = runtime.run(bank_admin.export_gift, actor)
    if text is not None:
        st.download_button("Download GIFT", text.encode("utf-8"), file_name="question-bank.gift.txt",
                           mime="text/plain", key="export_gift", on_click="ignore")


def render() -> None:
    actor = require_trainer()
    st.title("Question bank")
    _flash()
    opened = st.session_state.pop("_bank_open", None)  # "Open it in the Question bank" (Item analysis)
    if opened:
        st.session_state.update(bank_section="browse", bank_search=opened, bank_topic="", bank_status="",
                                bank_type="", _bank_next=opened)
    # a remembered choice rather than st.tabs, which jump back to the first tab after every action
    section = st.radio("Section", list(SECTIONS), format_func=SECTIONS.get, horizontal=True, key="bank_section",
                       label_visibility="collapsed")
    {"browse": _browse, "import": _import, "export": _export}[section or "browse"](actor)
