"""Load the validated bank into the database, idempotently, in one transaction.

* new item -> question row + version 1;
* changed content -> a new version (past responses keep pointing at the version they showed);
* unchanged -> nothing;
* an item gone from the files -> retired, never deleted (items imported in the app are not file items);
* status follows the files until a trainer approves or retires the item in the app (then the app decides).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.adapters.orm import QuestionRow, QuestionVersion, utcnow
from quiz.domain.bank import Bank, Question


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    status_changed: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.new_versions or self.retired or self.status_changed)

    def summary(self) -> str:
        return (f"{len(self.added)} added, {len(self.new_versions)} new version(s), {len(self.retired)} retired, "
                f"{len(self.status_changed)} status change(s), {self.unchanged} unchanged")


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
    row.updated_at = utcnow()
    return version


def sync_bank(session: Session, bank: Bank) -> SyncReport:
    """Apply ``bank`` to the database inside the caller's transaction (the caller commits or rolls back)."""
    report = SyncReport()
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
