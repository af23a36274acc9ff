"""The bank editor's form, as plain data: an item's authoring form (as in the YAML files) <-> the flat fields a
form shows (one text per option, a "right" tick or a weight per option, the case set, ...). Pure: no I/O.

Ordering items are written in their right order (the form's option 1 is the first step); trainees see them
shuffled. :func:`fields_from_authoring` therefore lists an existing ordering item's options in key order.

A multiple-response item scored ``weighted`` has a weight per option (percent of the item's points) instead of
a tick: the options with a positive weight are its key. Each option keeps both, so switching the rule back and
forth loses neither; :func:`default_weights` starts the weights from the ticks.

The case set is ``case`` ("" stand-alone, a set's id, or :data:`NEW_CASE`) with ``case_new_id``, ``case_title``
and ``case_scenario``; :func:`placement_from_fields` turns them into a
:class:`~quiz.domain.case_sets.CasePlacement`.
"""

from __future__ import annotations

from typing import Any

from quiz.domain.bank import LETTERS, CaseInfo
from quiz.domain.case_sets import CasePlacement

OPTION_TYPES = ("single", "multiple", "ordering")
MAX_OPTIONS = 8
NEW_CASE = "+new"  # the form's choice "a new case set"


def blank_option() -> dict[str, Any]:
    return {"text": "", "feedback": "", "right": False, "weight": None}


def blank_fields(topic: str = "", qtype: str = "single", options: int = 4) -> dict[str, Any]:
    """The fields of a new item."""
    return {
        "type": qtype, "topic": topic, "objective": "", "difficulty": "medium", "stem": "",
        "options": [blank_option() for _ in range(options)],
        "scoring": "all_or_nothing", "points": 1.0, "tf_key": True, "tf_true": "", "tf_false": "",
        "num_key": 0.0, "tolerance": 0.0, "unit": "", "num_correct": "", "num_incorrect": "",
        "explanation": "", "source_id": "", "section": "", "tags": "", "review_note": "", "id": "",
        "case": "", "case_new_id": "", "case_title": "", "case_scenario": "",
    }


def case_fields(case: CaseInfo | None) -> dict[str, Any]:
    """The case-set fields of an item in ``case`` (None: stand-alone)."""
    if case is None:
        return {"case": "", "case_new_id": "", "case_title": "", "case_scenario": ""}
    return {"case": case.id, "case_new_id": "", "case_title": case.title, "case_scenario": case.scenario}


def placement_from_fields(f: dict[str, Any]) -> CasePlacement:
    """Where the form puts the item: stand-alone, in a set (with the title and scenario typed for it; a change
    retitles the whole set), or in a new set."""
    choice = str(f.get("case") or "")
    title, scenario = str(f.get("case_title") or ""), str(f.get("case_scenario") or "")
    if not choice:
        return CasePlacement(None)
    if choice == NEW_CASE:
        return CasePlacement(str(f.get("case_new_id") or "").strip() or None, title, scenario, create=True)
    return CasePlacement(choice, title, scenario)


def default_weights(options: list[dict[str, Any]]) -> list[float]:
    """Each option's weight: as set, else from the ticks (each right option 100/R, rounded to 2 decimals,
    each wrong one 0)."""
    right = sum(1 for o in options if o.get("right"))
    share = round(100.0 / right, 2) if right else 0.0
    return [float(o["weight"]) if o.get("weight") is not None else (share if o.get("right") else 0.0)
            for o in options]


def weight_total(options: list[dict[str, Any]]) -> float:
    """What the positive weights add up to (a weighted item needs 100)."""
    return round(sum(w for w in default_weights(options) if w > 0), 4)


def fields_from_authoring(a: dict[str, Any], case: CaseInfo | None = None) -> dict[str, Any]:
    """The form fields of an item in authoring form (letters as keys), in the case set ``case``."""
    f = blank_fields(str(a.get("topic") or ""), str(a.get("type") or "single"), 0)
    f.update(case_fields(case))
    qtype = f["type"]
    source = a.get("source") or {}
    f.update(id=str(a.get("id") or ""), objective=str(a.get("objective") or ""),
             difficulty=str(a.get("difficulty") or "medium"), stem=str(a.get("stem") or ""),
             explanation=str(a.get("explanation") or ""), source_id=str(source.get("id") or ""),
             section=str(source.get("section") or ""), tags=", ".join(str(t) for t in a.get("tags") or []),
             review_note=str(a.get("review_note") or ""), points=float(a.get("points") or 1.0),
             scoring=str(a.get("scoring") or "all_or_nothing"))
    opts = [{"text": str(o.get("text", "")), "feedback": str(o.get("feedback", "")), "right": False,
             "weight": _number(o.get("weight"))} for o in a.get("options") or [] if isinstance(o, dict)]
    key = a.get("key")
    letters = [key] if isinstance(key, str) else list(key) if isinstance(key, list) else []
    idx = [LETTERS.index(str(k).strip().upper()) for k in letters if str(k).strip().upper() in LETTERS[:len(opts)]]
    if qtype in ("single", "multiple"):
        for i in idx:
            opts[i]["right"] = True
        if f["scoring"] == "weighted":  # the weights say which options are right
            for o in opts:
                o["right"] = (o["weight"] or 0.0) > 0
    elif qtype == "ordering" and sorted(idx) == list(range(len(opts))):
        opts = [opts[i] for i in idx]
    f["options"] = opts
    fb = a.get("feedback") or {}
    if qtype == "true_false":
        f.update(tf_key=bool(key) if isinstance(key, bool) else True, tf_true=str(fb.get("true", "")),
                 tf_false=str(fb.get("false", "")))
    elif qtype == "numeric":
        f.update(num_key=float(key) if isinstance(key, (int, float)) and not isinstance(key, bool) else 0.0,
                 tolerance=float(a.get("tolerance") or 0.0), unit=str(a.get("unit") or ""),
                 num_correct=str(fb.get("correct", "")), num_incorrect=str(fb.get("incorrect", "")))
    return f


def authoring_from_fields(f: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The authoring form of the fields, and the problems only the form can see (e.g. no option ticked right).
    Everything else is checked by :func:`quiz.domain.bank.question_from_authoring`, as for a YAML file."""
    problems: list[str] = []
    qtype = f.get("type") or "single"
    a: dict[str, Any] = {"type": qtype, "topic": (f.get("topic") or "").strip(), "stem": f.get("stem") or "",
                         "explanation": f.get("explanation") or "", "difficulty": f.get("difficulty") or "medium",
                         "source": {"id": (f.get("source_id") or "").strip(),
                                    "section": (f.get("section") or "").strip()}}
    if (f.get("id") or "").strip():
        a["id"] = f["id"].strip()
    if (f.get("objective") or "").strip():
        a["objective"] = f["objective"].strip()
    if qtype in OPTION_TYPES:
        opts = list(f.get("options") or [])
        a["options"] = [{"text": o.get("text") or "", "feedback": o.get("feedback") or ""} for o in opts]
        for i, o in enumerate(opts):
            if not (o.get("text") or "").strip():
                problems.append(f"option {LETTERS[i]} has no text")
            if not (o.get("feedback") or "").strip():
                problems.append(f"option {LETTERS[i]} has no feedback (say why it is right or wrong)")
        scoring = f.get("scoring") or "all_or_nothing"
        if qtype == "ordering" and scoring == "weighted":
            scoring = "all_or_nothing"  # weights are for multiple response only; the form offers the other two
        right = [LETTERS[i] for i, o in enumerate(opts) if o.get("right")]
        if qtype == "single":
            if len(right) != 1:
                problems.append(f"tick exactly one right option (ticked: {', '.join(right) or 'none'})")
            a["key"] = right[0] if right else "A"
        elif qtype == "multiple" and scoring == "weighted":
            for option, weight in zip(a["options"], default_weights(opts)):
                option["weight"] = weight  # the key follows from the weights
        elif qtype == "multiple":
            if not right:
                problems.append("tick at least one right option")
            a["key"] = right or ["A"]
        else:
            a["key"] = [LETTERS[i] for i in range(len(opts))]
        if qtype in ("multiple", "ordering"):
            a["scoring"] = scoring
    elif qtype == "true_false":
        a["key"] = bool(f.get("tf_key"))
        a["feedback"] = {"true": f.get("tf_true") or "", "false": f.get("tf_false") or ""}
        for word in ("true", "false"):
            if not (f.get(f"tf_{word}") or "").strip():
                problems.append(f"give the feedback for the answer {word.capitalize()}")
    elif qtype == "numeric":
        a["key"] = float(f.get("num_key") or 0.0)
        a["tolerance"] = float(f.get("tolerance") or 0.0)
        if (f.get("unit") or "").strip():
            a["unit"] = f["unit"].strip()
        if (f.get("num_correct") or "").strip() or (f.get("num_incorrect") or "").strip():
            a["feedback"] = {"correct": f.get("num_correct") or "", "incorrect": f.get("num_incorrect") or ""}
    points = float(f.get("points") or 1.0)
    if points != 1.0:
        a["points"] = points
    tags = [t.strip() for t in (f.get("tags") or "").split(",") if t.strip()]
    if tags:
        a["tags"] = tags
    if (f.get("review_note") or "").strip():
        a["review_note"] = f["review_note"].strip()
    return a, problems


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
