"""Aiken import: good files become single-answer drafts; bad files report every problem with its line."""

from __future__ import annotations

from quiz.adapters.aiken import parse_aiken
from quiz.adapters.gift import PLACEHOLDER_EXPLANATION, ImportDefaults
from quiz.domain.bank import SourceRef

SOURCE = SourceRef(id="clinic-faq-article", section="Aftercare")
DEFAULTS = ImportDefaults(topic="aftercare", source=SOURCE, difficulty="easy", status="live")

GOOD = """\
What should a client avoid
for a few days after treatment?
A. Sunscreen
B) Direct sun
C. Drinking water
ANSWER: B

How long should the client avoid strenuous exercise?
A. At least 24 hours
B. One hour
ANSWER: A
What can follow a week later?
A. A chemical peel
B. Nothing ever
answer: a
"""


def test_good_file():
    result = parse_aiken(GOOD, DEFAULTS)
    assert result.problems == []
    first, second, third = (i.question for i in result.questions)
    assert first.stem == "What should a client avoid for a few days after treatment?"
    assert [o.text for o in first.options] == ["Sunscreen", "Direct sun", "Drinking water"]
    assert (first.type, first.key, first.topic, first.source, first.difficulty) == (
        "single", 1, "aftercare", SOURCE, "easy")
    assert second.key == 0 and third.key == 0  # "answer: a" is accepted
    assert [i.line for i in result.questions] == [1, 8, 12]
    # no feedback or explanation in Aiken: a draft with placeholders and a review note, even if "live" was asked
    assert first.status == "draft" and first.explanation == PLACEHOLDER_EXPLANATION and first.review_note
    assert any("draft, not live" in w for w in result.questions[0].warnings)
    assert len({q.id for q in (first, second, third)}) == 3


def test_bad_file_reports_each_problem_with_its_line():
    bad = """\
Options out of order?
A. x
C. y
ANSWER: A

Answer not an option?
A. a
B. b
ANSWER: E

No answer line?
A. a
B. b
Next question starts here?
A. c
B. d
ANSWER: B

Only one option?
A. lonely
ANSWER: A

ANSWER: A

Dangling question at the end
"""
    result = parse_aiken(bad, DEFAULTS)
    lines = {p.line: p.message for p in result.problems}
    assert "out of order" in lines[3]
    assert "E is not one of the options A to B" in lines[9]
    assert "ANSWER" in lines[11]
    assert "at least 2 options" in lines[19]
    assert "without a question" in lines[23]
    assert "without options" in lines[25]
    assert len(result.problems) == 6


def test_topic_and_source_must_be_chosen():
    result = parse_aiken(GOOD, ImportDefaults())
    assert not result.ok and result.questions == []
    messages = " ".join(p.message for p in result.problems)
    assert "topic" in messages and "source" in messages


def test_a_repeated_question_is_refused():
    text = "Same?\nA. a\nB. b\nANSWER: A\n\nSame?\nA. a\nB. b\nANSWER: B\n"
    [p] = parse_aiken(text, DEFAULTS).problems
    assert p.line == 6 and "line 1" in p.message
