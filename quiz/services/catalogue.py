"""The bank's topics, sources and learning objectives, as the last sync left them in the database.

The one place the app reads them at run time: the files are read only by the validator and the sync
(``quiz/adapters/bank_files.py``, ``quiz/services/bank_sync.py``). Anyone signed in may read them (topic names
and source titles are shown to trainees beside their questions and results); callers without a session use
:func:`read_with`.

Before the first successful sync the tables are empty: names fall back to the ids (see
:func:`quiz.services.progress.topic_label`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.adapters.orm import ObjectiveRow, SourceRow, TopicRow

T = TypeVar("T")


@dataclass(frozen=True)
class TopicInfo:
    id: str
    name: str
    description: str


@dataclass(frozen=True)
class SourceInfo:
    id: str
    title: str
    kind: str
    authors: str | None
    year: int | None
    url: str | None
    summary: str
    sections: tuple[str, ...]

    @property
    def citation(self) -> str:
        """Authors (year). Title, or the title alone when the source names no authors."""
        who = f"{self.authors} ({self.year}). " if self.authors and self.year else ""
        return f"{who}{self.title}"


@dataclass(frozen=True)
class ObjectiveInfo:
    id: str
    topic: str
    statement: str


def topics(session: Session) -> list[TopicInfo]:
    """The topics in the order of topics.yaml."""
    rows = session.scalars(select(TopicRow).order_by(TopicRow.position, TopicRow.id))
    return [TopicInfo(r.id, r.name, r.description or "") for r in rows]


def topic_names(session: Session) -> dict[str, str]:
    """Topic id -> readable name, in the bank's order."""
    return {t.id: t.name for t in topics(session)}


def sources(session: Session) -> dict[str, SourceInfo]:
    """Source id -> what is known of it, in the order of sources.yaml."""
    rows = session.scalars(select(SourceRow).order_by(SourceRow.position, SourceRow.id))
    return {r.id: SourceInfo(r.id, r.title, r.kind, r.authors, r.year, r.url, r.summary or "",
                             tuple(str(x) for x in (r.sections or []))) for r in rows}


def objectives(session: Session, topic: str | None = None) -> dict[str, ObjectiveInfo]:
    """Objective id -> its topic and statement (of one topic, if given), sorted by id."""
    q = select(ObjectiveRow).order_by(ObjectiveRow.id)
    if topic is not None:
        q = q.where(ObjectiveRow.topic == topic)
    return {r.id: ObjectiveInfo(r.id, r.topic, r.statement) for r in session.scalars(q)}


def read_with(sessions: Callable[[], Any], fn: Callable[[Session], T], default: T) -> T:
    """``fn(session)`` in a short read-only session from ``sessions`` (a sessionmaker); ``default`` if the
    database cannot answer (e.g. not migrated yet), so a page can still show ids instead of names."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with sessions() as session:
            return fn(session)
    except SQLAlchemyError:
        return default
