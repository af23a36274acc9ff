"""Read the question bank's YAML files, with every problem located as ``file:line: item-id: message``.

The loader never stops at the first problem: it reads every file, checks every item, then the whole bank
(duplicate ids and stems across files, unknown topics, sources and objectives, objectives with too many live
items). A bank with any problem is not returned by :func:`load_bank`, so nothing half-checked can reach the
database; :func:`read_bank` returns what could be read together with the problems (for linters).

Bank files are read defensively: YAML anchors and aliases are refused (no "billion laughs"), so is nesting deeper
than :data:`MAX_DEPTH` levels or a file larger than :data:`MAX_FILE_BYTES`, and a file that is not UTF-8 is a
located problem, never a traceback.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from quiz.domain.bank import (
    Bank,
    CaseInfo,
    ItemError,
    Objective,
    Question,
    Source,
    Topic,
    normalise_stem,
    objective_topic,
    question_from_authoring,
)

SEED_SOURCES = frozenset({"cocktail-article", "clinic-faq-article"})
MAX_LIVE_PER_OBJECTIVE = 4
MAX_DEPTH = 50
MAX_FILE_BYTES = 5_000_000


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    item: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.item}: {self.message}"


class BankInvalid(Exception):
    """The bank has problems; ``problems`` lists them all."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s) in the question bank")
        self.problems = problems


@dataclass
class _Located:
    """One item as read from a file: its raw fields (for cross-file checks) and, if valid, its question."""

    raw: dict[str, Any]
    question: Question | None
    file: str
    line: int
    field_lines: dict[str, int]

    @property
    def id(self) -> str:
        return str(self.raw.get("id") or "-")


_FIELD_HINTS = (
    "key", "stem", "options", "option", "tolerance", "source", "topic", "type", "difficulty", "status",
    "explanation", "feedback", "scoring", "review_note", "id",
)


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve().parent))
    except ValueError:
        return str(path)


class _Refused(yaml.YAMLError):
    """A YAML construct the bank does not accept (anchors, aliases, deep nesting)."""

    def __init__(self, problem: str, mark: Any):
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = mark


class _BankLoader(yaml.SafeLoader):
    """A safe loader that refuses anchors and aliases and stops at :data:`MAX_DEPTH` levels of nesting."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: ANN401
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _Refused("anchors and aliases (&name, *name) are not allowed in bank files", event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(f"nesting deeper than {MAX_DEPTH} levels is not allowed in bank files",
                               event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _compose(path: Path, text: str) -> tuple[Any, Any]:
    """Return (data, node) for a YAML document, node carrying line marks."""
    loader = _BankLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return data, node


def _read_yaml(path: Path, rel: str, problems: list[Problem]) -> tuple[Any, Any] | None:
    """Read and compose one bank file, or add a located problem and return None."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            problems.append(Problem(rel, 1, "-", f"the file is {size} bytes; bank files are at most "
                                                 f"{MAX_FILE_BYTES} bytes"))
            return None
        raw = path.read_bytes()
    except OSError as err:
        problems.append(Problem(rel, 1, "-", f"cannot read the file: {err.strerror or err}"))
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[:err.start].count(b"\n") + 1
        problems.append(Problem(rel, line, "-", f"the file is not UTF-8 text (byte 0x{raw[err.start]:02x}); "
                                                "save it as UTF-8"))
        return None
    try:
        return _compose(path, text.removeprefix("\ufeff"))
    except yaml.YAMLError as err:
        problems.append(_yaml_problem(rel, err))
    except RecursionError:
        problems.append(Problem(rel, 1, "-", "the file nests too deeply to read"))
    return None


def _mapping_lines(node: Any) -> dict[str, int]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: v.start_mark.line + 1 for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _child(node: Any, key: str) -> Any:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v
    return None


def _item_lines(node: Any) -> dict[str, int]:
    """Line of each field of an item, and of each option as 'option A', 'option B', ..."""
    lines = _mapping_lines(node)
    opts = _child(node, "options")
    if isinstance(opts, yaml.SequenceNode):
        for i, sub in enumerate(opts.value[:26]):
            lines[f"option {chr(65 + i)}"] = sub.start_mark.line + 1
    return lines


def _line_for(message: str, item_line: int, field_lines: dict[str, int]) -> int:
    opt = re.search(r"option ([A-Z])\b", message)
    if opt and f"option {opt.group(1)}" in field_lines:
        return field_lines[f"option {opt.group(1)}"]
    m = re.match(r"(?:missing field|unknown field|empty) '?([a-z_]+)", message)
    words = [m.group(1)] if m else re.findall(r"[a-z_]+", message.lower())
    for w in words:
        if w in _FIELD_HINTS:
            w = "options" if w == "option" else w
            if w in field_lines:
                return field_lines[w]
    return item_line


def find_bank_root(path: Path) -> Path:
    """The folder holding topics.yaml for a bank folder or for a file inside one."""
    path = path.resolve()
    for candidate in [path, *path.parents]:
        if candidate.is_dir() and (candidate / "topics.yaml").exists():
            return candidate
    return path if path.is_dir() else path.parent


def _read_list(path: Path, root: Path, key: str, model: type, problems: list[Problem],
               lines: dict[str, tuple[str, int]] | None = None) -> list:
    rel = _rel(path, root)
    if not path.exists():
        problems.append(Problem(rel, 1, "-", f"missing file: the bank needs {path.name}"))
        return []
    read = _read_yaml(path, rel, problems)
    if read is None:
        return []
    data, node = read
    seq = _child(node, key)
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        problems.append(Problem(rel, 1, "-", f"expected a top-level '{key}:' list"))
        return []
    out = []
    for raw, sub in zip(data[key], seq.value):
        line = sub.start_mark.line + 1
        ident = raw.get("id", "-") if isinstance(raw, dict) else "-"
        try:
            out.append(model.model_validate(raw))
        except ValidationError as err:
            for e in err.errors():
                loc = ".".join(str(p) for p in e["loc"])
                problems.append(Problem(rel, line, str(ident), f"{loc}: {e['msg']}" if loc else e["msg"]))
            continue
        if lines is not None:
            lines[str(ident)] = (rel, line)
    return out


def _read_objectives(root: Path, topic_ids: set[str], problems: list[Problem]
                     ) -> tuple[list[Objective], dict[str, tuple[str, int]]]:
    """Every ``objectives/*.yaml``: ``topic:`` (optional) and ``objectives:`` [{id, statement}]."""
    objectives: list[Objective] = []
    lines: dict[str, tuple[str, int]] = {}
    for path in sorted((root / "objectives").glob("*.yaml")):
        rel = _rel(path, root)
        file_lines: dict[str, tuple[str, int]] = {}
        found = _read_list(path, root, "objectives", Objective, problems, file_lines)
        read = _read_yaml(path, rel, []) if found else None
        data = read[0] if read else {}
        unknown = set(data) - {"topic", "objectives"} if isinstance(data, dict) else set()
        for k in sorted(unknown):
            problems.append(Problem(rel, _mapping_lines(read[1]).get(k, 1), "-", f"unknown top-level field '{k}'"))
        file_topic = data.get("topic") if isinstance(data, dict) else None
        for obj in found:
            rel_line = file_lines.get(obj.id, (rel, 1))
            if obj.id in lines:
                other = lines[obj.id]
                problems.append(Problem(*rel_line, obj.id, f"duplicate objective id (also at {other[0]}:{other[1]})"))
                continue
            if file_topic and obj.topic != file_topic:
                problems.append(Problem(*rel_line, obj.id, f"objective of topic {obj.topic!r} in the file of "
                                                           f"topic {file_topic!r}"))
            if topic_ids and obj.topic not in topic_ids:
                problems.append(Problem(*rel_line, obj.id, f"unknown topic {obj.topic!r} (an objective's topic is "
                                                           "its id before the first dot)"))
            lines[obj.id] = rel_line
            objectives.append(obj)
    return objectives, lines


def _yaml_problem(rel: str, err: yaml.YAMLError) -> Problem:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    line = mark.line + 1 if mark is not None else 1
    what = getattr(err, "problem", None) or str(err).splitlines()[0]
    return Problem(rel, line, "-", what if isinstance(err, _Refused) else f"YAML syntax error: {what}")


def _item_files(root: Path, only: Path | None) -> list[Path]:
    if only is not None and only.is_file():
        return [only]
    files = sorted((root / "topics").glob("*.yaml")) + sorted((root / "cases").glob("*.yaml"))
    return files


def read_bank(path: str | Path) -> tuple[Bank, list[Problem]]:
    """Read a bank folder (or one item file inside a bank): the valid part of it, and every problem found."""
    given = Path(path)
    if not given.exists():
        return Bank(topics=[], sources=[], questions=[]), [Problem(str(given), 1, "-", "no such file or folder")]
    root = find_bank_root(given)
    problems: list[Problem] = []
    topics: list[Topic] = _read_list(root / "topics.yaml", root, "topics", Topic, problems)
    sources: list[Source] = _read_list(root / "sources.yaml", root, "sources", Source, problems)
    objectives, objective_lines = _read_objectives(root, {t.id for t in topics}, problems)
    located: list[_Located] = []
    files = _item_files(root, given if given.is_file() else None)
    if not files:
        problems.append(Problem(_rel(root, root), 1, "-", "no item files under topics/ or cases/"))
    for f in files:
        located.extend(_read_item_file(f, root, problems))
    problems.extend(_cross_checks(located, topics, sources))
    problems.extend(_objective_checks(located, objective_lines, whole_bank=not given.is_file()))
    bank = Bank(topics=topics, sources=sources, objectives=objectives,
                questions=[loc.question for loc in located if loc.question],
                locations={loc.id: (loc.file, loc.line) for loc in located if loc.question})
    return bank, sorted(set(problems))


def load_bank(path: str | Path) -> Bank:
    """Load and check a bank folder (or one item file inside a bank); raise :class:`BankInvalid`."""
    bank, problems = read_bank(path)
    if problems:
        raise BankInvalid(problems)
    return bank


def _read_item_file(path: Path, root: Path, problems: list[Problem]) -> list[_Located]:
    rel = _rel(path, root)
    read = _read_yaml(path, rel, problems)
    if read is None:
        return []
    data, node = read
    if not isinstance(data, dict):
        problems.append(Problem(rel, 1, "-", "expected a mapping with 'topic:' and 'items:' (or a case set)"))
        return []
    is_case = "scenario" in data or path.parent.name == "cases"
    case_base: dict[str, Any] | None = None
    default_topic = data.get("topic")
    if is_case:
        case_id = data.get("id")
        missing = [k for k in ("id", "title", "scenario") if not data.get(k)]
        for k in missing:
            problems.append(Problem(rel, 1, str(case_id or "-"), f"case set: missing field '{k}'"))
        if missing:
            return []
        case_base = {"id": case_id, "title": data["title"], "scenario": data["scenario"]}
    elif not default_topic:
        problems.append(Problem(rel, 1, "-", "missing field 'topic' at the top of the file"))
    unknown = set(data) - ({"id", "title", "scenario", "topic", "items"} if is_case else {"topic", "items"})
    for k in sorted(unknown):
        problems.append(Problem(rel, _mapping_lines(node).get(k, 1), "-", f"unknown top-level field '{k}'"))
    items = data.get("items")
    items_node = _child(node, "items")
    if not isinstance(items, list) or not items:
        problems.append(Problem(rel, 1, "-", "expected a non-empty 'items:' list"))
        return []
    if is_case and len(items) < 2:
        problems.append(Problem(rel, 1, str(data.get("id")), "a case set needs at least 2 linked items"))
    out: list[_Located] = []
    for pos, (raw, sub) in enumerate(zip(items, items_node.value), start=1):
        line = sub.start_mark.line + 1
        field_lines = _item_lines(sub)
        ident = str(raw.get("id") or "-") if isinstance(raw, dict) else "-"
        case = None
        if case_base is not None:
            try:
                case = CaseInfo(**case_base, position=pos, size=len(items))
            except ValidationError as err:
                problems.append(Problem(rel, 1, case_base["id"], f"case set: {err.errors()[0]['msg']}"))
                return []
        q = None
        try:
            q = question_from_authoring(raw, default_topic=default_topic, case=case)
        except ItemError as err:
            for msg in err.problems:
                problems.append(Problem(rel, _line_for(msg, line, field_lines), ident, msg))
        if isinstance(raw, dict):
            raw = {"topic": default_topic, **raw}
            out.append(_Located(raw, q, rel, line, field_lines))
    return out


def _cross_checks(located: list[_Located], topics: list[Topic], sources: list[Source]) -> list[Problem]:
    """Checks across items and files, on the raw fields so that broken items are checked too."""
    problems: list[Problem] = []
    topic_ids = {t.id for t in topics}
    source_sections = {s.id: set(s.sections) for s in sources}
    citable = {s.id for s in sources if s.id in SEED_SOURCES or (s.authors and s.year)}
    first_seen: dict[str, _Located] = {}
    stems: dict[str, _Located] = {}
    for loc in located:
        raw, fl = loc.raw, loc.field_lines
        topic = raw.get("topic")
        if topic_ids and topic and topic not in topic_ids:
            problems.append(Problem(loc.file, fl.get("topic", loc.line), loc.id,
                                    f"unknown topic {topic!r}; known topics: {', '.join(sorted(topic_ids))}"))
        src = raw.get("source")
        if isinstance(src, dict) and src.get("id"):
            if src["id"] not in source_sections:
                problems.append(Problem(loc.file, fl.get("source", loc.line), loc.id,
                                        f"unknown source {src['id']!r}; sources.yaml has "
                                        f"{', '.join(sorted(source_sections)) or 'none'}"))
            elif source_sections[src["id"]] and src.get("section") not in source_sections[src["id"]]:
                problems.append(Problem(loc.file, fl.get("source", loc.line), loc.id,
                                        f"unknown section {src.get('section')!r} of source {src['id']!r}; "
                                        f"its sections: {', '.join(sorted(source_sections[src['id']]))}"))
            if raw.get("status") == "live" and src["id"] in source_sections and src["id"] not in citable:
                problems.append(Problem(loc.file, fl.get("source", loc.line), loc.id,
                                        f"a live item cites a seed article or a source with authors and year; "
                                        f"{src['id']!r} has neither (keep the item a draft with a review_note, "
                                        "or add authors and year to the source)"))
        if loc.id != "-":
            if loc.id in first_seen:
                other = first_seen[loc.id]
                problems.append(Problem(loc.file, loc.line, loc.id,
                                        f"duplicate id (also at {other.file}:{other.line})"))
            else:
                first_seen[loc.id] = loc
        stem = raw.get("stem")
        if isinstance(stem, str) and stem.strip():
            key = normalise_stem(stem)
            if key in stems:
                other = stems[key]
                problems.append(Problem(loc.file, fl.get("stem", loc.line), loc.id,
                                        f"same stem as {other.id} ({other.file}:{other.line})"))
            else:
                stems[key] = loc
    return problems


def _objective_checks(located: list[_Located], objective_lines: dict[str, tuple[str, int]],
                      whole_bank: bool = True) -> list[Problem]:
    """Every live or draft item names a known objective of its own topic; no objective has too many live items."""
    problems: list[Problem] = []
    live: dict[str, list[str]] = {}
    for loc in located:
        raw, fl = loc.raw, loc.field_lines
        objective = raw.get("objective")
        line = fl.get("objective", loc.line)
        if objective is None or (isinstance(objective, str) and not objective.strip()):
            if raw.get("status") != "retired":
                problems.append(Problem(loc.file, loc.line, loc.id, "missing field 'objective' (every live or "
                                                                    "draft item names one learning objective)"))
            continue
        if not isinstance(objective, str):
            problems.append(Problem(loc.file, line, loc.id, f"objective must be an id, not {objective!r}"))
            continue
        if objective not in objective_lines:
            problems.append(Problem(loc.file, line, loc.id, f"unknown objective {objective!r}; add it to "
                                                            f"objectives/{objective_topic(objective)}.yaml"))
        topic = raw.get("topic")
        if topic and objective_topic(objective) != topic:
            problems.append(Problem(loc.file, line, loc.id, f"objective {objective!r} belongs to topic "
                                                            f"{objective_topic(objective)!r}, the item to {topic!r}"))
        if raw.get("status") == "live":
            live.setdefault(objective, []).append(loc.id)
    if whole_bank:
        for objective, ids in sorted(live.items()):
            if len(ids) > MAX_LIVE_PER_OBJECTIVE and objective in objective_lines:
                file, line = objective_lines[objective]
                problems.append(Problem(file, line, objective, f"{len(ids)} live items name this objective, at most "
                                                               f"{MAX_LIVE_PER_OBJECTIVE}: {', '.join(ids)}"))
    return problems


def bank_stats(questions: list[Question]) -> dict[str, Any]:
    """Counts by topic, type, difficulty, status and objective (the shape of ``quiz bank stats --json``)."""
    live = [q for q in questions if q.status == "live"]
    return {
        "total": len(questions),
        "by_topic": dict(sorted(Counter(q.topic for q in questions).items())),
        "by_type": dict(sorted(Counter(q.type for q in questions).items())),
        "by_difficulty": dict(sorted(Counter(q.difficulty for q in questions).items())),
        "by_status": dict(sorted(Counter(q.status for q in questions).items())),
        "live_by_topic": dict(sorted(Counter(q.topic for q in live).items())),
        "by_objective": {
            objective: {"total": sum(1 for q in questions if q.objective == objective),
                        "live": sum(1 for q in live if q.objective == objective)}
            for objective in sorted({q.objective for q in questions if q.objective})
        },
        "live_recall": sum(1 for q in live if "recall" in q.tags),
    }
