"""Writing questions as GIFT (Moodle's text format), the reverse of :mod:`quiz.adapters.gift`'s reading:
every field travels (what GIFT cannot hold in ``//`` comment lines above the question), ordering items are
skipped (no GIFT form), and importing what this writes gives the same items.

    >>> text = dump_gift(bank.questions).text   # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from quiz.adapters.gift import escape, meta_escape, weight_text
from quiz.domain.bank import Question


@dataclass
class GiftExport:
    text: str
    written: list[str]
    skipped: list[str]  # ids with no GIFT form (ordering)


def _fmt_number(value: float | int) -> str:
    return str(value) if isinstance(value, int) else repr(float(value))


def dump_gift(questions: Iterable[Question]) -> GiftExport:
    """Write questions as GIFT, grouped by topic with ``$CATEGORY:`` lines (ordering items are skipped)."""
    blocks: list[str] = []
    written, skipped = [], []
    topic = None
    for q in sorted(questions, key=lambda q: (q.topic, q.id)):
        if q.type == "ordering":
            skipped.append(q.id)
            continue
        if q.topic != topic:
            topic = q.topic
            blocks.append(f"$CATEGORY: {topic}")
        blocks.append(_dump_one(q))
        written.append(q.id)
    header = "// Exported from MesoCert. '// key: value' lines carry what GIFT cannot (Moodle ignores them)."
    if skipped:
        header += "\n// Not exported (no GIFT form): " + ", ".join(skipped)
    return GiftExport("\n\n".join([header, *blocks]) + "\n", written, skipped)


def _dump_one(q: Question) -> str:
    lines = [f"// source: {meta_escape(q.source.id)} | {meta_escape(q.source.section)}",
             f"// difficulty: {q.difficulty}"]
    if q.objective:
        lines.append(f"// objective: {meta_escape(q.objective)}")
    if q.tags:
        lines.append("// tags: " + ", ".join(q.tags))
    if q.review_note:
        lines.append(f"// review_note: {meta_escape(q.review_note)}")
    if q.type == "multiple":
        lines.append(f"// scoring: {q.scoring}")
    if q.points != 1.0:
        lines.append(f"// points: {_fmt_number(q.points)}")
    if q.type == "numeric" and q.unit:
        lines.append(f"// unit: {meta_escape(q.unit)}")
    if q.type == "numeric" and q.feedback.get("incorrect"):
        lines.append(f"// incorrect_feedback: {meta_escape(q.feedback['incorrect'])}")
    if q.case is not None:
        lines.append(f"// case: {meta_escape(json.dumps(q.case.model_dump(mode='json'), ensure_ascii=False))}")
    lines.append(f"::{q.id}::{escape(q.stem)} {{")
    if q.type == "single":
        for i, o in enumerate(q.options):
            lines.append(f"\t{'=' if i == q.key else '~'}{escape(o.text)}#{escape(o.feedback)}")
    elif q.type == "multiple":
        right = set(q.key)  # type: ignore[arg-type]
        r, w = len(right), len(q.options) - len(right)
        penalty = -100.0 if q.scoring == "all_or_nothing" or not w else -100.0 / w
        for i, o in enumerate(q.options):
            weight = q.weights[i] if q.scoring == "weighted" else 100.0 / r if i in right else penalty
            lines.append(f"\t~%{weight_text(weight)}%{escape(o.text)}#{escape(o.feedback)}")
    elif q.type == "true_false":
        right_fb = q.options[0 if q.key else 1].feedback
        wrong_fb = q.options[1 if q.key else 0].feedback
        lines.append(f"\t{'TRUE' if q.key else 'FALSE'}#{escape(wrong_fb)}#{escape(right_fb)}")
    elif q.type == "numeric":
        value = f"{_fmt_number(q.key)}:{_fmt_number(q.tolerance or 0)}"  # type: ignore[arg-type]
        correct = q.feedback.get("correct")
        lines.append(f"\t#={value}#{escape(correct)}" if correct else f"\t#{value}")
    lines.append(f"\t####{escape(q.explanation)}")
    lines.append("}")
    return "\n".join(lines)
