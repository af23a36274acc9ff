"""Read the question bank's YAML files, with every problem located as ``file:line: item-id: message``.

The loader never stops at the first problem: it reads every file, checks every item, then the whole bank
(duplicate ids and stems across files, unknown topics and sources). A bank with any problem is not returned,
so nothing half-checked can reach the database.
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
    Question,
    Source,
    Topic,
    normalise_stem,
    question_from_authoring,
)


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


def _compose(path: Path, text: str) -> tuple[Any, Any]:
    """Return (data, node) for a YAML document, node carrying line marks."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return data, node


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


def _read_list(path: Path, root: Path, key: str, model: type, problems: list[Problem]) -> list:
    rel = _rel(path, root)
    if not path.exists():
        problems.append(Problem(rel, 1, "-", f"missing file: the bank needs {path.name}"))
        return []
    try:
        data, node = _compose(path, path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        problems.append(_yaml_problem(rel, err))
        return []
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
                problems.append(Problem(rel, line, str(ident), f"{loc}: {e['msg']}"))
    return out


def _yaml_problem(rel: str, err: yaml.YAMLError) -> Problem:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    line = mark.line + 1 if mark is not None else 1
    what = getattr(err, "problem", None) or str(err).splitlines()[0]
    return Problem(rel, line, "-", f"YAML syntax error: {what}")


def _item_files(root: Path, only: Path | None) -> list[Path]:
    if only is not None and only.is_file():
        return [only]
    files = sorted((root / "topics").glob("*.yaml")) + sorted((root / "cases").glob("*.yaml"))
    return files


def load_bank(path: str | Path) -> Bank:
    """Load and check a bank folder (or one item file inside a bank); raise :class:`BankInvalid`."""
    given = Path(path)
    if not given.exists():
        raise BankInvalid([Problem(str(given), 1, "-", "no such file or folder")])
    root = find_bank_root(given)
    problems: list[Problem] = []
    topics: list[Topic] = _read_list(root / "topics.yaml", root, "topics", Topic, problems)
    sources: list[Source] = _read_list(root / "sources.yaml", root, "sources", Source, problems)
    located: list[_Located] = []
    files = _item_files(root, given if given.is_file() else None)
    if not files:
        problems.append(Problem(_rel(root, root), 1, "-", "no item files under topics/ or cases/"))
    for f in files:
        located.extend(_read_item_file(f, root, problems))
    problems.extend(_cross_checks(located, topics, sources))
    if problems:
        raise BankInvalid(sorted(set(problems)))
    return Bank(topics=topics, sources=sources, questions=[loc.question for loc in located if loc.question])


def _read_item_file(path: Path, root: Path, problems: list[Problem]) -> list[_Located]:
    rel = _rel(path, root)
    try:
        data, node = _compose(path, path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        problems.append(_yaml_problem(rel, err))
        return []
    except UnicodeDecodeError:
        problems.append(Problem(rel, 1, "-", "the file is not UTF-8 text"))
        return []
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


def bank_stats(questions: list[Question]) -> dict[str, Any]:
    """Counts by topic, type, difficulty and status (the shape of ``quiz bank stats --json``)."""
    return {
        "total": len(questions),
        "by_topic": dict(sorted(Counter(q.topic for q in questions).items())),
        "by_type": dict(sorted(Counter(q.type for q in questions).items())),
        "by_difficulty": dict(sorted(Counter(q.difficulty for q in questions).items())),
        "by_status": dict(sorted(Counter(q.status for q in questions).items())),
    }
