"""The item-writing linter: every per-item check and every bank-level check, each on a small bad bank of its own
(and a clean item that passes), the command line, and the shipped bank."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from quiz.cli import main
from quiz.core.config import PROJECT_ROOT
from quiz.domain.bank import Option, Question, SourceRef
from quiz.domain.lint import (
    are_opposites,
    bank_checks,
    check_absolute_words,
    check_key_positions,
    check_longest_key,
    check_multiple_keys,
    lint_bank,
    lint_question,
    near_duplicate_pairs,
)

CLEAN = ["Book her second session for next week.", "Book her second session for tomorrow.",
         "Book her second session for next month.", "Book her second session for next year."]


def item(options: list[str], key=0, *, id: str = "spacing-001", type: str = "single", status: str = "live",
         stem: str = "Priya had her first session on Monday and asks when to come back. What do you advise?"
         ) -> Question:
    return Question(id=id, topic="spacing", type=type, stem=stem, key=key, status=status, difficulty="medium",
                    options=[Option(text=t, feedback="Because.") for t in options], explanation="Why.",
                    source=SourceRef(id="clinic-faq-article", section="Sessions and spacing"),
                    objective="spacing.initial-interval")


def only(warnings: list[str], kind: str) -> list[str]:
    return [w for w in warnings if w.startswith(kind)]


# -- per item --------------------------------------------------------------------------------------------


def test_a_clean_item_has_no_warnings():
    assert lint_question(item(CLEAN, 1)) == []


def test_absolute_word_only_in_distractors():
    bad = item(["Book her for next week.", "Never book a second session.", "Always wait a month first.",
                "Book her for tomorrow."], 0)
    assert only(lint_question(bad), "absolute word only in distractors") == [
        "absolute word only in distractors (always, never in B, C); a candidate can rule them out unread"]
    balanced = item(["Always book her for next week.", "Never book a second session.", "Wait a month first.",
                     "Book her for tomorrow."], 0)
    assert not only(lint_question(balanced), "absolute word")


def test_key_uniquely_longest_by_more_than_a_fifth():
    long_key = item(["Book her for a week after the first session, as the clinic's protocol says.",
                     "Book her for tomorrow.", "Book her for next month.", "Book her for next year."], 0)
    assert only(lint_question(long_key), "key uniquely longest")
    near = item(["Book her for next week!", "Book her for tomorrow.", "Book her for a month.",
                 "Book her in a year."], 0)  # longest, but by less than 20%
    assert not only(lint_question(near), "key uniquely longest")


def test_key_uniquely_hedged():
    hedged = item(["It may settle within a few days.", "It lasts for a month.", "It spreads to the neck.",
                   "It turns into a scar."], 0)
    assert only(lint_question(hedged), "key uniquely hedged") == [
        "key uniquely hedged: only A use a hedge word (may)"]
    both = item(["It may settle within a few days.", "It can last for a month.", "It spreads to the neck.",
                 "It turns into a scar."], 0)
    assert not only(lint_question(both), "key uniquely hedged")


def test_odd_one_out_opening():
    odd = item(["Carry on and watch her.", "Carry on with less pressure.", "Carry on after a break.",
                "Stop and assess her."], 3)
    assert only(lint_question(odd), "odd-one-out opening") == [
        "odd-one-out opening: every distractor opens with 'carry', the key with 'stop'"]
    mixed = item(["Carry on and watch her.", "Slow down and carry on.", "Carry on after a break.",
                  "Stop and assess her."], 3)
    assert not only(lint_question(mixed), "odd-one-out")


def test_paired_opposites():
    assert are_opposites("Stop the session.", "Do not stop the session.")
    assert are_opposites("Book it before the peel.", "Book it after the peel.")
    assert are_opposites("She is suitable today.", "She is unsuitable today.")
    assert not are_opposites("Stop the session.", "Call the clinic.")
    paired = item(["Treat her today.", "Do not treat her today.", "Book her for next month.",
                   "Refer her to the clinic manager."], 0)
    assert only(lint_question(paired), "paired opposites") == [
        "paired opposites: options A and B differ only by a negation or an antonym, and one of them is the key"]
    distractors_only = item(["Refer her to her GP.", "Treat her today.", "Do not treat her today.",
                             "Book her for next month."], 0)
    assert not only(lint_question(distractors_only), "paired opposites")


def test_all_or_none_of_the_above():
    catch_all = item(["Book her for next week.", "Book her for tomorrow.", "Book her next month.",
                      "None of the above."], 0)
    assert only(lint_question(catch_all), "option D is a catch-all")


def test_negative_stem_without_capitals():
    lower = item(CLEAN, 1, stem="Sam, 30, books a session. Which of these is not a reason to postpone?")
    assert only(lint_question(lower), "negative stem") == [
        "negative stem: write 'not' in capitals (NOT) so that no candidate misses it"]
    for stem in ("Which of these is NOT a reason to postpone?", "Which is the LEAST likely cause?",
                 "Sam has not eaten today. What do you do?", "What do you do if she has not eaten?"):
        assert not only(lint_question(item(CLEAN, 1, stem=stem)), "negative stem"), stem
    for stem in ("All of these are risks except which?", "Which is the least likely cause?",
                 "In which case would you not treat her?", "What should you not do next?"):
        assert only(lint_question(item(CLEAN, 1, stem=stem)), "negative stem"), stem


def test_near_duplicate_stem_elsewhere_in_the_bank():
    a = item(CLEAN, 1, id="spacing-001", stem="Priya had her first session on Monday. She asks to come back on "
                                              "Friday. What do you advise?")
    b = item(CLEAN, 2, id="spacing-002", stem="Priya had her first session on Monday; she asks to come back on "
                                              "Friday! What do you advise?")
    c = item(CLEAN, 3, id="spacing-003", stem="Tom, 40, asks whether a meso gun and hand injection deliver the "
                                              "same cocktail.")
    assert only(lint_question(a, [a, b, c]), "near-duplicate stem") == [
        "near-duplicate stem: spacing-002 asks nearly the same (100% alike)"]
    assert not only(lint_question(c, [a, b, c]), "near-duplicate")
    assert {(x, y) for x, y, _ in near_duplicate_pairs({q.id: q.stem for q in (a, b, c)})} == {
        ("spacing-001", "spacing-002")}
    found = lint_bank([a, b, c])
    assert set(found) == {"spacing-001", "spacing-002"}


def test_multiple_response_items_are_linted_too():
    multi = item(["It may bruise.", "It can sting.", "It turns into a scar.", "It spreads to the neck."], [0, 1],
                 type="multiple")
    assert only(lint_question(multi), "key uniquely hedged")
    paired = item(["Wear sunscreen.", "Do not wear sunscreen.", "Go to the gym.", "Book a peel."], [0, 3],
                  type="multiple")
    assert only(lint_question(paired), "paired opposites")


def test_retired_items_are_not_linted():
    catch_all = item(["Book her.", "Wait.", "Refer her.", "All of the above."], 0, status="retired")
    assert lint_bank([catch_all]) == {}


# -- bank level ------------------------------------------------------------------------------------------


def _singles(keys: list[int], n: int = 4) -> list[Question]:
    return [item([f"Option {c} of item {i}." for c in "WXYZ"[:n]], k, id=f"spacing-{i:03d}",
                 stem=f"Stem {i}: what do you do?") for i, k in enumerate(keys)]


def test_key_position_within_ten_points_of_uniform():
    balanced = _singles([0, 1, 2, 3] * 5)
    assert check_key_positions(balanced).ok
    skewed = _singles([0] * 8 + [1, 2, 3] * 4)  # A keyed 40%, expected 25%
    check = check_key_positions(skewed)
    assert not check.ok and "A 40% (expected 25%)" in check.message
    mixed = _singles([0, 1, 2] * 4, n=3) + _singles([0, 1, 2, 3] * 3)  # expected A = mean of 1/3 and 1/4
    figures = check_key_positions(mixed).figures
    assert figures["A"]["expected"] == pytest.approx((12 / 3 + 12 / 4) / 24, abs=0.001)
    assert figures["D"]["expected"] == pytest.approx((12 / 4) / 24, abs=0.001)
    assert check_key_positions(mixed).ok


def _multiples(keys: list[list[int]]) -> list[Question]:
    return [item([f"Option {c} of item {i}." for c in "WXYZ"], k, id=f"spacing-{100 + i:03d}", type="multiple",
                 stem=f"Multiple stem {i}: which apply?") for i, k in enumerate(keys)]


def test_each_letter_keyed_in_30_to_70_percent_of_multiple_items():
    always_a = _multiples([[0, 2, 3], [0, 1], [0, 2], [0, 3], [0, 1, 2]])
    check = check_multiple_keys(always_a)
    assert not check.ok and "A keyed in 5 of 5 (100%)" in check.message
    varied = _multiples([[0, 2], [1, 3], [0, 1], [2, 3], [1, 2], [0, 3]])
    assert check_multiple_keys(varied).ok


def test_absolute_word_rate_in_keys_near_that_in_distractors():
    loaded = [item(["Book her for next week.", "Never book again.", "Always wait a month.", "Only book in spring."],
                   0, id=f"spacing-{i:03d}", stem=f"Stem {i}?") for i in range(4)]
    check = check_absolute_words(loaded)
    assert not check.ok and "0% of keys and 100% of distractors" in check.message
    even = [item(["Always book her for next week.", "Never book again.", "Only wait a month.", "Always book in May."],
                 0, id=f"spacing-{i:03d}", stem=f"Stem {i}?") for i in range(4)]
    assert check_absolute_words(even).ok


def test_uniquely_longest_key_in_at_most_30_percent_of_single_items():
    long_keys = [item(["Book her for a week after the first session.", "Tomorrow.", "A month.", "A year."], 0,
                      id=f"spacing-{i:03d}", stem=f"Stem {i}?") for i in range(4)]
    fine = [item(CLEAN, (0, 1, 3)[i % 3], id=f"spacing-{10 + i:03d}", stem=f"Other stem {i}?") for i in range(8)]
    check = check_longest_key(long_keys + fine)
    assert not check.ok and "4 of 12 single items (33%)" in check.message
    assert check_longest_key(long_keys[:2] + fine).ok


def test_bank_checks_count_live_items_only():
    drafts = [q.model_copy(update={"status": "draft"}) for q in _singles([0] * 10)]
    assert all(c.ok for c in bank_checks(drafts + _singles([0, 1, 2, 3] * 3)))


# -- the command ------------------------------------------------------------------------------------------


ITEM = """\
  - id: spacing-{n:03d}
    type: single
    difficulty: medium
    status: live
    objective: spacing.obj-{n}
    stem: {stem}
    options:
      - text: Book her for next week.
        feedback: Why A.
      - text: Book her for tomorrow.
        feedback: Why B.
      - text: Book her for next month.
        feedback: Why C.
      - text: {d}
        feedback: Why D.
    key: {key}
    explanation: Because.
    source: {{id: clinic-faq-article, section: Sessions and spacing}}
"""


STEMS = ["Priya asks to come back in four days.", "Omar wants weekly sessions for a year.",
         "Lena missed her third session while abroad.", "Tom's skin improved after four sessions.",
         "Zara finished her course last spring.", "Ali asks whether two sessions in one week help.",
         "Mia's bruising faded after three days.", "Ben wants to stretch the gaps straight away."]


def _write_bank(tmp_path: Path, keys: str, option_d: str = "Book her for next year.") -> Path:
    root = tmp_path / "question_bank"
    (root / "topics").mkdir(parents=True)
    (root / "objectives").mkdir()
    shutil.copy(PROJECT_ROOT / "question_bank" / "topics.yaml", root / "topics.yaml")
    shutil.copy(PROJECT_ROOT / "question_bank" / "sources.yaml", root / "sources.yaml")
    (root / "objectives" / "spacing.yaml").write_text("topic: spacing\nobjectives:\n" + "".join(
        f"  - id: spacing.obj-{n}\n    statement: Objective {n}.\n" for n in range(len(keys))))
    body = "".join(ITEM.format(n=n, key=k, stem=STEMS[n] + " What do you advise?",
                               d=option_d if n == 0 else "Book her for next year.") for n, k in enumerate(keys))
    (root / "topics" / "spacing.yaml").write_text("topic: spacing\nitems:\n" + body)
    return root


def test_cli_prints_located_warnings_and_exits_0_when_the_balance_holds(tmp_path: Path, capsys) -> None:
    root = _write_bank(tmp_path, "ABCD" * 2, option_d="None of the above.")
    assert main(["bank", "lint", str(root)]) == 0
    out = capsys.readouterr().out
    assert "question_bank/topics/spacing.yaml:3: spacing-000: option D is a catch-all" in out
    assert "ok   key-position" in out


def test_cli_exits_1_on_a_bank_level_failure_and_speaks_json(tmp_path: Path, capsys) -> None:
    root = _write_bank(tmp_path, "AAAAAB")
    assert main(["bank", "lint", str(root), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["items_linted"] == 6
    assert [c["name"] for c in report["bank"] if not c["ok"]] == ["key-position"]


def test_cli_lints_one_item_file(tmp_path: Path, capsys) -> None:
    root = _write_bank(tmp_path, "ABCD")
    assert main(["bank", "lint", str(root / "topics" / "spacing.yaml")]) == 0
    assert "4 single items" in capsys.readouterr().out


# -- the shipped bank ---------------------------------------------------------------------------------------


def test_the_shipped_bank_passes_the_linter(capsys) -> None:
    code = main(["bank", "lint"])
    out = capsys.readouterr().out
    warnings = [line for line in out.splitlines() if line.startswith("question_bank/")]
    assert code == 0 and not warnings, "bank lint on the shipped bank:\n" + textwrap.shorten(out, 6000)


def test_cli_exits_1_when_nothing_could_be_read(tmp_path: Path, capsys) -> None:
    assert main(["bank", "lint", str(tmp_path / "nope")]) == 1
    assert "no such file or folder" in capsys.readouterr().err
