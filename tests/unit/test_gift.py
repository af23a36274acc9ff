"""GIFT: round trip (export then import gives the same items), Moodle's forms, and refused files with lines."""

from __future__ import annotations

import pytest

from quiz.adapters.bank_files import BankInvalid, load_bank
from quiz.adapters.gift import (
    PLACEHOLDER_EXPLANATION,
    ImportDefaults,
    dump_gift,
    escape,
    generated_id,
    parse_gift,
)
from quiz.core.config import PROJECT_ROOT
from quiz.domain.bank import CaseInfo, Option, SourceRef
from tests.factories import make_bank, make_question

SOURCE = SourceRef(id="clinic-faq-article", section="Aftercare")
DEFAULTS = ImportDefaults(topic="aftercare", source=SOURCE)


def _sample_questions():
    tricky = [Option(text="Use 50% less {gel} = fine", feedback="No: #1 rule\\ is: keep it ~ simple"),
              Option(text="Wait: two days", feedback="Right.\nSecond line of feedback.")]
    case = CaseInfo(id="case-zoe", title="Zoe's course", scenario="Zoe, 35: books a {course}.", position=2, size=3)
    return [
        make_question("aftercare-001", key=2, tags=["sun", "exercise"]),
        make_question("aftercare-002", options=tricky, key=1, stem="Ann asks: can I use {gel}?\nShe is 40 = ok?",
                      explanation="Because ~ reasons #2."),
        make_question("spacing-001", type="multiple", n_options=5, key=[0, 2, 4], scoring="partial", points=2.0),
        make_question("spacing-002", type="multiple", n_options=4, key=[1, 3]),
        make_question("spacing-003", type="multiple", n_options=3, key=[0, 1, 2], scoring="partial"),
        make_question("spacing-004", type="true_false", key=False),
        make_question("spacing-005", type="true_false", key=True),
        make_question("spacing-006", type="numeric", key=7, tolerance=0),
        make_question("spacing-007", type="numeric", key=8.5, tolerance=1.5,
                      feedback={"correct": "Yes: 7 to 10 days.", "incorrect": "No; 7 to 10."}),
        make_question("hygiene-001", status="draft", review_note="Check: against {current} guidance.\nTwice.",
                      source=SourceRef(id="nos-skansc", section="SKANSC1 Safe and hygienic working")),
        make_question("case-zoe-2", topic="hygiene", case=case),
    ]


def _same(a, b) -> bool:  # noqa: ANN001
    """Same item (status aside: the importer decides it) and the same content hash."""
    b = b.model_copy(update={"status": a.status})
    return a == b and a.content_hash() == b.content_hash()


def test_round_trip_gives_the_same_items():
    questions = _sample_questions()
    exported = dump_gift(questions)
    result = parse_gift(exported.text, ImportDefaults(status="live"))
    assert result.problems == []
    back = {i.question.id: i.question for i in result.questions}
    assert set(back) == {q.id for q in questions}
    for q in questions:
        assert _same(q, back[q.id]), q.id
    # and exporting the imported items gives the same text
    assert dump_gift([i.question for i in result.questions]).text == exported.text


def test_round_trip_of_a_whole_bank_and_ordering_items_are_skipped():
    bank = make_bank()
    questions = [*bank.questions, make_question("hygiene-020", type="ordering", n_options=3)]
    exported = dump_gift(questions)
    assert exported.skipped == ["hygiene-020"] and "hygiene-020" in exported.text.splitlines()[1]
    result = parse_gift(exported.text)
    assert result.problems == [] and len(result.questions) == len(bank.questions)
    back = {i.question.id: i.question for i in result.questions}
    assert all(_same(q, back[q.id]) for q in bank.questions)


def test_round_trip_of_the_project_question_bank():
    try:
        bank = load_bank(PROJECT_ROOT / "question_bank")
    except BankInvalid:
        pytest.skip("the project's question bank is being edited and does not validate right now")
    exported = dump_gift(bank.questions)
    result = parse_gift(exported.text)
    assert result.problems == []
    back = {i.question.id: i.question for i in result.questions}
    written = [q for q in bank.questions if q.type != "ordering"]
    assert len(back) == len(written)
    assert all(_same(q, back[q.id]) for q in written)


def test_escapes():
    assert escape("a~b=c#d{e}f:g\\h\ni") == "a\\~b\\=c\\#d\\{e\\}f\\:g\\\\h\\ni"
    text = "::aftercare-001::Is 1\\:1 \\{ok\\}? {=yes \\= sure#fine \\#1 ~no\\~#why\\nnot ####Because\\: reasons.}"
    [item] = parse_gift(text, DEFAULTS).questions
    q = item.question
    assert q.stem == "Is 1:1 {ok}?"
    assert [o.text for o in q.options] == ["yes = sure", "no~"]
    assert q.options[0].feedback == "fine #1" and q.options[1].feedback == "why\nnot"
    assert q.explanation == "Because: reasons."


MOODLE = """\
// A file as Moodle users write it (not produced by us).
$CATEGORY: $course$/top/Default for Meso/Aftercare

::aftercare-101::[plain]After treatment, what should the client use?{
  =Sunscreen#Right: protect the skin.
  ~Nothing#No: the skin is sensitive.
  ~A scrub#No: too harsh.
  ####Sun protection matters for several days.
}

// source: clinic-faq-article | Aftercare
// difficulty: hard
::aftercare-102::Which two are part of aftercare? {
  ~%50%Sunscreen#yes
  ~%50%No strenuous exercise for 24 hours#yes
  ~%-50%A sauna the same day#no
  ~%-50%A chemical peel the next day#no
  ####Both protect the treated skin.
}

::aftercare-103::Pick the right ones {~%50%a#y ~%50%b#y ~%-100%c#n ~%-100%d#n ####x}

::aftercare-104::Sun protection is needed after treatment.{TRUE#Wrong: it is needed.#Right: it is.####Yes.}

::aftercare-105::How many hours without strenuous exercise?{#24:0####At least a day.}

::aftercare-106::Days between early sessions?{#7..10####About a week to ten days.}

::aftercare-107::Days before a peel?{#=7:0#Right, a week. ####A week.}

::aftercare-108::Hours without exercise, in digits?{=24 =24.0 ####A day.}

::aftercare-109::The client should avoid {=direct sun ~cold water ~sleep} for a few days.

Q about sunscreen without a title{=Use it ~Skip it ####Use it.}
"""


def test_moodle_forms_map_to_our_types():
    result = parse_gift(MOODLE, DEFAULTS)
    assert result.problems == []
    items = {i.question.id: i for i in result.questions}
    q = items["aftercare-101"].question
    assert (q.type, q.key, q.topic) == ("single", 0, "aftercare")
    assert q.explanation == "Sun protection matters for several days."
    assert q.options[1].feedback == "No: the skin is sensitive."
    q = items["aftercare-102"].question
    assert (q.type, q.key, q.scoring, q.difficulty) == ("multiple", [0, 1], "partial", "hard")
    q = items["aftercare-103"].question
    assert (q.type, q.key, q.scoring) == ("multiple", [0, 1], "all_or_nothing")
    assert any("all-or-nothing" in w for w in items["aftercare-103"].warnings)
    q = items["aftercare-104"].question
    assert q.type == "true_false" and q.key is True
    assert q.options[0].feedback == "Right: it is." and q.options[1].feedback == "Wrong: it is needed."
    q = items["aftercare-105"].question
    assert (q.type, q.key, q.tolerance) == ("numeric", 24, 0)
    q = items["aftercare-106"].question
    assert (q.key, q.tolerance) == (8.5, 1.5)
    q = items["aftercare-107"].question
    assert q.feedback["correct"] == "Right, a week."
    q = items["aftercare-108"].question
    assert (q.type, q.key, q.tolerance) == ("numeric", 24, 0)
    q = items["aftercare-109"].question
    assert q.stem == "The client should avoid _____ for a few days."
    generated = generated_id("aftercare", "Q about sunscreen without a title")
    assert generated in items and items[generated].question.key == 0


def test_missing_feedback_and_explanation_import_as_a_draft_with_a_note():
    text = "$CATEGORY: spacing\n\n::spacing-101::How often at first?{=Every 7 to 10 days ~Daily}"
    [item] = parse_gift(text, ImportDefaults(source=SOURCE, status="live")).questions
    q = item.question
    assert q.status == "draft" and q.topic == "spacing"
    assert q.explanation == PLACEHOLDER_EXPLANATION
    assert "explanation" in q.review_note and "feedback" in q.review_note
    assert any("draft, not live" in w for w in item.warnings)


def test_an_own_file_keeps_its_status_choice():
    text = dump_gift([make_question("aftercare-001")]).text
    assert parse_gift(text, ImportDefaults(status="live")).questions[0].question.status == "live"
    assert parse_gift(text).questions[0].question.status == "draft"


BAD = """\
$CATEGORY: aftercare

::aftercare-201::Match them {=a -> 1 =b -> 2 =c -> 3}

::aftercare-202::Write an essay {}

::aftercare-203::What do you apply?{=sunscreen =sun cream}

::aftercare-204::Pick{~%70%a ~%30%b ~%-100%c}

::aftercare-205::Pick one{=a =b ~c}

::aftercare-206::Broken {=a ~b

::aftercare-207::Just a description without answers.

::aftercare-208::Fine question{=yes#y ~no#n ####ok}

::aftercare-209::Half right{=a ~%50%b ~c}

::aftercare-210::
How many?
{#7:x}

::aftercare-208::Same id again{=yes ~no}
"""


def test_malformed_file_reports_every_problem_with_its_line():
    result = parse_gift(BAD, DEFAULTS)
    lines = {p.line: p.message for p in result.problems}
    assert "matching" in lines[3]
    assert "essay" in lines[5]
    assert "text answer" in lines[7]
    assert "weigh" in lines[9]
    assert "several '='" in lines[11]
    assert "not closed" in lines[13]
    assert "description" in lines[15]
    assert "partial credit" in lines[19]
    assert "not a number" in lines[23]  # the line of the bad value, not of the title
    assert "duplicate id" in lines[25] and "line 17" in lines[25]
    assert 17 not in lines  # the good question is fine on its own...
    assert not result.ok  # ...but the file as a whole is refused by the importer
    assert str(result.problems[0]).startswith("line 3: ")


def test_no_topic_and_no_source_are_problems_unless_the_importer_chooses():
    text = "::x-001::Q{=a ~b ####e}"
    problems = parse_gift(text, ImportDefaults(source=SOURCE)).problems
    assert len(problems) == 1 and problems[0].line == 1 and "topic" in problems[0].message
    problems = parse_gift(text, ImportDefaults(topic="aftercare")).problems
    assert len(problems) == 1 and "source" in problems[0].message
    assert parse_gift(text, DEFAULTS).ok


def test_item_rules_are_reported_with_the_line():
    text = "\n\n// source: nos-skansc | SKANSC1 Safe and hygienic working\n// difficulty: extreme\n" \
           "::aftercare-001::Q{=a#x ~b#y ####e}"
    problems = parse_gift(text, DEFAULTS).problems
    assert {p.line for p in problems} == {5}
    assert any("difficulty" in p.message for p in problems)
    bad_source = "// source: only-an-id\n::aftercare-001::Q{=a#x ~b#y ####e}"
    [p] = parse_gift(bad_source, DEFAULTS).problems
    assert p.line == 1 and "source" in p.message


def test_generated_ids_are_stable():
    assert generated_id("aftercare", "What  now?") == generated_id("aftercare", "what now?")
    assert generated_id("aftercare", "What now?") != generated_id("aftercare", "What next?")
