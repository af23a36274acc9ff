"""Small hand-made questions and banks for tests (independent of the real bank's content)."""

from __future__ import annotations

from typing import Any

from quiz.domain.bank import Bank, CaseInfo, Option, Question, Source, SourceRef, Topic

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
    """per_topic live single items in each topic (difficulties cycling), plus one 3-item case set."""
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
    return Bank(
        topics=[Topic(id=t, name=t.title()) for t in topics],
        sources=[Source(id="clinic-faq-article", title="FAQ", sections=["Aftercare"])],
        questions=qs,
    )
