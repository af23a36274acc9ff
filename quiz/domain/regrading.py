"""Regrading rules: the new score of one stored answer after an item was fixed. Pure; no database.

Three ways to regrade an item (Moodle's anchor: regrade attempts, with a dry run first):

* ``current``: score the stored answer against the item's current version. Answers are stored as canonical
  option indexes, so this needs a version of the same type and option count (else the item is skipped, and
  the reason says why);
* ``full_marks``: give everyone the item's mark;
* ``remove``: take the item out of the total (its score and its maximum become 0).

>>> rescore("full_marks", shown, None, answer).score == shown.points
True
"""

from __future__ import annotations

from typing import Any

from quiz.domain.bank import Question
from quiz.domain.scoring import InvalidAnswer, ItemScore, score_item

MODES: dict[str, str] = {
    "current": "Score against the item's current version",
    "full_marks": "Give everyone the mark",
    "remove": "Remove the item from the total",
}


class CannotRegrade(ValueError):
    """The item cannot be regraded this way (the reason is a sentence for the trainer)."""


def compatible(shown: Question, current: Question) -> str | None:
    """Why a stored answer to ``shown`` cannot be scored against ``current`` (None when it can)."""
    if shown.type != current.type:
        return f"the item changed type ({shown.type} to {current.type})"
    if len(shown.options) != len(current.options):
        return f"the item now has {len(current.options)} options instead of {len(shown.options)}"
    return None


def rescore(mode: str, shown: Question, current: Question | None, answer: Any) -> ItemScore:
    """The score the answer earns under ``mode`` (see the module docstring); raises :class:`CannotRegrade`."""
    if mode == "full_marks":
        return ItemScore(score=shown.points, max_score=shown.points, correct=True)
    if mode == "remove":
        return ItemScore(score=0.0, max_score=0.0, correct=True)
    if mode != "current":
        raise CannotRegrade(f"unknown regrade mode {mode!r}; expected one of {', '.join(MODES)}")
    if current is None:
        raise CannotRegrade("the item has no current version")
    reason = compatible(shown, current)
    if reason:
        raise CannotRegrade(reason)
    try:
        return score_item(current, answer)
    except InvalidAnswer as err:
        raise CannotRegrade(f"a stored answer does not fit the current version: {err}") from None
