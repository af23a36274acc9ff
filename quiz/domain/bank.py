"""The question bank's models: what one question is, validated by pydantic.

Two forms of the same item:

* the *authoring* form, written by trainers in YAML (``question_bank/``): options are keyed by letters
  (``key: B``), a true/false item gives ``feedback: {true: ..., false: ...}``; see ``question_bank/README.md``;
* the *normalised* form (:class:`Question`), used everywhere else and stored as a question version in the
  database: keys are 0-based option indexes, a true/false item has two options ("True", "False").

:func:`question_from_authoring` turns the first into the second and raises :class:`ItemError` with every
problem it finds, each a sentence a trainer can act on.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

QuestionType = Literal["single", "multiple", "true_false", "ordering", "numeric"]
Difficulty = Literal["easy", "medium", "hard"]
Status = Literal["draft", "live", "retired"]
ScoringRule = Literal["all_or_nothing", "partial"]

QUESTION_TYPES: tuple[str, ...] = ("single", "multiple", "true_false", "ordering", "numeric")
DIFFICULTIES: tuple[str, ...] = ("easy", "medium", "hard")
STATUSES: tuple[str, ...] = ("draft", "live", "retired")
TYPE_LABELS = {
    "single": "Single best answer",
    "multiple": "Multiple response",
    "true_false": "True / false",
    "ordering": "Ordering",
    "numeric": "Numeric",
}

ID_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
OBJECTIVE_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*\.[a-z0-9]+([.-][a-z0-9]+)*$"
LETTERS = string.ascii_uppercase


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Option(_Strict):
    text: str = Field(min_length=1)
    feedback: str = Field(min_length=1)


class SourceRef(_Strict):
    id: str = Field(min_length=1)
    section: str = Field(min_length=1)


class CaseInfo(_Strict):
    """The shared scenario of a case set, copied into each of its items (so a version keeps what was shown)."""

    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1)
    scenario: str = Field(min_length=1)
    position: int = Field(ge=1)
    size: int = Field(ge=1)


class Question(_Strict):
    """One question in normalised form."""

    id: str = Field(pattern=ID_PATTERN)
    topic: str = Field(min_length=1)
    type: QuestionType
    stem: str = Field(min_length=1)
    options: list[Option] = Field(default_factory=list)
    key: bool | int | float | list[int]
    tolerance: float | None = None
    unit: str | None = None
    scoring: ScoringRule = "all_or_nothing"
    points: float = Field(default=1.0, gt=0)
    feedback: dict[str, str] = Field(default_factory=dict)
    explanation: str = Field(min_length=1)
    source: SourceRef
    difficulty: Difficulty
    status: Status
    tags: list[str] = Field(default_factory=list)
    review_note: str | None = None
    objective: str | None = None
    case: CaseInfo | None = None

    @field_validator("stem", "explanation")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value

    @model_validator(mode="after")
    def _check_shape(self) -> Question:
        problems = shape_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # -- derived facts -------------------------------------------------------------------------------
    @property
    def option_count(self) -> int:
        return len(self.options)

    @property
    def correct_indexes(self) -> list[int]:
        """Indexes of the options that are right (single, multiple, true/false); empty for others."""
        if self.type == "single":
            return [int(self.key)]
        if self.type == "multiple":
            return sorted(self.key)  # type: ignore[arg-type]
        if self.type == "true_false":
            return [0 if self.key else 1]
        return []

    def content_hash(self) -> str:
        """A stable hash of everything a trainee sees or is scored on (status excluded)."""
        data = self.model_dump(mode="json", exclude={"status"})
        blob = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def shape_problems(q: Question) -> list[str]:
    """Type-specific rules a normalised question must satisfy; each problem as a sentence."""
    problems: list[str] = []
    n = len(q.options)
    texts = [o.text.strip().lower() for o in q.options]
    seen: dict[str, int] = {}
    for i, t in enumerate(texts[:26]):
        if t in seen:
            problems.append(f"duplicate option text: option {LETTERS[i]} repeats option {LETTERS[seen[t]]}")
        seen.setdefault(t, i)
    if q.type in ("single", "multiple", "ordering") and n < 2:
        problems.append(f"a {q.type} item needs at least 2 options, it has {n}")
    if n > 26:
        problems.append("an item may have at most 26 options")
    if q.type == "single":
        if isinstance(q.key, bool) or not isinstance(q.key, int):
            problems.append("the key of a single item must be one option letter")
        elif not 0 <= q.key < n:
            problems.append(f"key is out of range: there are {n} options")
    elif q.type == "multiple":
        if not isinstance(q.key, list) or not q.key:
            problems.append("the key of a multiple item must list at least one option letter")
        else:
            if any(not 0 <= k < n for k in q.key):
                problems.append(f"key is out of range: there are {n} options")
            if len(set(q.key)) != len(q.key):
                problems.append("the key names an option twice")
    elif q.type == "ordering":
        if not isinstance(q.key, list) or sorted(q.key) != list(range(n)):
            problems.append(
                "the key of an ordering item must name every option exactly once (a full permutation of "
                f"{n} options)"
            )
    elif q.type == "true_false":
        if not isinstance(q.key, bool):
            problems.append("the key of a true_false item must be true or false")
        if [o.text for o in q.options] != ["True", "False"]:
            problems.append("a true_false item has exactly the options True and False")
    elif q.type == "numeric":
        if isinstance(q.key, (bool, list)):
            problems.append("the key of a numeric item must be a number")
        if q.tolerance is None:
            problems.append("a numeric item needs a tolerance (0 for an exact answer)")
        elif q.tolerance < 0:
            problems.append("tolerance must not be negative")
        if n:
            problems.append("a numeric item has no options")
    if q.type != "numeric" and q.tolerance is not None:
        problems.append("only numeric items have a tolerance")
    if q.scoring == "partial" and q.type not in ("multiple", "ordering"):
        problems.append("partial scoring applies to multiple and ordering items only")
    if q.status == "draft" and not (q.review_note or "").strip() and q.source.id == "nos-skansc":
        problems.append("a draft citing material outside the articles needs a review_note")
    return problems


class ItemError(ValueError):
    """An item could not be read; ``problems`` holds every reason, each a sentence."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _letter_to_index(value: Any, n: int, problems: list[str]) -> int | None:
    if isinstance(value, str) and len(value.strip()) == 1 and value.strip().upper() in LETTERS:
        idx = LETTERS.index(value.strip().upper())
        if idx >= n:
            last = LETTERS[n - 1] if n else "none"
            problems.append(f"key {value.strip().upper()} is out of range: the options run A to {last}")
            return None
        return idx
    problems.append(f"key {value!r} is not an option letter (A, B, C...)")
    return None


def _format_pydantic(err: ValidationError) -> list[str]:
    out = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"])
        if e["type"] == "missing":
            out.append(f"missing field '{loc}'")
        elif e["type"] == "extra_forbidden":
            out.append(f"unknown field '{loc}'")
        elif e["type"] == "literal_error":
            out.append(f"'{loc}' is {e.get('input')!r}; {e['msg'].replace('Input should be', 'expected')}")
        elif e["type"] == "value_error":
            msg = e["msg"].removeprefix("Value error, ")
            out.extend(m for m in msg.split("; ") if m) if not loc else out.append(f"{loc}: {msg}")
        elif e["type"] in ("string_too_short",) and loc in ("stem", "explanation"):
            out.append(f"empty {loc}")
        else:
            out.append(f"{loc}: {e['msg']}" if loc else e["msg"])
    return out


AUTHORING_FIELDS = {
    "id", "topic", "type", "stem", "options", "key", "tolerance", "unit", "scoring", "points", "feedback",
    "explanation", "source", "difficulty", "status", "tags", "review_note", "objective",
}


def question_from_authoring(raw: Any, *, default_topic: str | None = None, case: CaseInfo | None = None) -> Question:
    """Convert one YAML item (authoring form) into a :class:`Question`, or raise :class:`ItemError`."""
    if not isinstance(raw, dict):
        raise ItemError(["an item must be a mapping of fields (id, type, stem, ...)"])
    problems: list[str] = []
    data = dict(raw)
    if default_topic and "topic" not in data:
        data["topic"] = default_topic
    qtype = data.get("type")
    if qtype is not None and qtype not in QUESTION_TYPES:
        raise ItemError([f"unknown type {qtype!r}; expected one of {', '.join(QUESTION_TYPES)}"])
    for f in ("stem", "explanation"):
        if f in data and (data[f] is None or (isinstance(data[f], str) and not data[f].strip())):
            problems.append(f"empty {f}")
            data[f] = "?"  # placeholder so the remaining checks still run
    opts = data.get("options") or []
    n = len(opts) if isinstance(opts, list) else 0
    if isinstance(opts, list):
        seen: dict[str, int] = {}
        for i, o in enumerate(opts):
            text = str(o.get("text", "")).strip().lower() if isinstance(o, dict) else ""
            if text and text in seen:
                problems.append(f"duplicate option text: option {LETTERS[i]} repeats option {LETTERS[seen[text]]}")
            seen.setdefault(text, i)
    if qtype == "numeric" and data.get("tolerance") is None:
        problems.append("a numeric item needs a tolerance (0 for an exact answer)")
        data["tolerance"] = 0
    if "key" in data and qtype in ("single", "multiple", "ordering"):
        key = data["key"]
        if qtype == "single":
            idx = _letter_to_index(key, n, problems)
            data["key"] = idx if idx is not None else 0
        else:
            if not isinstance(key, list):
                key = [key]
            idxs = [_letter_to_index(k, n, problems) for k in key]
            data["key"] = [i for i in idxs if i is not None]
            if qtype == "ordering" and len(data["key"]) == len(key) and sorted(data["key"]) != list(range(n)):
                problems.append(
                    f"the key of an ordering item must name every option exactly once; got "
                    f"{', '.join(str(k) for k in key)} for {n} options"
                )
                data["key"] = list(range(n))
    if qtype == "true_false":
        fb = data.pop("feedback", None)
        if "options" in data:
            problems.append("a true_false item has no options; give feedback: {true: ..., false: ...}")
            data.pop("options")
        if not isinstance(fb, dict) or not {"true", "false"} <= {str(k).lower() for k in fb}:
            problems.append("a true_false item needs feedback for both answers: feedback: {true: ..., false: ...}")
            fb = {"true": "-", "false": "-"}
        fbl = {str(k).lower(): v for k, v in fb.items()}
        data["options"] = [{"text": "True", "feedback": fbl["true"]}, {"text": "False", "feedback": fbl["false"]}]
        data["feedback"] = {}
        if "key" in data and not isinstance(data["key"], bool):
            problems.append("the key of a true_false item must be true or false")
            data["key"] = True
    if qtype == "numeric":
        fb = data.get("feedback")
        if fb is not None and (not isinstance(fb, dict) or not {"correct", "incorrect"} <= set(fb)):
            problems.append("a numeric item's feedback must give both correct: and incorrect:")
            data.pop("feedback")
        if "key" in data and (isinstance(data["key"], bool) or not isinstance(data["key"], (int, float))):
            problems.append(f"the key of a numeric item must be a number, not {data['key']!r}")
            data["key"] = 0
    if case is not None:
        data["case"] = case
    try:
        q = Question.model_validate(data)
    except ValidationError as err:
        problems.extend(_format_pydantic(err))
        raise ItemError(_dedupe(problems)) from None
    if problems:
        raise ItemError(_dedupe(problems))
    return q


def question_to_authoring(q: Question) -> dict[str, Any]:
    """The inverse of :func:`question_from_authoring` (used by editors and exporters)."""
    d: dict[str, Any] = q.model_dump(mode="json", exclude_none=True, exclude={"case"})
    if q.type == "single":
        d["key"] = LETTERS[int(q.key)]
    elif q.type in ("multiple", "ordering"):
        d["key"] = [LETTERS[int(k)] for k in q.key]  # type: ignore[union-attr]
    elif q.type == "true_false":
        d["feedback"] = {"true": q.options[0].feedback, "false": q.options[1].feedback}
        d.pop("options", None)
    if not d.get("feedback"):
        d.pop("feedback", None)
    if not d.get("options"):
        d.pop("options", None)
    if not d.get("tags"):
        d.pop("tags", None)
    if d.get("scoring") == "all_or_nothing" and q.type not in ("multiple", "ordering"):
        d.pop("scoring")
    if d.get("points") == 1.0:
        d.pop("points")
    return d


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def normalise_stem(text: str) -> str:
    """Lower-case words only: used to find duplicate or near-identical stems."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


class Topic(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: str
    description: str = ""


class Source(_Strict):
    """A cited source: a seed article, or a named public reference (guideline, review, regulation, standard)."""

    id: str = Field(pattern=ID_PATTERN)
    title: str
    kind: str = "article"
    authors: str | None = None  # authors or issuing body
    year: int | None = None
    url: str | None = None
    summary: str = ""
    sections: list[str] = Field(default_factory=list)


class Objective(_Strict):
    """A learning objective: ``<topic>.<slug>`` and a one-line statement of what a trainee can do."""

    id: str = Field(pattern=OBJECTIVE_PATTERN)
    statement: str = Field(min_length=1)

    @property
    def topic(self) -> str:
        return objective_topic(self.id)


def objective_topic(objective_id: str) -> str:
    """The topic an objective belongs to: its id's prefix before the first dot."""
    return objective_id.split(".", 1)[0]


class Bank(BaseModel):
    """A whole validated bank: topics, sources, objectives and questions (case sets flattened into their items).

    ``locations`` maps an item id to the file and line it was read from (for linters and editors).
    """

    topics: list[Topic]
    sources: list[Source]
    questions: list[Question]
    objectives: list[Objective] = Field(default_factory=list)
    locations: dict[str, tuple[str, int]] = Field(default_factory=dict)

    def by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    def topic_names(self) -> dict[str, str]:
        return {t.id: t.name for t in self.topics}
