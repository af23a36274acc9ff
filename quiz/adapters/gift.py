"""Moodle GIFT: read it into our questions and write our questions as GIFT. Pure text in, text out.

Mapping (``/work/shared/REFERENCE.md`` section 3):

=====================================  ===============================================================
GIFT                                   here
=====================================  ===============================================================
``{=right ~wrong ~wrong}``             ``single`` (one ``=``; a ``~%50%`` partial-credit option is refused)
``{~%50%a ~%50%b ~%-50%c ~%-50%d}``    ``multiple``: the options with a positive weight are the key. Moodle
                                       scores the chosen weights added, kept in 0..100%. When that equals our
                                       ``partial`` rule for every possible answer (+100/R per right option,
                                       -100/W per wrong one) or ``all_or_nothing`` (one right option, -100 per
                                       wrong one), the item takes that rule; any other weights (the positive ones
                                       adding up to 100, each from -100 to 100) import as ``scoring: weighted``
                                       with the weights as written, which scores exactly as Moodle does. A
                                       ``// scoring:`` line must agree with the weights, except the form our
                                       exporter writes for all-or-nothing with several right options, which
                                       Moodle cannot express: ``// scoring: all_or_nothing``, +100/R per right
                                       option, -100 per wrong one. ``// scoring: weighted`` keeps the weights
``{T}`` ``{FALSE#if wrong#if right}``  ``true_false``
``{#7:1}`` ``{#5..9}`` ``{#=7:1#fb}``  ``numeric`` (key and tolerance; a range becomes its middle +/- half)
``{=7 =7.0}``                          short answer whose accepted answers are one number: ``numeric``, exact
``::title::``                          the id, if the title is a valid id; otherwise an id is made from the
                                       topic and a hash of the stem (stable, so re-importing matches)
``$CATEGORY: a/b/topic``               the topic (last part of the path)
``#feedback`` / ``####general``        option feedback / the explanation
``text {~a =b} more text``             missing word: the stem with ``_____`` where the answers were
=====================================  ===============================================================

Refused, with the line number: matching (``->``), essay (``{}``), descriptions (no answer block), short
answers with text answers, several ``=`` in a multiple choice, multiple-response weights whose positive ones do
not add up to 100% or that lie outside -100..100% (Moodle refuses them too), a ``// scoring: partial`` or
``all_or_nothing`` line the weights contradict, partial numeric answers. One refused question means the caller
imports nothing (see services/bank_admin.py).

What GIFT cannot hold travels in comment lines, which Moodle ignores, just above the question::

    // source: clinic-faq-article | Aftercare
    // objective: aftercare.sun-protection
    // difficulty: hard
    // tags: course-planning, sun
    // review_note: check against current guidance
    // scoring: partial                 (or all_or_nothing, or weighted)
    // points: 2
    // unit: days
    // incorrect_feedback: Not within the accepted range.
    // case: {"id": "case-zoe", "title": ..., "scenario": ..., "position": 1, "size": 3}

An item with no ``// source:`` line takes the source the importer chose (required then). Missing option
feedback or explanation is filled with a visible placeholder, and such an item is imported as a draft with a
review note, never live. Writing is :mod:`quiz.adapters.gift_export` (every field; ordering items have no GIFT
form and are skipped), so exporting then importing gives the same items.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from quiz.domain.bank import (
    ID_PATTERN,
    LETTERS,
    WEIGHT_SLACK,
    WEIGHT_TOTAL,
    CaseInfo,
    ItemError,
    Option,
    Question,
    SourceRef,
    question_from_authoring,
)
from quiz.domain.scoring import score_fraction

PLACEHOLDER_RIGHT = "Right."
PLACEHOLDER_WRONG = "Not the best answer."
PLACEHOLDER_EXPLANATION = "No explanation was imported; a trainer must write one before approving this item."
PLACEHOLDER_NOTE = "Imported without {what}: write {them} before approving."

META_KEYS = ("source", "objective", "difficulty", "tags", "review_note", "scoring", "points", "unit",
             "incorrect_feedback", "case")


@dataclass(frozen=True, order=True)
class ImportProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ImportedQuestion:
    question: Question
    line: int
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    questions: list[ImportedQuestion] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class ImportDefaults:
    """What the importer chose for items whose file does not say."""

    topic: str | None = None
    source: SourceRef | None = None
    difficulty: str = "medium"
    status: str = "draft"


class _Refused(Exception):
    """A question that cannot be imported; located by an offset into its text or by a file line."""

    def __init__(self, message: str, offset: int | None = None, *, line: int | None = None):
        super().__init__(message)
        self.offset = offset
        self.line = line


# -- escapes ----------------------------------------------------------------------------------------------------

_ESCAPES = {"\\\\": "\ue000", "\\~": "\ue001", "\\=": "\ue002", "\\#": "\ue003", "\\{": "\ue004",
            "\\}": "\ue005", "\\:": "\ue006", "\\n": "\ue007"}
_RESTORE = {"\ue000": "\\", "\ue001": "~", "\ue002": "=", "\ue003": "#", "\ue004": "{", "\ue005": "}",
            "\ue006": ":", "\ue007": "\n"}
_ESCAPE_RE = re.compile(r"\\[\\~=#{}:n]")


def _protect(text: str) -> str:
    return _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(0)], text)


def _restore(text: str) -> str:
    for k, v in _RESTORE.items():
        text = text.replace(k, v)
    return text


def escape(text: str) -> str:
    """GIFT-escape a text for a stem, option or feedback (one line: newlines become ``\\n``)."""
    out = text.replace("\\", "\\\\")
    for ch in "~=#{}:":
        out = out.replace(ch, "\\" + ch)
    return out.replace("\r\n", "\n").replace("\n", "\\n")


def meta_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\r\n", "\n").replace("\n", "\\n")


def _meta_unescape(text: str) -> str:
    return re.sub(r"\\([\\n])", lambda m: "\n" if m.group(1) == "n" else "\\", text)


def weight_text(value: float) -> str:
    """A GIFT weight without needless decimals: 50.0 -> "50", 33.333333 -> "33.33333"."""
    return f"{value:.5f}".rstrip("0").rstrip(".")


# -- reading ----------------------------------------------------------------------------------------------------

_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_WEIGHT_RE = re.compile(r"^\s*%(-?\d+(?:\.\d+)?)%")
_FORMAT_RE = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
_TF_RE = re.compile(r"^(TRUE|FALSE|T|F)\s*(?:#([^#]*))?(?:#([^#]*))?$", re.IGNORECASE | re.DOTALL)


def _number(text: str) -> int | float:
    t = text.strip()
    if not re.fullmatch(_NUMBER, t):
        raise ValueError(t)
    return int(t) if re.fullmatch(r"[-+]?\d+", t) else float(t)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.strip().lower()).strip("-")


def generated_id(topic: str, stem: str) -> str:
    """A stable id for an item whose file gives none: topic, 'imp', and a hash of the stem."""
    digest = hashlib.sha1(" ".join(stem.lower().split()).encode("utf-8")).hexdigest()[:8]
    return f"{slug(topic) or 'item'}-imp-{digest}"


def parse_gift(text: str, defaults: ImportDefaults | None = None) -> ImportResult:
    """Read a GIFT file. Every problem is collected (with its line); the caller imports only if there is none."""
    defaults = defaults or ImportDefaults()
    result = ImportResult()
    topic = defaults.topic
    seen_ids: dict[str, int] = {}
    for _start, lines in _blocks(text):
        meta: dict[str, tuple[int, str]] = {}
        body: list[tuple[int, str]] = []
        for n, line in lines:
            stripped = line.strip()
            if stripped.startswith("//"):
                m = re.match(r"//\s*([a-z_]+)\s*:\s*(.*)$", stripped)
                if m and m.group(1) in META_KEYS:
                    meta[m.group(1)] = (n, _meta_unescape(m.group(2).strip()))
                continue
            body.append((n, line))
        if body and body[0][1].strip().upper().startswith("$CATEGORY:"):
            n, line = body.pop(0)
            path = line.strip()[len("$CATEGORY:"):].strip()
            topic = slug(path.rstrip("/").split("/")[-1]) or None
            if topic is None:
                result.problems.append(ImportProblem(n, "empty $CATEGORY: line"))
        if not body:
            continue
        first_line = body[0][0]
        try:
            item = _parse_question(body, meta, topic, defaults)
        except _Refused as err:
            result.problems.append(ImportProblem(err.line or _line_at(body, err.offset), str(err)))
            continue
        except ItemError as err:
            result.problems.extend(ImportProblem(first_line, p) for p in err.problems)
            continue
        qid = item.question.id
        if qid in seen_ids:
            result.problems.append(ImportProblem(first_line, f"duplicate id {qid!r} (also at line {seen_ids[qid]})"))
            continue
        seen_ids[qid] = first_line
        item.line = first_line
        result.questions.append(item)
    result.problems.sort()
    return result


def _blocks(text: str) -> Iterable[tuple[int, list[tuple[int, str]]]]:
    """Runs of non-blank lines, with 1-based line numbers."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    block: list[tuple[int, str]] = []
    for n, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            block.append((n, line))
        elif block:
            yield block[0][0], block
            block = []
    if block:
        yield block[0][0], block


def _line_at(body: list[tuple[int, str]], offset: int | None) -> int:
    """The file line of a character offset into the protected question text (lines joined by newlines)."""
    if offset is None:
        return body[0][0]
    pos = 0
    for n, line in body:
        length = len(_protect(line)) + 1
        if offset < pos + length:
            return n
        pos += length
    return body[-1][0]


def _clean_text(text: str, fmt: str | None) -> str:
    """Protected GIFT text -> plain text: line breaks of the file become spaces, escaped ``\\n`` newlines."""
    text = _restore(re.sub(r"[ \t]*\n\s*", " ", text))
    if fmt == "html":
        text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return text.strip()


def _parse_question(body: list[tuple[int, str]], meta: dict[str, tuple[int, str]], topic: str | None,
                    defaults: ImportDefaults) -> ImportedQuestion:
    raw = _protect("\n".join(line for _, line in body))
    pos = 0
    title = None
    m = re.match(r"\s*::(.*?)::", raw, re.DOTALL)
    if m:
        title = _restore(m.group(1)).strip()
        pos = m.end()
    fmt = None
    fm = _FORMAT_RE.match(raw[pos:])
    if fm:
        fmt = fm.group(1).lower()
        pos += fm.end()
    open_at = raw.find("{", pos)
    if open_at < 0:
        raise _Refused("no answer block {...}: a description or a question without answers cannot be imported",
                       pos)
    close_at = raw.find("}", open_at)
    if close_at < 0:
        raise _Refused("the answer block opened here is not closed with }", open_at)
    before, answers, after = raw[pos:open_at], raw[open_at + 1:close_at], raw[close_at + 1:]
    if "{" in after:
        raise _Refused("more than one answer block in one question (cloze) cannot be imported", close_at + 1)
    stem = _clean_text(before, fmt)
    if after.strip():
        stem = f"{stem} _____ {_clean_text(after, fmt)}".strip()
    if not stem:
        raise _Refused("the question has no text", pos)
    warnings: list[str] = []
    if fmt == "html":
        warnings.append("HTML tags were removed from the text")

    general = None
    gf = answers.find("####")
    if gf >= 0:
        general = _clean_text(answers[gf + 4:], fmt) or None
        answers = answers[:gf]
    data = _answers_to_fields(answers, open_at + 1, fmt, meta, warnings)

    # topic, id, source, the rest of the metadata
    item_topic = topic
    if not item_topic:
        raise _Refused("no topic: put a '$CATEGORY: <topic>' line before the questions or choose a topic to "
                       "import into")
    data["topic"] = item_topic
    if title and re.fullmatch(ID_PATTERN, title):
        data["id"] = title
    else:
        data["id"] = generated_id(item_topic, stem)
        if title:
            warnings.append(f"title {title!r} is not an id (lower-case words joined by '-'); the item is "
                            f"{data['id']}")
    data["stem"] = stem
    if "source" in meta:
        n, value = meta["source"]
        sid, sep, section = value.partition("|")
        if not sep or not sid.strip() or not section.strip():
            raise _Refused("write the source as '// source: <source id> | <section>'", line=n)
        data["source"] = {"id": sid.strip(), "section": section.strip()}
    elif defaults.source is not None:
        data["source"] = defaults.source.model_dump()
    else:
        raise _Refused("no source: add '// source: <source id> | <section>' above the question or choose a "
                       "source for the import")
    data["difficulty"] = meta["difficulty"][1] if "difficulty" in meta else defaults.difficulty
    if "tags" in meta:
        data["tags"] = [t.strip() for t in meta["tags"][1].split(",") if t.strip()]
    if "review_note" in meta:
        data["review_note"] = meta["review_note"][1]
    if "objective" in meta and meta["objective"][1].strip():
        data["objective"] = meta["objective"][1].strip()
    if "points" in meta:
        try:
            data["points"] = _number(meta["points"][1])
        except ValueError:
            raise _Refused("points must be a number", line=meta["points"][0]) from None
    case = None
    if "case" in meta:
        try:
            case = CaseInfo.model_validate(json.loads(meta["case"][1]))
        except (ValueError, TypeError) as err:
            raise _Refused(f"the case line is not valid: {err}", line=meta["case"][0]) from None
    placeholders = data.pop("_placeholders", [])
    if general:
        data["explanation"] = general
    else:
        data["explanation"] = PLACEHOLDER_EXPLANATION
        placeholders.append("an explanation (#### general feedback)")
    status = defaults.status
    if placeholders:
        what = " and ".join(dict.fromkeys(placeholders))
        if status == "live":
            warnings.append(f"imported as a draft, not live: it has no {what}")
        status = "draft"
        if not data.get("review_note"):
            data["review_note"] = PLACEHOLDER_NOTE.format(what=what, them="them" if " and " in what else "it")
        warnings.append(f"no {what}: a placeholder was put in")
    data["status"] = status
    return ImportedQuestion(question_from_authoring(data, case=case), line=0, warnings=warnings)


def _split_answers(text: str, base: int) -> list[tuple[str, float | None, str, str | None, int]]:
    """``=a#fb ~%50%b`` -> [(marker, weight, text, feedback, offset)]; text before the first marker is refused."""
    parts = re.split(r"([=~])", text)
    if parts[0].strip():
        raise _Refused(f"unexpected text {_restore(parts[0].strip())!r} before the first answer", base)
    out = []
    offset = base + len(parts[0])
    for marker, chunk in zip(parts[1::2], parts[2::2]):
        weight = None
        wm = _WEIGHT_RE.match(chunk)
        body = chunk
        if wm:
            weight = float(wm.group(1))
            body = chunk[wm.end():]
        answer, _, fb = body.partition("#")
        out.append((marker, weight, answer, fb if "#" in body else None, offset))
        offset += 1 + len(chunk)
    return out


def _answers_to_fields(text: str, base: int, fmt: str | None, meta: dict[str, tuple[int, str]],
                       warnings: list[str]) -> dict[str, Any]:
    stripped = text.strip()
    if not stripped:
        raise _Refused("an essay question ({} with no answers) cannot be imported", base)
    if stripped.startswith("#"):
        return _numeric(text[text.index("#") + 1:], base + text.index("#") + 1, meta, warnings)
    tf = _TF_RE.match(stripped)
    if tf:
        key = tf.group(1).upper().startswith("T")
        wrong_fb = _clean_text(tf.group(2), fmt) if tf.group(2) else None
        right_fb = _clean_text(tf.group(3), fmt) if tf.group(3) else None
        placeholders = [] if wrong_fb and right_fb else ["feedback for each answer"]
        right_fb, wrong_fb = right_fb or PLACEHOLDER_RIGHT, wrong_fb or PLACEHOLDER_WRONG
        fb = {"true": right_fb, "false": wrong_fb} if key else {"true": wrong_fb, "false": right_fb}
        return {"type": "true_false", "key": key, "feedback": fb, "_placeholders": placeholders}
    if "->" in stripped and "=" in stripped:
        raise _Refused("a matching question (a -> b) cannot be imported: there is no matching type here", base)
    answers = _split_answers(text, base)
    if not answers:
        raise _Refused("cannot tell the question type from this answer block", base)
    if "~" not in stripped:
        return _short_answer(answers, warnings)
    return _choice(answers, fmt, meta)


def _options(answers, fmt: str | None) -> tuple[list[dict[str, str]], bool]:  # noqa: ANN001
    options, missing = [], False
    for marker, weight, text, fb, offset in answers:
        option_text = _clean_text(text, fmt)
        if not option_text:
            raise _Refused("an answer with no text", offset)
        right = marker == "=" or (weight is not None and weight > 0)
        feedback = _clean_text(fb, fmt) if fb else ""
        if not feedback:
            missing = True
            feedback = PLACEHOLDER_RIGHT if right else PLACEHOLDER_WRONG
        options.append({"text": option_text, "feedback": feedback})
    return options, missing


def _choice(answers, fmt: str | None, meta: dict[str, tuple[int, str]]) -> dict[str, Any]:  # noqa: ANN001
    if len(answers) > len(LETTERS):
        raise _Refused(f"{len(answers)} answers: at most {len(LETTERS)} are allowed", answers[0][4])
    options, missing = _options(answers, fmt)
    placeholders = ["feedback for each option"] if missing else []
    equals = [i for i, a in enumerate(answers) if a[0] == "="]
    if len(equals) > 1:
        raise _Refused("several '=' answers in a multiple-choice question: for multiple response, weigh the right "
                       "options with %n% and use no '='", answers[equals[1]][4])
    if len(equals) == 1:
        i = equals[0]
        if answers[i][1] not in (None, 100.0):
            raise _Refused(f"the right answer carries {answers[i][1]:g}%: a single-answer item scores all or "
                           "nothing", answers[i][4])
        for marker, weight, _t, _f, offset in answers:
            if marker == "~" and weight not in (None, 0.0):
                raise _Refused(f"partial credit on a wrong option ({weight:g}%) cannot be mapped: a single-answer "
                               "item scores all or nothing", offset)
        return {"type": "single", "options": options, "key": LETTERS[i], "_placeholders": placeholders}
    # multiple response, weighted
    right = [i for i, a in enumerate(answers) if (a[1] or 0) > 0]
    if not right:
        raise _Refused("no right answer: mark it with '=' or give the right options a positive %weight%",
                       answers[0][4])
    total = sum(answers[i][1] for i in right)
    if abs(total - WEIGHT_TOTAL) > WEIGHT_SLACK + 1e-9:
        weights = ", ".join(f"{answers[j][1]:g}%" for j in right)
        raise _Refused(f"the right options weigh {weights}, {total:g}% in all: the positive weights of a "
                       "multiple-response item add up to 100%", answers[right[0]][4])
    declared = None
    if "scoring" in meta:
        meta_line, declared = meta["scoring"]
        if declared not in ("partial", "all_or_nothing", "weighted"):
            raise _Refused(f"unknown scoring {declared!r}: write '// scoring: partial', "
                           "'// scoring: all_or_nothing' or '// scoring: weighted'", line=meta_line)
    r = len(right)
    equal = all(abs(answers[i][1] - 100.0 / r) <= 0.01 for i in right)
    if declared in ("partial", "all_or_nothing") and not equal:
        weights = ", ".join(f"{answers[j][1]:g}%" for j in right)
        raise _Refused(f"the '// scoring: {declared}' line does not match the weights: the right options weigh "
                       f"{weights}, and with {declared.replace('_', ' ')} every right option weighs the same "
                       f"({100 / r:.5g}% each); write '// scoring: weighted' to keep these weights",
                       answers[right[0]][4])
    scoring = "weighted" if declared == "weighted" or not equal else _multiple_scoring(answers, right, declared)
    data: dict[str, Any] = {"type": "multiple", "options": options, "scoring": scoring,
                            "_placeholders": placeholders}
    if scoring == "weighted":  # the weights as written (a wrong option with none weighs 0%, as in Moodle)
        for _marker, weight, _t, _f, offset in answers:
            if weight is not None and not -100.0 <= weight <= 100.0:
                raise _Refused(f"an answer weighs {weight:g}%: a weight is from -100% to 100%", offset)
        for option, answer in zip(options, answers):
            option["weight"] = answer[1] or 0.0
    else:
        data["key"] = [LETTERS[i] for i in right]
    return data


_SAME = 1e-4  # scores (0..1) this close are the same: GIFT weights are written with a few decimals


def _multiple_scoring(answers, right: list[int], declared: str | None) -> str:  # noqa: ANN001
    """The rule under which we score every answer as Moodle scores these weights (the right ones equal).

    ``partial`` or ``all_or_nothing`` when one of them scores every answer as Moodle does; otherwise
    ``weighted`` (the weights kept as written, which is Moodle's own rule). ``declared`` is the rule of a
    ``// scoring:`` line (it must agree). The one exception is all-or-nothing with several right options, which
    Moodle cannot express: accepted in the form our exporter writes (declared, and -100% on each wrong option).
    A declared rule the weights contradict is refused with an answer that would score differently.
    """
    weights = [(a[1] or 0.0) / 100.0 for a in answers]
    wrong = [i for i in range(len(answers)) if i not in right]
    rules = [declared] if declared else ["partial", "all_or_nothing"]
    differences = {rule: _first_difference(weights, right, rule) for rule in rules}
    for rule in rules:
        if differences[rule] is None:
            return rule
    if declared == "all_or_nothing" and all(weights[i] <= -1.0 + _SAME for i in wrong):
        return declared
    if not declared:
        return "weighted"
    # Refused: say where the scores part, how to write it, and point at the first wrong option that does not fit.
    r, w = len(right), len(wrong)
    penalty = -1.0 if declared == "all_or_nothing" else -1.0 / w if w else 0.0
    offset = next((answers[i][4] for i in wrong if abs(weights[i] - penalty) > _SAME), answers[0][4])
    if declared == "partial":
        each_right = weight_text(100.0 / r)
        how = (f"for partial scoring weigh each right option {each_right}% and each wrong option "
               f"{weight_text(-100.0 / w)}%" if w else f"for partial scoring weigh each option {each_right}%")
    else:
        how = "for all or nothing weigh each wrong option -100%"
    raise _Refused(f"the '// scoring: {declared}' line does not match the weights: "
                   f"{_difference_text(differences[declared])}. {how[0].upper()}{how[1:]}, or write "
                   "'// scoring: weighted' to keep these weights (scored as Moodle scores them).", offset)


def _first_difference(weights: list[float], right: list[int], rule: str) -> tuple[list[int], float, float] | None:
    """An answer (the fewest options first) whose Moodle score differs from ours under ``rule``, or None.

    Moodle adds the chosen options' weights and keeps the sum in 0..1. For k right and m wrong picks the sums
    lie between those of the k + m lowest and of the k + m highest weights, and our score depends only on k and
    m, so comparing those two answers for every k and m compares every answer.
    """
    wrong = [i for i in range(len(weights)) if i not in right]
    question = Question.model_construct(type="multiple", key=sorted(right), scoring=rule,
                                        options=[Option.model_construct(text=str(i)) for i in range(len(weights))])
    r_low, r_high = sorted(right, key=lambda i: (weights[i], i)), sorted(right, key=lambda i: (-weights[i], i))
    w_low, w_high = sorted(wrong, key=lambda i: (weights[i], i)), sorted(wrong, key=lambda i: (-weights[i], i))
    for size in range(1, len(weights) + 1):
        for k in range(max(0, size - len(wrong)), min(len(right), size) + 1):
            for picked in (r_low[:k] + w_low[:size - k], r_high[:k] + w_high[:size - k]):
                moodle = min(1.0, max(0.0, sum(weights[i] for i in picked)))
                ours = score_fraction(question, sorted(picked))
                if abs(moodle - ours) > _SAME:
                    return sorted(picked), moodle, ours
    return None


def _difference_text(difference: tuple[list[int], float, float] | None) -> str:
    picked, moodle, ours = difference or ([], 0.0, 0.0)
    names = [LETTERS[i] for i in picked]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"picking {listed} earns {moodle * 100:.4g}% in Moodle but {ours * 100:.4g}% here"


def _short_answer(answers, warnings: list[str]) -> dict[str, Any]:  # noqa: ANN001
    values = []
    for _marker, weight, text, _fb, offset in answers:
        if weight not in (None, 100.0):
            raise _Refused(f"a short-answer answer with {weight:g}% credit cannot be mapped", offset)
        try:
            values.append(_number(_restore(text)))
        except ValueError:
            raise _Refused(f"a short-answer question with a text answer ({_restore(text).strip()!r}) cannot be "
                           "imported: the platform has no free-text type", offset) from None
    if len({float(v) for v in values}) != 1:
        raise _Refused("a short-answer question with several different numbers cannot be mapped", answers[0][4])
    warnings.append("short answer imported as a numeric item (exact answer)")
    fb = next((_clean_text(a[3], None) for a in answers if a[3]), None)
    data: dict[str, Any] = {"type": "numeric", "key": values[0], "tolerance": 0}
    if fb:
        data["feedback"] = {"correct": fb, "incorrect": PLACEHOLDER_WRONG}
    return data


def _numeric(text: str, base: int, meta: dict[str, tuple[int, str]], warnings: list[str]) -> dict[str, Any]:
    fb = None
    if "=" in text or "~" in text:
        answers = _split_answers(text, base)
        full = [a for a in answers if a[0] == "=" and a[1] in (None, 100.0)]
        for marker, weight, _t, _f, offset in answers:
            if (marker == "=" and weight not in (None, 100.0)) or (marker == "~" and _restore(_t).strip()):
                raise _Refused("a numeric answer with partial credit cannot be mapped: one right value (with its "
                               "tolerance) scores here", offset)
        if len(full) != 1:
            raise _Refused("a numeric question needs exactly one right value", base)
        _m, _w, value_text, fb_text, offset = full[0]
        fb = _clean_text(fb_text, None) if fb_text else None
    else:
        value_text, offset = text, base
    value = _restore(value_text).strip()
    try:
        if ".." in value:
            lo, hi = (_number(v) for v in value.split("..", 1))
            if hi < lo:
                raise _Refused(f"the range {value} runs backwards", offset)
            key: int | float = (lo + hi) / 2
            tolerance: int | float = (hi - lo) / 2
        elif ":" in value:
            k, t = value.split(":", 1)
            key, tolerance = _number(k), _number(t)
        else:
            key, tolerance = _number(value), 0
    except ValueError:
        raise _Refused(f"{value!r} is not a number, a number:tolerance or a min..max range", offset) from None
    data: dict[str, Any] = {"type": "numeric", "key": key, "tolerance": tolerance}
    if "unit" in meta:
        data["unit"] = meta["unit"][1]
    incorrect = meta["incorrect_feedback"][1] if "incorrect_feedback" in meta else None
    if fb or incorrect:
        data["feedback"] = {"correct": fb or PLACEHOLDER_RIGHT, "incorrect": incorrect or PLACEHOLDER_WRONG}
    return data
