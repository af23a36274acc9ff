"""Small hand-made questions and banks for tests (independent of the real bank's content)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from quiz.domain.bank import (
    Bank,
    CaseInfo,
    Objective,
    Option,
    Question,
    Source,
    SourceRef,
    Topic,
    question_to_authoring,
)

TOPICS = ("aftercare", "spacing", "hygiene")


def make_question(id: str = "aftercare-001", *, type: str = "single", topic: str | None = None,
                  n_options: int = 4, key: Any = None, status: str = "live", difficulty: str = "medium",
                  scoring: str = "all_or_nothing", case: CaseInfo | None = None, **extra: Any) -> Question:
    topic = topic or id.rsplit("-", 1)[0]
    options: list[Option] = []
    if type in ("single", "multiple", "ordering"):
        options = [Option(text=f"{id} option {i}", feedback=f"why option {i}") for i in range(n_options)]
    elif type == "true_false":
        options = [Option(text="True", feedback="why true"), Option(text="False", feedback="why false")]
    if key is None:
        key = {"single": 0, "multiple": [0, 1], "true_false": True, "ordering": list(range(n_options)),
               "numeric": 7.0}[type]
    data: dict[str, Any] = dict(
        id=id, topic=topic, type=type, stem=f"Scenario for {id}: what do you do?", options=options, key=key,
        explanation=f"Explanation of {id}.", source=SourceRef(id="clinic-faq-article", section="Aftercare"),
        difficulty=difficulty, status=status, scoring=scoring, case=case,
    )
    if type == "numeric":
        data["tolerance"] = extra.pop("tolerance", 1.0)
        data["unit"] = "days"
    data.update(extra)
    return Question(**data)


def make_bank(per_topic: int = 6, topics: tuple[str, ...] = TOPICS, with_case: bool = True) -> Bank:
    """per_topic live single items in each topic (difficulties cycling), plus one 3-item case set; each item
    on a learning objective of its own (``<topic>.<id>``)."""
    diffs = ("easy", "medium", "hard")
    qs = [
        make_question(f"{t}-{i:03d}", difficulty=diffs[i % 3], key=i % 4)
        for t in topics for i in range(1, per_topic + 1)
    ]
    if with_case:
        for pos in range(1, 4):
            case = CaseInfo(id="case-zoe", title="Zoe's course", scenario="Zoe, 35, books a course.",
                            position=pos, size=3)
            qs.append(make_question(f"case-zoe-{pos}", topic=topics[(pos - 1) % len(topics)], case=case))
    qs = [q.model_copy(update={"objective": own_objective(q)}) for q in qs]
    return Bank(
        topics=[Topic(id=t, name=t.title()) for t in topics],
        sources=[Source(id="clinic-faq-article", title="FAQ", sections=["Aftercare"])],
        objectives=[Objective(id=own_objective(q), statement=f"What {q.id} tests.") for q in qs],
        questions=qs,
    )


def own_objective(q: Question) -> str:
    return f"{q.topic}.{q.id}"


def write_bank_dir(bank: Bank, root: Path) -> Path:
    """Write a Bank as bank files (authoring form), e.g. so that the app's own sync at start loads it."""
    (root / "topics").mkdir(parents=True, exist_ok=True)
    (root / "cases").mkdir(exist_ok=True)
    (root / "topics.yaml").write_text(yaml.safe_dump({"topics": [t.model_dump() for t in bank.topics]}))
    (root / "sources.yaml").write_text(yaml.safe_dump({"sources": [s.model_dump() for s in bank.sources]}))
    objectives = {o.id: o.statement for o in bank.objectives}
    by_topic: dict[str, list] = {}
    cases: dict[str, dict] = {}
    for q in bank.questions:
        if q.objective is None and q.status != "retired":  # the files need one: give it its own
            q = q.model_copy(update={"objective": own_objective(q)})
        if q.objective:
            objectives.setdefault(q.objective, f"What {q.id} tests.")
        item = question_to_authoring(q)
        if q.case is None:
            item.pop("topic")
            by_topic.setdefault(q.topic, []).append(item)
        else:
            case = cases.setdefault(q.case.id, {"id": q.case.id, "title": q.case.title,
                                                "scenario": q.case.scenario, "items": []})
            case["items"].append(item)
    for topic, items in by_topic.items():
        (root / "topics" / f"{topic}.yaml").write_text(yaml.safe_dump({"topic": topic, "items": items},
                                                                       sort_keys=False))
    for cid, case in cases.items():
        (root / "cases" / f"{cid}.yaml").write_text(yaml.safe_dump(case, sort_keys=False))
    (root / "objectives").mkdir(exist_ok=True)
    for topic in sorted({o.split(".", 1)[0] for o in objectives}):
        listed = [{"id": o, "statement": st} for o, st in sorted(objectives.items()) if o.startswith(topic + ".")]
        (root / "objectives" / f"{topic}.yaml").write_text(
            yaml.safe_dump({"topic": topic, "objectives": listed}, sort_keys=False))
    return root
