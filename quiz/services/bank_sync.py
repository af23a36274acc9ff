"""Load the validated bank into the database, idempotently, in one transaction.

* new item -> question row + version 1;
* changed content -> a new version (past responses keep pointing at the version they showed);
* unchanged -> nothing;
* an item gone from the files -> retired, never deleted (items imported in the app are not file items);
* status follows the files until a trainer approves or retires the item in the app (then the app decides);
* topics, sources and learning objectives are mirrored into their tables in the same transaction, so the
  app reads them from the database (:mod:`quiz.services.catalogue`), never from the files at run time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.adapters.orm import ObjectiveRow, QuestionRow, QuestionVersion, SourceRow, TopicRow, utcnow
from quiz.domain.bank import Bank, Question


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    status_changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    catalogue_changes: int = 0  # topics, sources and objectives added, changed or removed

    @property
    def changed(self) -> bool:
        return bool(self.added or self.new_versions or self.retired or self.status_changed or self.catalogue_changes)

    def summary(self) -> str:
        text = (f"{len(self.added)} added, {len(self.new_versions)} new version(s), {len(self.retired)} retired, "
                f"{len(self.status_changed)} status change(s), {self.unchanged} unchanged")
        if self.catalogue_changes:
            text += f"; {self.catalogue_changes} topic/source/objective change(s)"
        return text


def add_version(session: Session, row: QuestionRow, q: Question, origin: str, created_by: int | None = None
                ) -> QuestionVersion:
    """Append an immutable version to a question and make it current."""
    latest = session.scalar(
        select(QuestionVersion.version).where(QuestionVersion.question_id == row.id)
        .order_by(QuestionVersion.version.desc()).limit(1)
    ) or 0
    version = QuestionVersion(
        question_id=row.id, version=latest + 1, content=q.model_dump(mode="json"), content_hash=q.content_hash(),
        type=q.type, difficulty=q.difficulty, origin=origin, created_by=created_by,
    )
    session.add(version)
    row.current_version = latest + 1
    row.topic = q.topic
    row.objective = q.objective
    row.updated_at = utcnow()
    return version


def sync_bank(session: Session, bank: Bank) -> SyncReport:
    """Apply ``bank`` to the database inside the caller's transaction (the caller commits or rolls back)."""
    report = SyncReport()
    report.catalogue_changes = sync_catalogue(session, bank)
    rows = {r.id: r for r in session.scalars(select(QuestionRow))}
    in_files = set()
    for q in bank.questions:
        in_files.add(q.id)
        h = q.content_hash()
        row = rows.get(q.id)
        if row is None:
            row = QuestionRow(id=q.id, topic=q.topic, status=q.status, status_source="file", file_hash=h,
                              current_version=0)
            session.add(row)
            session.flush()
            add_version(session, row, q, "file")
            report.added.append(q.id)
            continue
        touched = False
        if row.file_hash == h and row.objective != q.objective:
            row.objective = q.objective  # filled in for rows synced before questions had the column
        if row.file_hash != h:
            add_version(session, row, q, "file")
            row.file_hash = h
            report.new_versions.append(q.id)
            touched = True
        if row.status_source == "file" and row.status != q.status:
            row.status = q.status
            report.status_changed.append(q.id)
            touched = True
        if not touched:
            report.unchanged += 1
    for qid, row in rows.items():
        # Only items that came from the files are retired when the files drop them; items imported or
        # written in the app (file_hash None) belong to the database.
        if qid not in in_files and row.file_hash is not None and row.status != "retired":
            row.status = "retired"
            row.status_source = "file"
            row.updated_at = utcnow()
            report.retired.append(qid)
    session.flush()
    return report


def _mirror(session: Session, model: type, wanted: dict[str, dict]) -> int:
    """Make ``model``'s table hold exactly ``wanted`` (id -> column values); return how many rows changed."""
    changes = 0
    existing = {r.id: r for r in session.scalars(select(model))}
    for ident, values in wanted.items():
        row = existing.pop(ident, None)
        if row is None:
            session.add(model(id=ident, **values))
            changes += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            changes += 1
    for row in existing.values():
        session.delete(row)
        changes += 1
    return changes


def sync_catalogue(session: Session, bank: Bank) -> int:
    """Mirror the bank's topics, sources and objectives into their tables; return the number of changes."""
    topics = {t.id: {"name": t.name, "description": t.description, "position": i} for i, t in enumerate(bank.topics)}
    sources = {s.id: {"title": s.title, "kind": s.kind, "authors": s.authors, "year": s.year, "url": s.url,
                      "summary": s.summary.strip(), "sections": list(s.sections), "position": i}
               for i, s in enumerate(bank.sources)}
    objectives = {o.id: {"topic": o.topic, "statement": o.statement} for o in bank.objectives}
    changes = _mirror(session, TopicRow, topics) + _mirror(session, SourceRow, sources)
    changes += _mirror(session, ObjectiveRow, objectives)
    session.flush()
    return changes
