"""Bank curation: browse, approve, retire and edit items; import GIFT / Aiken; export GIFT.

* Any trainer (or administrator) curates the shared bank; trainees cannot. ``actor=None`` is the command line,
  acting as a local administrator.
* Approving (draft -> live) or retiring sets ``status_source='trainer'``: from then on the app decides the
  status, and a later sync of the bank files does not undo it.
* Editing adds a new immutable version (origin ``editor``); past attempts keep the version they showed. If the
  item's YAML file later changes, the file's content becomes a newer version again (the files stay the
  source of truth for content they hold). Moving items into or out of case sets, and editing a case set's
  title and scenario, is :mod:`quiz.services.case_sets` (it calls :func:`create` / :func:`edit` with ``case``).
* Importing reads the whole file first (quiz/adapters/gift.py, aiken.py), checks every item against the bank's
  topics, sources and objectives (as the last sync left them: :func:`load_catalogue`), and writes only if
  there is no problem at all: a file that fails imports nothing and
  :class:`ImportRefused` lists every problem with its line. Writing happens in the caller's transaction.
  A new id becomes a new item (status ``draft`` unless asked otherwise, never ``live`` with placeholder
  feedback); a known id gets a new version (origin ``import``) if its content differs, and keeps its status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.adapters import aiken, gift
from quiz.adapters.bank_files import _BankLoader  # the bank files' safe loader: no aliases, bounded nesting
from quiz.adapters.gift import ImportDefaults, ImportProblem, ImportResult
from quiz.adapters.gift_export import dump_gift
from quiz.adapters.orm import QuestionRow, QuestionVersion, utcnow
from quiz.domain.bank import (
    STATUSES,
    CaseInfo,
    ItemError,
    Question,
    SourceRef,
    question_from_authoring,
    question_to_authoring,
)
from quiz.domain.lint import lint_question
from quiz.services import audit
from quiz.services import catalogue as catalogue_service
from quiz.services.bank_sync import add_version
from quiz.services.errors import Conflict, InvalidInput, NotFound
from quiz.services.permissions import Actor, require_staff
from quiz.services.questions import current_questions, current_version, to_question

# -- results ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class QuestionSummary:
    id: str
    topic: str
    type: str
    difficulty: str
    status: str
    status_source: str  # 'file' or 'trainer' (who decides the status now)
    version: int
    origin: str  # of the current version: file | editor | import
    stem: str
    source: str  # "source-id | section"
    review_note: str | None
    tags: tuple[str, ...]
    case_id: str | None
    updated_at: datetime


@dataclass(frozen=True)
class VersionInfo:
    version: int
    origin: str
    created_at: datetime
    created_by: int | None


@dataclass
class QuestionDetail:
    summary: QuestionSummary
    question: Question  # current version, with the row's status
    authoring: dict[str, Any]  # the editable form (letters as keys), for an editor
    versions: list[VersionInfo]


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # "line N: ..." (placeholders, approximations)

    def summary(self) -> str:
        return (f"{len(self.added)} added, {len(self.new_versions)} new version(s), {len(self.unchanged)} unchanged, "
                f"{len(self.warnings)} warning(s)")


class ImportRefused(InvalidInput):
    """The file has problems; nothing was imported. ``problems`` lists them all, each with its line."""

    def __init__(self, problems: list[ImportProblem]):
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"Nothing was imported: the file has {len(problems)} problem(s). {shown}{more}")


@dataclass(frozen=True)
class Catalogue:
    """The topics, sources and objectives items may use (as the last sync left them in the database)."""

    topics: frozenset[str]
    sources: dict[str, frozenset[str]]  # source id -> its sections (empty: any section)
    objectives: frozenset[str] = frozenset()


def load_catalogue(session: Session) -> Catalogue:
    """The catalogue from the database (:mod:`quiz.services.catalogue`); empty before the first sync."""
    topics = frozenset(catalogue_service.topic_names(session))
    sources = {sid: frozenset(s.sections) for sid, s in catalogue_service.sources(session).items()}
    return Catalogue(topics, sources, frozenset(catalogue_service.objectives(session)))


# -- helpers ----------------------------------------------------------------------------------------------------

def _staff(actor: Actor | None) -> None:
    if actor is not None:
        require_staff(actor)


def _summary(row: QuestionRow, version: QuestionVersion, q: Question) -> QuestionSummary:
    return QuestionSummary(
        id=row.id, topic=row.topic, type=q.type, difficulty=q.difficulty, status=row.status,
        status_source=row.status_source, version=version.version, origin=version.origin, stem=q.stem,
        source=f"{q.source.id} | {q.source.section}", review_note=q.review_note, tags=tuple(q.tags),
        case_id=q.case.id if q.case else None, updated_at=row.updated_at,
    )


def _catalogue_problems(q: Question, catalogue: Catalogue | None, known_topics: set[str]) -> list[str]:
    if catalogue is None:
        return []
    problems = []
    topics = set(catalogue.topics) | known_topics
    if topics and q.topic not in topics:
        problems.append(f"unknown topic {q.topic!r}; known topics: {', '.join(sorted(topics))}")
    if catalogue.objectives and q.objective and q.objective not in catalogue.objectives:
        problems.append(f"unknown objective {q.objective!r}")
    if q.objective and q.objective.split(".", 1)[0] != q.topic:
        problems.append(f"objective {q.objective!r} belongs to topic {q.objective.split('.', 1)[0]!r}, the item "
                        f"to {q.topic!r}")
    if catalogue.sources:
        sections = catalogue.sources.get(q.source.id)
        if sections is None:
            problems.append(f"unknown source {q.source.id!r}; sources: {', '.join(sorted(catalogue.sources))}")
        elif sections and q.source.section not in sections:
            problems.append(f"unknown section {q.source.section!r} of source {q.source.id!r}; its sections: "
                            f"{', '.join(sorted(sections))}")
    return problems


def _db_topics(session: Session) -> set[str]:
    return set(session.scalars(select(QuestionRow.topic).distinct()))


# -- browsing ---------------------------------------------------------------------------------------------------

def list_questions(session: Session, actor: Actor | None, *, search: str | None = None, topic: str | None = None,
                   status: str | None = None, type: str | None = None) -> list[QuestionSummary]:  # noqa: A002
    """Current version of every question, filtered; ``search`` matches id, stem, options and tags (any case)."""
    _staff(actor)
    q = (select(QuestionRow, QuestionVersion)
         .join(QuestionVersion, (QuestionVersion.question_id == QuestionRow.id)
               & (QuestionVersion.version == QuestionRow.current_version))
         .order_by(QuestionRow.topic, QuestionRow.id))
    if topic:
        q = q.where(QuestionRow.topic == topic)
    if status:
        q = q.where(QuestionRow.status == status)
    if type:
        q = q.where(QuestionVersion.type == type)
    needle = (search or "").strip().lower()
    out = []
    for row, version in session.execute(q):
        question = to_question(version, row.status)
        if needle:
            hay = " ".join([row.id, question.stem, *(o.text for o in question.options), *question.tags]).lower()
            if needle not in hay:
                continue
        out.append(_summary(row, version, question))
    return out


def get_question(session: Session, actor: Actor | None, question_id: str) -> QuestionDetail:
    _staff(actor)
    row, version = current_version(session, question_id)
    question = to_question(version, row.status)
    versions = [VersionInfo(v.version, v.origin, v.created_at, v.created_by) for v in session.scalars(
        select(QuestionVersion).where(QuestionVersion.question_id == row.id).order_by(QuestionVersion.version))]
    return QuestionDetail(_summary(row, version, question), question, question_to_authoring(question), versions)


# -- status -----------------------------------------------------------------------------------------------------

def lint_warnings(session: Session, actor: Actor | None, question_id: str) -> list[str]:
    """The item-writing linter's warnings for an item's current version (:func:`quiz.domain.lint.lint_question`),
    its stem compared with every other live or draft item."""
    _staff(actor)
    row, version = current_version(session, question_id)
    others = [c.question for c in current_questions(session, statuses=("live", "draft"))]
    return lint_question(to_question(version, row.status), others)


def approve(session: Session, actor: Actor | None, question_id: str) -> QuestionSummary:
    """A draft goes live (and stays live whatever the files say)."""
    _staff(actor)
    row, version = current_version(session, question_id)
    if row.status != "draft":
        raise Conflict(f"Only a draft can be approved; {question_id} is {row.status}.")
    row.status, row.status_source, row.updated_at = "live", "trainer", utcnow()
    audit.record(session, actor, "question_approved", question_id, version=version.version)
    session.flush()
    return _summary(row, version, to_question(version, row.status))


def retire(session: Session, actor: Actor | None, question_id: str) -> QuestionSummary:
    """Take an item out of use (kept for past attempts and statistics; never deleted)."""
    _staff(actor)
    row, version = current_version(session, question_id)
    if row.status == "retired":
        raise Conflict(f"{question_id} is already retired.")
    previous = row.status
    row.status, row.status_source, row.updated_at = "retired", "trainer", utcnow()
    audit.record(session, actor, "question_retired", question_id, previous=previous)
    session.flush()
    return _summary(row, version, to_question(version, row.status))


# -- editing ----------------------------------------------------------------------------------------------------

def _validated(session: Session, data: dict[str, Any], case: Any, catalogue: Catalogue | None) -> Question:
    """The item the authoring form describes, checked as the files are (its own rules, then its topic, source
    and objective against the catalogue); InvalidInput listing every problem."""
    try:
        q = question_from_authoring(data, case=case)
    except ItemError as err:
        raise InvalidInput("; ".join(err.problems)) from None
    problems = _catalogue_problems(q, catalogue if catalogue is not None else load_catalogue(session),
                                  _db_topics(session))
    if problems:
        raise InvalidInput("; ".join(problems))
    return q


class _Keep:
    """The item keeps the case set it is in (see :mod:`quiz.services.case_sets` to change it)."""

    def __repr__(self) -> str:
        return "KEEP_CASE"


KEEP_CASE: Any = _Keep()


def edit(session: Session, actor: Actor | None, question_id: str, authoring: dict[str, Any], *,
         catalogue: Catalogue | None = None, case: CaseInfo | None = KEEP_CASE) -> int:
    """Save an edited item (authoring form, as in the YAML files) as a new version; return its number.

    The id cannot change; the status is changed with approve / retire, not here. An unchanged item keeps its
    current version. ``case``: its place in a case set (default: as it is; :mod:`quiz.services.case_sets`
    moves items between sets and keeps the other items of a set consistent). Raises InvalidInput listing every
    problem.
    """
    _staff(actor)
    row, version = current_version(session, question_id)
    current = to_question(version, row.status)
    data = dict(authoring)
    if data.get("id", question_id) != question_id:
        raise InvalidInput("The id of an item cannot change; create a new item instead.")
    data["id"] = question_id
    if data.get("status", row.status) != row.status:
        raise InvalidInput(f"Change the status with Approve or Retire, not in the editor (it is {row.status}).")
    data["status"] = row.status
    q = _validated(session, data, current.case if case is KEEP_CASE else case, catalogue)
    if q.content_hash() == version.content_hash:
        return version.version
    new = add_version(session, row, q, "editor", created_by=actor.id if actor else None)
    audit.record(session, actor, "question_edited", question_id, version=new.version)
    session.flush()
    return new.version


MAX_YAML_CHARS = 50_000


def parse_item_yaml(text: str) -> dict[str, Any]:
    """One item typed in the editor's YAML tab, read as safely as a bank file (no anchors or aliases, bounded
    nesting and size). Raises InvalidInput saying where: "line 4, column 9: ..."."""
    if len(text or "") > MAX_YAML_CHARS:
        raise InvalidInput(f"The item is longer than {MAX_YAML_CHARS:,} characters; one item is much shorter.")
    loader = _BankLoader(text or "")
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        what = " ".join(p for p in (err.context, err.problem) if p) or str(err).splitlines()[0]
        raise InvalidInput(f"That is not valid YAML: {where}{what}.") from None
    except yaml.YAMLError as err:
        raise InvalidInput(f"That is not valid YAML: {str(err).splitlines()[0]}.") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise InvalidInput("The item must be a mapping of fields (id, type, stem, ...), one per line.")
    return data


def next_free_id(session: Session, topic: str) -> str:
    """The next unused id of the form ``<topic>-NNN`` (one past the highest number the topic has used)."""
    prefix = f"{topic}-"
    used = [qid[len(prefix):] for qid in session.scalars(select(QuestionRow.id).where(QuestionRow.id.startswith(
        prefix, autoescape=True)))]
    n = max((int(u) for u in used if u.isdigit()), default=0) + 1
    while session.get(QuestionRow, f"{prefix}{n:03d}") is not None:  # pragma: no cover - a gap filled by hand
        n += 1
    return f"{prefix}{n:03d}"


def check_draft(session: Session, actor: Actor | None, authoring: dict[str, Any], *, question_id: str | None = None,
                catalogue: Catalogue | None = None, case: CaseInfo | None = KEEP_CASE) -> Question:
    """The item an editor holds, validated as saving would validate it (``question_id``: the item being edited,
    whose status it keeps, and its case set unless ``case`` says otherwise; None: a new draft, given the next
    free id of its topic, stand-alone unless ``case`` places it). Writes nothing. Raises InvalidInput listing
    every problem."""
    _staff(actor)
    data = dict(authoring)
    if question_id is not None:
        row, version = current_version(session, question_id)
        data["id"], data["status"] = question_id, row.status
        if case is KEEP_CASE:
            case = to_question(version, row.status).case
    else:
        case = None if case is KEEP_CASE else case
        data["status"] = "draft"
        if not str(data.get("id") or "").strip():
            topic = str(data.get("topic") or "").strip()
            data["id"] = next_free_id(session, topic) if topic else "new-item"
    return _validated(session, data, case, catalogue)


def lint_draft(session: Session, actor: Actor | None, question: Question) -> list[str]:
    """The item-writing linter's warnings for an item not saved yet (compared with every live or draft item)."""
    _staff(actor)
    others = [c.question for c in current_questions(session, statuses=("live", "draft"))]
    return lint_question(question, others)


def create(session: Session, actor: Actor | None, authoring: dict[str, Any], *,
           catalogue: Catalogue | None = None, case: CaseInfo | None = None) -> str:
    """Add a new item as a draft (approve it to make it live); return its id. Without an id it gets the next
    free id of its topic. ``case``: its place in a case set (:mod:`quiz.services.case_sets` puts a new item
    into a set). Raises InvalidInput listing every problem, Conflict when the id is taken."""
    _staff(actor)
    wanted = str(authoring.get("id") or "").strip()
    if wanted and session.get(QuestionRow, wanted) is not None:
        raise Conflict(f"There is already an item {wanted}; leave the id empty to get the next free one.")
    q = check_draft(session, actor, authoring, catalogue=catalogue, case=case)
    row = QuestionRow(id=q.id, topic=q.topic, status="draft", status_source="trainer", current_version=0)
    session.add(row)
    session.flush()
    add_version(session, row, q, "editor", created_by=actor.id if actor else None)
    audit.record(session, actor, "question_created", q.id, after={"status": "draft", "version": 1})
    session.flush()
    return q.id


def duplicate(session: Session, actor: Actor | None, question_id: str) -> str:
    """A new draft with the content of ``question_id`` under the next free id of its topic; return that id.
    An item of a case set is copied as a stand-alone item (the case's scenario is not part of the copy)."""
    _staff(actor)
    row, version = current_version(session, question_id)
    data = question_to_authoring(to_question(version, row.status))
    data.pop("id", None)
    data["status"] = "draft"
    new_id = create(session, actor, data)
    audit.record(session, actor, "question_duplicated", new_id, copied_from=question_id)
    return new_id


# -- import / export --------------------------------------------------------------------------------------------

def _apply(session: Session, actor: Actor | None, result: ImportResult, catalogue: Catalogue | None,
           fmt: str) -> ImportReport:
    problems = list(result.problems)
    known = _db_topics(session)
    cat = catalogue if catalogue is not None else load_catalogue(session)
    for item in result.questions:
        problems.extend(ImportProblem(item.line, p) for p in _catalogue_problems(item.question, cat, known))
    if problems:
        raise ImportRefused(sorted(problems))
    report = ImportReport()
    rows = {r.id: r for r in session.scalars(
        select(QuestionRow).where(QuestionRow.id.in_([i.question.id for i in result.questions])))}
    for item in result.questions:
        q = item.question
        report.warnings.extend(f"line {item.line}: {q.id}: {w}" for w in item.warnings)
        row = rows.get(q.id)
        if row is None:
            row = QuestionRow(id=q.id, topic=q.topic, status=q.status, status_source="trainer", current_version=0)
            session.add(row)
            session.flush()
            add_version(session, row, q, "import", created_by=actor.id if actor else None)
            report.added.append(q.id)
            continue
        _, version = current_version(session, q.id)
        q = q.model_copy(update={"status": row.status})
        if q.content_hash() == version.content_hash:
            report.unchanged.append(q.id)
        else:
            add_version(session, row, q, "import", created_by=actor.id if actor else None)
            report.new_versions.append(q.id)
    audit.record(session, actor, "bank_import", fmt, added=report.added, new_versions=report.new_versions,
           unchanged=len(report.unchanged))
    session.flush()
    return report


def _defaults(topic: str | None, source: SourceRef | dict | None, difficulty: str, status: str) -> ImportDefaults:
    if status not in STATUSES or status == "retired":
        raise InvalidInput("Imported items are either draft or live.")
    if isinstance(source, dict):
        source = SourceRef(**source)
    return ImportDefaults(topic=topic, source=source, difficulty=difficulty, status=status)


def import_gift(session: Session, actor: Actor | None, text: str, *, status: str = "draft", topic: str | None = None,
                source: SourceRef | dict | None = None, difficulty: str = "medium",
                catalogue: Catalogue | None = None) -> ImportReport:
    """Import a GIFT file (all or nothing). ``topic``/``source``/``difficulty`` apply to items whose file does
    not say (``$CATEGORY:``, ``// source:``, ``// difficulty:``). Raises :class:`ImportRefused`."""
    _staff(actor)
    return _apply(session, actor, gift.parse_gift(text, _defaults(topic, source, difficulty, status)), catalogue,
                  "gift")


def import_aiken(session: Session, actor: Actor | None, text: str, *, topic: str | None = None,
                 source: SourceRef | dict | None = None, difficulty: str = "medium", status: str = "draft",
                 catalogue: Catalogue | None = None) -> ImportReport:
    """Import an Aiken file (all or nothing) into ``topic``, citing ``source`` (both required: Aiken has no
    room for them). Items come in as drafts with placeholder feedback. Raises :class:`ImportRefused`."""
    _staff(actor)
    return _apply(session, actor, aiken.parse_aiken(text, _defaults(topic, source, difficulty, status)), catalogue,
                  "aiken")


def export_gift(session: Session, actor: Actor | None, question_ids: list[str] | None = None) -> str:
    """The current version of the given questions (default: every draft and live one) as GIFT. Ordering items
    have no GIFT form: they are listed in a comment at the top instead."""
    _staff(actor)
    q = (select(QuestionRow, QuestionVersion)
         .join(QuestionVersion, (QuestionVersion.question_id == QuestionRow.id)
               & (QuestionVersion.version == QuestionRow.current_version)))
    if question_ids is None:
        q = q.where(QuestionRow.status.in_(("draft", "live")))
    else:
        q = q.where(QuestionRow.id.in_(question_ids))
    found = {row.id: to_question(version, row.status) for row, version in session.execute(q)}
    if question_ids is not None:
        missing = sorted(set(question_ids) - set(found))
        if missing:
            raise NotFound(f"No such question(s): {', '.join(missing)}.")
    return dump_gift(found.values()).text
