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
import math
import re
import string
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)

QuestionType = Literal["single", "multiple", "true_false", "ordering", "numeric"]
Difficulty = Literal["easy", "medium", "hard"]
Status = Literal["draft", "live", "retired"]
ScoringRule = Literal["all_or_nothing", "partial", "weighted"]

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


WEIGHT_TOTAL = 100.0  # the right options' weights of a ``weighted`` item add up to this (percent)
WEIGHT_SLACK = 0.01  # ... within this, so that thirds written 33.33 or 33.33333 are accepted


class Option(_Strict):
    text: str = Field(min_length=1)
    feedback: str = Field(min_length=1)
    # percent of the item's points, for ``scoring: weighted`` only; absent otherwise (and then left out of the
    # stored content, so items without weights keep their content hash)
    weight: float | None = None

    @model_serializer(mode="wrap")
    def _without_absent_weight(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data = handler(self)
        if isinstance(data, dict) and data.get("weight") is None:
            data.pop("weight", None)
        return data


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
    def weights(self) -> list[float]:
        """Each option's weight in percent (``scoring: weighted``); empty for any other rule."""
        if self.scoring != "weighted":
            return []
        return [float(o.weight or 0.0) for o in self.options]

    @property
    def correct_indexes(self) -> list[int]:
        """Indexes of the options that are right (single, multiple, true/false); empty for others.
        For a weighted item: the options with a positive weight (its key)."""
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
    problems.extend(weight_problems(q))
    if q.status == "draft" and not (q.review_note or "").strip() and q.source.id == "nos-skansc":
        problems.append("a draft citing material outside the articles needs a review_note")
    return problems


def _percent(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") + "%"


def weight_problems(q: Question) -> list[str]:
    """The rules of ``scoring: weighted`` (each problem names the option): only multiple-response items use it,
    every option has a weight from -100 to 100 (percent of the item's points), the positive weights add up to
    100 (within 0.01) and the key is exactly the options with a positive weight. Other rules carry no weights."""
    weighted = [LETTERS[i] for i, o in enumerate(q.options[:26]) if o.weight is not None]
    if q.scoring != "weighted":
        return [f"option {letter} has a weight, but weights count only with scoring: weighted (the item's scoring "
                f"is {q.scoring})" for letter in weighted]
    if q.type != "multiple":
        return [f"weighted scoring applies to multiple items only (this one is {q.type})"]
    problems = [f"option {LETTERS[i]} has no weight: with scoring: weighted every option has one (0 for a wrong "
                "option that costs nothing)" for i, o in enumerate(q.options[:26]) if o.weight is None]
    for i, o in enumerate(q.options[:26]):
        if o.weight is not None and not -100.0 <= o.weight <= 100.0:
            problems.append(f"option {LETTERS[i]} weighs {_percent(o.weight)}: a weight is from -100 to 100 "
                            "(percent of the item's points)")
    positive = [(LETTERS[i], o.weight) for i, o in enumerate(q.options[:26]) if o.weight is not None and o.weight > 0]
    total = sum(w for _, w in positive)
    if not positive:
        problems.append("no option has a positive weight: give the right options weights adding up to 100")
    elif abs(total - WEIGHT_TOTAL) > WEIGHT_SLACK + 1e-9:
        listed = ", ".join(f"{letter} {_percent(w)}" for letter, w in positive)
        problems.append(f"the right options' weights add up to {_percent(total)}, not 100% ({listed})")
    right = sorted(i for i, o in enumerate(q.options) if o.weight is not None and o.weight > 0)
    if positive and isinstance(q.key, list) and sorted(q.key) != right:
        problems.append(f"the key ({', '.join(LETTERS[k] for k in sorted(q.key) if 0 <= k < 26)}) is not the "
                        f"options with a positive weight ({', '.join(LETTERS[i] for i in right)}); leave the key "
                        "out of a weighted item, the weights say which options are right")
    return problems


class ItemError(ValueError):
    """An item could not be read; ``problems`` holds every reason, each a sentence."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _checked_weights(opts: list[Any], problems: list[str]) -> list[Any]:
    """The options with every ``weight`` that is not a finite number reported (naming the option) and dropped,
    so that the remaining checks still run."""
    out = []
    for i, o in enumerate(opts):
        if isinstance(o, dict) and o.get("weight") is not None:
            w = o["weight"]
            if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w):
                problems.append(f"option {LETTERS[i % 26]}: weight {w!r} is not a number (a percent of the item's "
                                "points, e.g. 50 or -25)")
                o = {k: v for k, v in o.items() if k != "weight"}
        out.append(o)
    return out


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
    if isinstance(data.get("options"), list):
        data["options"] = opts = _checked_weights(opts, problems)
    if qtype == "multiple" and data.get("scoring") == "weighted" and "key" not in data and isinstance(opts, list):
        # the weights say which options are right: the key is the options with a positive weight
        positive = [LETTERS[i] for i, o in enumerate(opts[:26])
                    if isinstance(o, dict) and isinstance(o.get("weight"), (int, float)) and o["weight"] > 0]
        data["key"] = positive or [LETTERS[0]]
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
        if q.scoring == "weighted":
            d.pop("key")  # the options with a positive weight are the key
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
