"""Each kind of broken question file gives a message that names the file, the line and the item."""

from __future__ import annotations

import shutil
import textwrap
import time
from pathlib import Path

import pytest

from quiz.adapters.bank_files import BankInvalid, bank_stats, load_bank
from quiz.core.config import PROJECT_ROOT

GOOD_ITEM = """\
  - id: {id}
    type: single
    difficulty: medium
    status: live
    objective: spacing.initial-interval
    stem: {stem}
    options:
      - text: Book her for Friday.
        feedback: Too soon for a second session.
      - text: Book her 7 to 10 days after the first.
        feedback: Right for the start of a course.
      - text: Wait six months.
        feedback: That is the maintenance interval.
    key: B
    explanation: Early sessions are 7 to 10 days apart.
    source: {{id: clinic-faq-article, section: Sessions and spacing}}
"""


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    root = tmp_path / "question_bank"
    (root / "topics").mkdir(parents=True)
    (root / "cases").mkdir()
    shutil.copy(PROJECT_ROOT / "question_bank" / "topics.yaml", root / "topics.yaml")
    shutil.copy(PROJECT_ROOT / "question_bank" / "sources.yaml", root / "sources.yaml")
    (root / "objectives").mkdir()
    (root / "objectives" / "spacing.yaml").write_text(OBJECTIVES)
    (root / "objectives" / "aftercare.yaml").write_text(
        "topic: aftercare\nobjectives:\n  - id: aftercare.sunscreen\n    statement: Advise on sun protection.\n")
    return root


OBJECTIVES = """\
topic: spacing
objectives:
  - id: spacing.initial-interval
    statement: Plan the interval between the first sessions of a course.
  - id: spacing.course-length
    statement: Say how many sessions a course usually takes.
"""


def write(root: Path, name: str, body: str) -> Path:
    path = root / "topics" / name
    path.write_text(textwrap.dedent(body))
    return path


def items(*blocks: str) -> str:
    return "topic: spacing\nitems:\n" + "".join(blocks)


def good(id: str = "spacing-001", stem: str = "Priya asks to come back after four days. What do you advise?") -> str:
    return GOOD_ITEM.format(id=id, stem=stem)


def problems_of(root: Path) -> list[str]:
    with pytest.raises(BankInvalid) as err:
        load_bank(root)
    return [str(p) for p in err.value.problems]


def line_of(path: Path, needle: str, nth: int = 1) -> int:
    hits = [i for i, line in enumerate(path.read_text().splitlines(), start=1) if needle in line]
    return hits[nth - 1]


def test_a_valid_file_loads_and_counts(bank: Path) -> None:
    write(bank, "spacing.yaml", items(good(), good("spacing-002", "Omar wants weekly sessions forever.")))
    loaded = load_bank(bank)
    assert [q.id for q in loaded.questions] == ["spacing-001", "spacing-002"]
    assert loaded.questions[0].key == 1  # letter B -> index 1
    stats = bank_stats(loaded.questions)
    assert stats == {"total": 2, "by_topic": {"spacing": 2}, "by_type": {"single": 2},
                     "by_difficulty": {"medium": 2}, "by_status": {"live": 2}, "live_by_topic": {"spacing": 2},
                     "by_objective": {"spacing.initial-interval": {"total": 2, "live": 2}}, "live_recall": 0}
    assert sorted(o.id for o in loaded.objectives) == [
        "aftercare.sunscreen", "spacing.course-length", "spacing.initial-interval"]


def test_yaml_syntax_error_names_file_and_line(bank: Path) -> None:
    path = write(bank, "spacing.yaml", items(good()) + "  - id: spacing-002\n    stem: [unclosed\n")
    msgs = problems_of(bank)
    assert len(msgs) == 1
    assert msgs[0].startswith("question_bank/topics/spacing.yaml:")
    assert "YAML syntax error" in msgs[0]
    reported = int(msgs[0].split(":")[1])
    assert abs(reported - line_of(path, "[unclosed")) <= 1


def test_missing_field(bank: Path) -> None:
    path = write(bank, "spacing.yaml", items(good().replace("    explanation: Early sessions are 7 to 10 days apart.\n", "")))
    assert problems_of(bank) == [
        f"question_bank/topics/spacing.yaml:{line_of(path, '- id: spacing-001')}: spacing-001: missing field 'explanation'"
    ]


def test_unknown_type_topic_and_source(bank: Path) -> None:
    body = items(
        good().replace("type: single", "type: essay"),
        good("spacing-002", "Two").replace("    type: single\n", "    type: single\n    topic: astrology\n"),
        good("spacing-003", "Three").replace("id: clinic-faq-article", "id: wikipedia"),
    )
    path = write(bank, "spacing.yaml", body)
    msgs = problems_of(bank)
    assert f"question_bank/topics/spacing.yaml:{line_of(path, 'type: essay')}: spacing-001: unknown type 'essay'; " \
           "expected one of single, multiple, true_false, ordering, numeric" in msgs
    assert any(m.startswith(f"question_bank/topics/spacing.yaml:{line_of(path, 'topic: astrology')}: spacing-002: "
                            "unknown topic 'astrology'") for m in msgs)
    assert any(m.startswith(f"question_bank/topics/spacing.yaml:{line_of(path, 'wikipedia')}: spacing-003: "
                            "unknown source 'wikipedia'") for m in msgs)


def test_key_out_of_range(bank: Path) -> None:
    path = write(bank, "spacing.yaml", items(good().replace("key: B", "key: E")))
    assert problems_of(bank) == [
        f"question_bank/topics/spacing.yaml:{line_of(path, 'key: E')}: spacing-001: "
        "key E is out of range: the options run A to C"
    ]


def test_duplicate_id_within_and_across_files(bank: Path) -> None:
    a = write(bank, "spacing.yaml", items(good(), good("spacing-001", "Another stem entirely.")))
    b = write(bank, "aftercare.yaml", items(good("spacing-001", "A third stem.")).replace("topic: spacing", "topic: aftercare"))
    msgs = problems_of(bank)
    first = f"question_bank/topics/aftercare.yaml:{line_of(b, '- id: spacing-001')}"
    assert f"question_bank/topics/spacing.yaml:{line_of(a, '- id: spacing-001')}: spacing-001: duplicate id (also at {first})" in msgs
    assert f"question_bank/topics/spacing.yaml:{line_of(a, '- id: spacing-001', 2)}: spacing-001: duplicate id (also at {first})" in msgs


def test_duplicate_option_text(bank: Path) -> None:
    path = write(bank, "spacing.yaml", items(good().replace("Wait six months.", "Book her for Friday.")))
    msgs = problems_of(bank)
    assert msgs == [f"question_bank/topics/spacing.yaml:{line_of(path, 'Book her for Friday.', 2)}: spacing-001: "
                    "duplicate option text: option C repeats option A"]


def test_ordering_key_must_be_a_full_permutation(bank: Path) -> None:
    body = good().replace("type: single", "type: ordering").replace("key: B", "key: [A, B, B]")
    path = write(bank, "spacing.yaml", items(body))
    msgs = problems_of(bank)
    assert msgs == [f"question_bank/topics/spacing.yaml:{line_of(path, 'key: [A, B, B]')}: spacing-001: the key of an "
                    "ordering item must name every option exactly once; got A, B, B for 3 options"]


def test_numeric_without_tolerance(bank: Path) -> None:
    body = """\
      - id: spacing-001
        type: numeric
        difficulty: easy
        status: live
        objective: spacing.course-length
        stem: Zara asks how many hours to skip the gym. How many?
        key: 24
        unit: hours
        explanation: At least a day.
        source: {id: clinic-faq-article, section: Aftercare}
    """
    path = write(bank, "spacing.yaml", "topic: spacing\nitems:\n" + textwrap.indent(textwrap.dedent(body), "  "))
    assert problems_of(bank) == [f"question_bank/topics/spacing.yaml:{line_of(path, '- id: spacing-001')}: spacing-001: "
                                 "a numeric item needs a tolerance (0 for an exact answer)"]


def test_empty_stem(bank: Path) -> None:
    path = write(bank, "spacing.yaml", items(good(stem='""')))
    assert problems_of(bank) == [f"question_bank/topics/spacing.yaml:{line_of(path, 'stem:')}: spacing-001: empty stem"]


def test_every_problem_is_reported_not_just_the_first(bank: Path) -> None:
    write(bank, "spacing.yaml", items(good().replace("key: B", "key: Z"), good("spacing-002", '""')))
    write(bank, "broken.yaml", "topic: aftercare\nitems: [\n")
    msgs = problems_of(bank)
    assert len(msgs) == 3
    assert {m.split(":")[0] for m in msgs} == {"question_bank/topics/spacing.yaml", "question_bank/topics/broken.yaml"}


def test_unknown_field_is_named(bank: Path) -> None:
    path = write(bank, "spacing.yaml", items(good().replace("key: B", "key: B\n    kye: C")))
    assert problems_of(bank) == [f"question_bank/topics/spacing.yaml:{line_of(path, '- id: spacing-001')}: spacing-001: "
                                 "unknown field 'kye'"]


def test_case_set_items_share_the_scenario_in_order(bank: Path) -> None:
    write(bank, "spacing.yaml", items(good()))
    case = "id: case-lena\ntitle: Lena's course\nscenario: Lena, 50, starts a course.\nitems:\n" + \
        good("case-lena-1", "First visit.") + good("case-lena-2", "Second visit.")
    (bank / "cases" / "case-lena.yaml").write_text(case.replace("  - id: case-lena-1", "  - id: case-lena-1\n    topic: spacing")
                                                   .replace("  - id: case-lena-2", "  - id: case-lena-2\n    topic: aftercare")
                                                   .replace("objective: spacing.initial-interval\n    stem: Second",
                                                            "objective: aftercare.sunscreen\n    stem: Second"))
    loaded = load_bank(bank)
    case_items = [q for q in loaded.questions if q.case]
    assert [(q.id, q.topic, q.case.position, q.case.size) for q in case_items] == [
        ("case-lena-1", "spacing", 1, 2), ("case-lena-2", "aftercare", 2, 2)]
    assert case_items[0].case.scenario == "Lena, 50, starts a course."


def test_the_real_bank_validates() -> None:
    bank = load_bank(PROJECT_ROOT / "question_bank")
    assert len(bank.questions) > 0


# -- objectives (issue 8) ------------------------------------------------------------------------------


def test_every_live_or_draft_item_names_a_known_objective_of_its_topic(bank: Path) -> None:
    body = items(
        good("spacing-001", "One.").replace("    objective: spacing.initial-interval\n", ""),
        good("spacing-002", "Two.").replace("spacing.initial-interval", "spacing.no-such-thing"),
        good("spacing-003", "Three.").replace("spacing.initial-interval", "aftercare.sunscreen"),
        good("spacing-004", "Four.").replace("    objective: spacing.initial-interval\n", "")
        .replace("status: live", "status: retired"),
        good("spacing-005", "Five.").replace("    objective: spacing.initial-interval\n", "")
        .replace("status: live", "status: draft"),
    )
    path = write(bank, "spacing.yaml", body)
    rel = "question_bank/topics/spacing.yaml"
    assert problems_of(bank) == [
        f"{rel}:{line_of(path, '- id: spacing-001')}: spacing-001: missing field 'objective' (every live or draft "
        "item names one learning objective)",
        f"{rel}:{line_of(path, 'spacing.no-such-thing')}: spacing-002: unknown objective 'spacing.no-such-thing'; "
        "add it to objectives/spacing.yaml",
        f"{rel}:{line_of(path, 'aftercare.sunscreen')}: spacing-003: objective 'aftercare.sunscreen' belongs to "
        "topic 'aftercare', the item to 'spacing'",
        f"{rel}:{line_of(path, '- id: spacing-005')}: spacing-005: missing field 'objective' (every live or draft "
        "item names one learning objective)",
    ]


def test_an_objective_carries_at_most_four_live_items(bank: Path) -> None:
    blocks = [good(f"spacing-{i:03d}", f"Stem number {i}.") for i in range(1, 6)]
    write(bank, "spacing.yaml", items(*blocks))
    objectives = bank / "objectives" / "spacing.yaml"
    assert problems_of(bank) == [
        f"question_bank/objectives/spacing.yaml:{line_of(objectives, 'id: spacing.initial-interval')}: "
        "spacing.initial-interval: 5 live items name this objective, at most 4: spacing-001, spacing-002, "
        "spacing-003, spacing-004, spacing-005"]
    blocks[4] = blocks[4].replace("status: live", "status: draft")  # drafts do not count
    write(bank, "spacing.yaml", items(*blocks))
    assert len(load_bank(bank).questions) == 5


def test_objective_ids_are_unique_and_belong_to_their_file_topic(bank: Path) -> None:
    write(bank, "spacing.yaml", items(good()))
    (bank / "objectives" / "tail.yaml").write_text(
        "topic: spacing\nobjectives:\n  - id: spacing.initial-interval\n    statement: Again.\n"
        "  - id: aftercare.exercise\n    statement: Wrong file.\n  - id: astrology.stars\n    statement: No topic.\n"
        "  - id: NoDot\n    statement: Bad id.\n")
    msgs = problems_of(bank)
    rel = "question_bank/objectives/tail.yaml"
    assert f"{rel}:3: spacing.initial-interval: duplicate objective id (also at " \
           "question_bank/objectives/spacing.yaml:3)" in msgs
    assert f"{rel}:5: aftercare.exercise: objective of topic 'aftercare' in the file of topic 'spacing'" in msgs
    assert any(m.startswith(f"{rel}:7: astrology.stars: unknown topic 'astrology'") for m in msgs)
    assert any(m.startswith(f"{rel}:9: NoDot: id:") for m in msgs)


def test_a_live_item_cites_a_seed_article_or_a_source_with_authors_and_year(bank: Path) -> None:
    with (bank / "sources.yaml").open("a") as f:
        f.write("  - id: house-policy\n    title: Our clinic's rules\n    kind: standard\n"
                "    sections: [Rules]\n")
    path = write(bank, "spacing.yaml", items(
        good("spacing-001", "One.").replace("{id: clinic-faq-article, section: Sessions and spacing}",
                                            "{id: house-policy, section: Rules}"),
        good("spacing-002", "Two.").replace("{id: clinic-faq-article, section: Sessions and spacing}",
                                            "{id: house-policy, section: Rules}").replace("status: live",
                                                                                          "status: draft")))
    msgs = problems_of(bank)
    assert len(msgs) == 1
    assert msgs[0].startswith(f"question_bank/topics/spacing.yaml:{line_of(path, 'house-policy')}: spacing-001: "
                              "a live item cites a seed article or a source with authors and year")


# -- hostile files (issue 9): each is a located problem, found fast ------------------------------------


ALIAS_BOMB = "topic: spacing\nitems:\n  - id: spacing-001\n    a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + \
    "".join(f"    {chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))


@pytest.mark.parametrize("name, body, expect", [
    ("alias bomb", ALIAS_BOMB, "anchors and aliases"),
    ("deep nesting", "topic: spacing\nitems: " + "[" * 50_000 + "]" * 50_000 + "\n", "nesting deeper than 50"),
    ("deep block nesting", "topic: spacing\nitems:\n" + "".join("  " * i + "- \n" for i in range(200)),
     "nesting deeper than 50"),
])
def test_hostile_yaml_is_refused_fast_with_a_located_problem(bank: Path, name: str, body: str, expect: str) -> None:
    write(bank, "spacing.yaml", body)
    started = time.monotonic()
    msgs = problems_of(bank)
    assert time.monotonic() - started < 5
    hits = [m for m in msgs if m.startswith("question_bank/topics/spacing.yaml:") and expect in m]
    assert len(hits) == 1, msgs


def test_anchors_are_refused_in_topics_sources_and_objectives_too(bank: Path) -> None:
    write(bank, "spacing.yaml", items(good()))
    (bank / "objectives" / "aftercare.yaml").write_text(
        "topic: aftercare\nobjectives:\n  - &x {id: aftercare.sunscreen, statement: Sun.}\n  - *x\n")
    msgs = problems_of(bank)
    assert any(m.startswith("question_bank/objectives/aftercare.yaml:3: -: anchors and aliases") for m in msgs), msgs


def test_a_latin1_topics_file_is_a_located_problem(bank: Path) -> None:
    write(bank, "spacing.yaml", items(good()))
    text = (bank / "topics.yaml").read_text(encoding="utf-8")
    (bank / "topics.yaml").write_bytes((text + "# Caf\u00e9 na\u00efve\n").encode("latin-1"))
    msgs = problems_of(bank)
    lines = text.count("\n") + 1
    assert f"question_bank/topics.yaml:{lines}: -: the file is not UTF-8 text (byte 0xe9); save it as UTF-8" in msgs
