"""Question bank: browse and search items with their statistics beside them; approve a draft, retire an item,
edit an item (a new version; past attempts keep theirs); import GIFT or Aiken files (all or nothing); export
GIFT."""

from __future__ import annotations

from functools import partial

import streamlit as st
import yaml

from quiz.domain.bank import QUESTION_TYPES, STATUSES
from quiz.services import bank_admin, item_analysis, progress
from quiz.services.errors import ServiceError
from quiz.ui import runtime
from quiz.ui.pages.cohorts import require_trainer
from quiz.ui.pages.item_analysis import flags_text, judged, num
from quiz.ui.text import plain

SECTIONS = {"browse": "Browse and curate", "import": "Import", "export": "Export"}


_flash = partial(runtime.show_flash, "bank")
_done = partial(runtime.flash_and_rerun, "bank")


def _save_edit(actor, qid: str, text: str) -> None:  # noqa: ANN001
    """Save the edited YAML as a new version, or say why not (the editor stays open with the text kept)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        st.error(f"That is not valid YAML: {plain(str(err).splitlines()[0])}")
        return
    if not isinstance(data, dict):
        st.error("The item must be a mapping of fields (id, type, stem, ...).")
        return
    version = runtime.run(bank_admin.edit, actor, qid, data, catalogue=_catalogue())
    if version:
        st.session_state.pop(f"bank_edit_{qid}", None)  # reload the editor from the saved version
        _done(f"{qid} saved as version {version}.")


def _catalogue():  # noqa: ANN202
    try:
        with runtime.db() as session:
            return bank_admin.load_catalogue(session)
    except Exception:  # noqa: BLE001 - without the catalogue the service still checks the item itself
        return None


def _browse(actor) -> None:  # noqa: ANN001
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
    stats = runtime.run(item_analysis.bank_item_statistics, actor) or {}
    st.caption(f"{len(items)} item(s). Statistics: over each trainee's first attempt at the exams you can see.")
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
    q = detail.question
    st.markdown(plain(q.stem))
    for i, o in enumerate(q.options):
        right = i in q.correct_indexes
        st.markdown(f"{chr(65 + i)}\\. {plain(o.text)}" + (" — **right answer**" if right else ""))
    for w in runtime.run(bank_admin.lint_warnings, actor, qid) or []:
        st.warning(f"Item writing: {plain(w)}")
    if qid in stats and not judged(stats[qid]):
        st.caption(plain(flags_text(stats[qid]).capitalize() + "."))
    elif qid in stats:
        for f in stats[qid].flags:
            st.warning(plain(f.reason))
    b1, b2, _ = st.columns([1, 1, 3])
    if s.status == "draft" and b1.button("Approve (make live)", key="bank_approve") and runtime.run(
            bank_admin.approve, actor, qid):
        _done(f"{qid} is live: trainees can now be given it.")
    if s.status != "retired" and b2.button("Retire", key="bank_retire") and runtime.run(bank_admin.retire, actor, qid):
        _done(f"{qid} is retired: no new attempt will show it; past attempts and statistics keep it.")
    # a toggle, not an expander: it stays open after a refused save, so the message and the text stay in view
    if not st.toggle("Edit this item (saves a new version; past attempts keep theirs)", key="bank_edit_open"):
        return
    problems = st.container()  # any refusal shows here, above the text
    with st.form(f"edit_{qid}"):
        text = st.text_area("The item, in the bank's YAML form", yaml.safe_dump(detail.authoring, sort_keys=False,
                                                                                allow_unicode=True),
                            height=360, key=f"bank_edit_{qid}")
        submitted = st.form_submit_button("Save as a new version")
    if submitted:
        with problems:
            _save_edit(actor, qid, text)


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
    # a remembered choice rather than st.tabs, which jump back to the first tab after every action
    section = st.radio("Section", list(SECTIONS), format_func=SECTIONS.get, horizontal=True, key="bank_section",
                       label_visibility="collapsed")
    {"browse": _browse, "import": _import, "export": _export}[section or "browse"](actor)
