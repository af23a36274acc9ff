"""Moodle's Aiken format (import only): single-answer multiple choice, one question after another::

    What should a client avoid for a few days after treatment?
    A. Sunscreen
    B) Direct sun
    C. Drinking water
    ANSWER: B

The question text may run over several lines (joined with spaces); options are lettered in order from A,
with ``A.`` or ``A)``; ``ANSWER:`` ends the question. Blank lines between questions are optional.

Aiken carries no topic, source, feedback or explanation: the importer chooses the topic and source
(:class:`quiz.adapters.gift.ImportDefaults`), and feedback and explanation get placeholders, so every Aiken item
is imported as a draft with a review note (see quiz/adapters/gift.py). Every problem is reported with its line;
the caller imports nothing unless there is none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from quiz.adapters.gift import (
    PLACEHOLDER_EXPLANATION,
    PLACEHOLDER_NOTE,
    PLACEHOLDER_RIGHT,
    PLACEHOLDER_WRONG,
    ImportDefaults,
    ImportedQuestion,
    ImportProblem,
    ImportResult,
    generated_id,
)
from quiz.domain.bank import LETTERS, ItemError, question_from_authoring

_OPTION_RE = re.compile(r"^([A-Z])[.)]\s+(.*\S)\s*$")
_ANSWER_RE = re.compile(r"^ANSWER\s*:\s*(.*?)\s*$", re.IGNORECASE)


@dataclass
class _Pending:
    line: int
    stem: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)


def parse_aiken(text: str, defaults: ImportDefaults | None = None) -> ImportResult:
    defaults = defaults or ImportDefaults()
    result = ImportResult()
    if not defaults.topic:
        result.problems.append(ImportProblem(1, "an Aiken file has no topics: choose the topic to import into"))
    if defaults.source is None:
        result.problems.append(ImportProblem(1, "an Aiken file cites no source: choose the source its items cite"))
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    pending: _Pending | None = None
    seen: dict[str, int] = {}
    for n, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        answer = _ANSWER_RE.match(line)
        option = _OPTION_RE.match(line)
        if answer:
            if pending is None or not pending.options:
                result.problems.append(ImportProblem(n, "ANSWER: line without a question and its options above"))
                pending = None
                continue
            _finish(pending, answer.group(1), n, defaults, result, seen)
            pending = None
        elif option and pending is not None and pending.stem:
            letter, option_text = option.groups()
            expected = LETTERS[len(pending.options)] if len(pending.options) < len(LETTERS) else "?"
            if letter != expected:
                result.problems.append(ImportProblem(n, f"option {letter} is out of order: expected {expected}"))
                pending.options.append(option_text)  # keep counting so later letters are checked too
                continue
            pending.options.append(option_text)
        elif pending is not None and pending.options:
            result.problems.append(ImportProblem(pending.line, "question without an 'ANSWER: <letter>' line after "
                                                               "its options"))
            pending = _Pending(n, [line])
        elif pending is None:
            pending = _Pending(n, [line])
        else:
            pending.stem.append(line)
    if pending is not None:
        result.problems.append(ImportProblem(pending.line, "question without an 'ANSWER: <letter>' line after its "
                                                           "options" if pending.options else
                                                           "question without options (A. ..., B. ...) or ANSWER:"))
    result.problems.sort()
    return result


def _finish(p: _Pending, letter: str, answer_line: int, defaults: ImportDefaults, result: ImportResult,
            seen: dict[str, int]) -> None:
    letter = letter.strip().upper()
    if len(p.options) < 2:
        result.problems.append(ImportProblem(p.line, f"a question needs at least 2 options, it has {len(p.options)}"))
        return
    if len(letter) != 1 or letter not in LETTERS[:len(p.options)]:
        result.problems.append(ImportProblem(
            answer_line, f"ANSWER: {letter or '(empty)'} is not one of the options A to {LETTERS[len(p.options) - 1]}"))
        return
    if not defaults.topic or defaults.source is None:
        return
    stem = " ".join(p.stem)
    key = LETTERS.index(letter)
    data = {
        "id": generated_id(defaults.topic, stem), "topic": defaults.topic, "type": "single", "stem": stem,
        "options": [{"text": t, "feedback": PLACEHOLDER_RIGHT if i == key else PLACEHOLDER_WRONG}
                    for i, t in enumerate(p.options)],
        "key": letter, "explanation": PLACEHOLDER_EXPLANATION, "source": defaults.source.model_dump(),
        "difficulty": defaults.difficulty, "status": "draft",
        "review_note": PLACEHOLDER_NOTE.format(what="option feedback and an explanation", them="them"),
    }
    warnings = ["no option feedback and no explanation in Aiken: placeholders were put in"]
    if defaults.status == "live":
        warnings.append("imported as a draft, not live: it has no feedback or explanation yet")
    try:
        q = question_from_authoring(data)
    except ItemError as err:
        result.problems.extend(ImportProblem(p.line, msg) for msg in err.problems)
        return
    if q.id in seen:
        result.problems.append(ImportProblem(p.line, f"the same question as line {seen[q.id]}"))
        return
    seen[q.id] = p.line
    result.questions.append(ImportedQuestion(q, p.line, warnings))
