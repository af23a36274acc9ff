"""Content checks that keep the whole question bank healthy (second edition, issue 8).

These read the real bank under ``question_bank/`` (not a fixture), so they fail when an edit breaks the
format, shrinks a topic, leaves a safety topic without live items, lets bare recall or history grow, skews
answer keys, duplicates a stem or copies wording from the source articles. Each helper is first
sanity-checked on a small made-up input, so every test can fail. The item-writing cues themselves (absolute
words, longest or hedged keys, key balance...) are the linter's (``quiz/domain/lint.py``, tested in
``tests/unit/test_lint.py``, which also runs it on this bank).
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from quiz.adapters.bank_files import MAX_LIVE_PER_OBJECTIVE, SEED_SOURCES, BankInvalid, bank_stats, load_bank
from quiz.core.config import PROJECT_ROOT
from quiz.domain.bank import QUESTION_TYPES, Bank
from quiz.domain.lint import CATCH_ALL_OPTION, bank_checks, key_is_strictly_longest, near_duplicate_pairs

BANK_DIR = PROJECT_ROOT / "question_bank"
SEEDS_DIR = PROJECT_ROOT.parent / "shared" / "seeds"
DRAFT_SOURCE = "nos-skansc"

MIN_TOTAL = 300
MIN_LIVE = 260
MIN_PER_TOPIC = 12
EXPECTED_TOPIC_COUNT = 14
CORE_TOPICS = ("indications", "side-effects", "hygiene", "spacing")
SAFETY_TOPICS = ("screening", "consultation", "asepsis", "complications", "products")
MIN_LIVE_SCENARIO_CORE = 20
MIN_LIVE_SCENARIO_SAFETY = 15
MAX_HISTORY_LIVE = 8
MAX_RECALL_SHARE = 0.10
RECALL_TAG = "recall"
MIN_SINGLE_SHARE = 0.60
MAX_TRUE_FALSE_SHARE = 0.10
MIN_CASE_SETS = 6
MIN_CASE_ITEMS = 3
NGRAM = 8


# -- helpers -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bank() -> Bank:
    try:
        return load_bank(BANK_DIR)
    except BankInvalid as err:
        pytest.fail("the question bank does not validate:\n" + "\n".join(str(p) for p in err.problems))


def words(text: str) -> list[str]:
    """Lower-cased words with punctuation stripped (apostrophes dropped, so "it's" is "its")."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("'", "")
    return re.findall(r"[a-z0-9]+", text)


def ngrams(tokens: list[str], n: int = NGRAM) -> set[tuple[str, ...]]:
    return {tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}


def copied_runs(text: str, seed_grams: set[tuple[str, ...]], n: int = NGRAM) -> list[str]:
    """The runs of ``n`` consecutive words in ``text`` that also occur in a seed article."""
    tokens = words(text)
    return [" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1) if tuple(tokens[i:i + n]) in seed_grams]


def strings_in(data: Any) -> Iterator[str]:
    """Every string value in a loaded YAML document (keys are field names, not text, so skipped)."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from strings_in(value)
    elif isinstance(data, list):
        for value in data:
            yield from strings_in(value)


def bank_yaml_files() -> list[Path]:
    return sorted(BANK_DIR.rglob("*.yaml"))


def raw_items() -> Iterator[tuple[str, dict]]:
    """(file name, raw item) for every item in the topic and case files, as written by authors."""
    for path in sorted((BANK_DIR / "topics").glob("*.yaml")) + sorted((BANK_DIR / "cases").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("items") or []:
            if isinstance(item, dict):
                yield path.name, item


def share(count: int, total: int) -> float:
    return count / total if total else 0.0


def _fmt(rows: Iterable[Any], limit: int = 25) -> str:
    rows = list(rows)
    more = f"\n... and {len(rows) - limit} more" if len(rows) > limit else ""
    return "\n".join(str(r) for r in rows[:limit]) + more


# -- the bank as a whole -------------------------------------------------------------------------------


def test_bank_validates() -> None:
    try:
        result = load_bank(BANK_DIR)
    except BankInvalid as err:
        pytest.fail("the question bank does not validate:\n" + _fmt(err.problems, limit=50))
    assert result.questions, "the bank loaded but holds no questions"


def test_bank_size_and_topic_coverage(bank: Bank) -> None:
    topic_ids = [t.id for t in bank.topics]
    assert len(topic_ids) == EXPECTED_TOPIC_COUNT, f"topics.yaml should define {EXPECTED_TOPIC_COUNT} topics"
    assert len(bank.questions) >= MIN_TOTAL, f"only {len(bank.questions)} items; need at least {MIN_TOTAL}"
    live = [q for q in bank.questions if q.status == "live"]
    assert len(live) >= MIN_LIVE, f"only {len(live)} live items; need at least {MIN_LIVE}"
    per_topic = Counter(q.topic for q in bank.questions)
    thin = {t: per_topic.get(t, 0) for t in topic_ids if per_topic.get(t, 0) < MIN_PER_TOPIC}
    assert not thin, f"topics with fewer than {MIN_PER_TOPIC} items: {thin}"


def live_scenarios(bank: Bank) -> Counter:
    """Live items that are not bare recall, per topic (case-set items count for their own topic)."""
    return Counter(q.topic for q in bank.questions if q.status == "live" and RECALL_TAG not in q.tags)


def test_core_and_safety_topics_have_enough_live_scenario_items(bank: Bank) -> None:
    counts = live_scenarios(bank)
    thin = {t: counts.get(t, 0) for t in CORE_TOPICS if counts.get(t, 0) < MIN_LIVE_SCENARIO_CORE}
    thin |= {t: counts.get(t, 0) for t in SAFETY_TOPICS if counts.get(t, 0) < MIN_LIVE_SCENARIO_SAFETY}
    assert not thin, (f"live scenario items per topic fall short (core {MIN_LIVE_SCENARIO_CORE}, safety "
                      f"{MIN_LIVE_SCENARIO_SAFETY}): {thin}")


def test_live_scenario_counter_leaves_out_recall_and_drafts(bank: Bank) -> None:
    sample = next(q for q in bank.questions if q.status == "live" and q.topic == "spacing")
    before = live_scenarios(bank)["spacing"]
    tagged = sample.model_copy(update={"tags": [*sample.tags, RECALL_TAG]})
    drafted = sample.model_copy(update={"status": "draft"})
    for changed in (tagged, drafted):
        others = [q for q in bank.questions if q.id != sample.id] + [changed]
        assert live_scenarios(Bank(topics=bank.topics, sources=bank.sources, questions=others))["spacing"] == before - 1


def test_bare_recall_and_history_stay_small(bank: Bank) -> None:
    stats = bank_stats(bank.questions)
    live = stats["by_status"].get("live", 0)
    assert stats["live_recall"] <= MAX_RECALL_SHARE * live, (
        f"{stats['live_recall']} of {live} live items are tagged {RECALL_TAG}; at most {MAX_RECALL_SHARE:.0%}")
    assert stats["live_by_topic"].get("history", 0) <= MAX_HISTORY_LIVE, (
        f"history has {stats['live_by_topic'].get('history', 0)} live items; at most {MAX_HISTORY_LIVE}")


def test_every_item_names_an_objective_and_none_is_overloaded(bank: Bank) -> None:
    missing = [q.id for q in bank.questions if q.status != "retired" and not q.objective]
    assert not missing, f"items without an objective: {missing}"
    known = {o.id for o in bank.objectives}
    unknown = [(q.id, q.objective) for q in bank.questions if q.objective and q.objective not in known]
    assert not unknown, f"items naming an unknown objective: {unknown}"
    heavy = {o: c["live"] for o, c in bank_stats(bank.questions)["by_objective"].items()
             if c["live"] > MAX_LIVE_PER_OBJECTIVE}
    assert not heavy, f"objectives with more than {MAX_LIVE_PER_OBJECTIVE} live items: {heavy}"


def test_type_mix(bank: Bank) -> None:
    by_type = Counter(q.type for q in bank.questions)
    total = len(bank.questions)
    unused = [t for t in QUESTION_TYPES if not by_type.get(t)]
    assert not unused, f"question types never used: {unused}"
    assert share(by_type["single"], total) >= MIN_SINGLE_SHARE, (
        f"single items are {share(by_type['single'], total):.0%} of the bank; need at least {MIN_SINGLE_SHARE:.0%}"
    )
    assert share(by_type["true_false"], total) <= MAX_TRUE_FALSE_SHARE, (
        f"true/false items are {share(by_type['true_false'], total):.0%}; at most {MAX_TRUE_FALSE_SHARE:.0%}"
    )


def test_all_difficulties_used(bank: Bank) -> None:
    used = {q.difficulty for q in bank.questions}
    assert used == {"easy", "medium", "hard"}, f"difficulties used: {sorted(used)}"


def test_case_sets(bank: Bank) -> None:
    sizes: dict[str, int] = Counter(q.case.id for q in bank.questions if q.case is not None)
    big_enough = [case for case, n in sizes.items() if n >= MIN_CASE_ITEMS]
    assert len(big_enough) >= MIN_CASE_SETS, (
        f"need at least {MIN_CASE_SETS} case sets with {MIN_CASE_ITEMS}+ items; have {dict(sizes)}"
    )
    small = {case: n for case, n in sizes.items() if n < MIN_CASE_ITEMS}
    assert not small, f"case sets with fewer than {MIN_CASE_ITEMS} items: {small}"


# -- stems and options (the near-duplicate finder is the linter's) -------------------------------------


def test_near_duplicate_finder_works() -> None:
    stems = {
        "a": "Priya had her first session on Monday. She asks to come back on Friday. What do you advise?",
        "b": "Priya had her first session on Monday; she asks to come back on Friday! What do you advise?",
        "c": "Tom, 40, asks whether a meso gun and hand injection deliver the same cocktail.",
        "d": "Priya had her first session on Monday. She asks to come back on Saturday. What do you advise?",
    }
    found = {(a, b) for a, b, _ in near_duplicate_pairs(stems)}
    assert ("a", "b") in found and ("a", "d") in found and ("b", "d") in found
    assert not any("c" in pair for pair in found)


def test_no_duplicate_or_near_identical_stems(bank: Bank) -> None:
    stems = {q.id: q.stem for q in bank.questions}
    pairs = near_duplicate_pairs(stems)
    assert not pairs, "near-identical stems (id, id, similarity):\n" + _fmt(pairs)


def test_bank_level_balance_holds(bank: Bank) -> None:
    failed = [c.message for c in bank_checks(bank.questions) if not c.ok]
    assert not failed, "bank-level balance fails (run python -m quiz bank lint):\n" + _fmt(failed)


def test_longest_option_check_works(bank: Bank) -> None:
    sample = next(q for q in bank.questions if q.type == "single")
    key = int(sample.key)
    padded = [
        o.model_copy(update={"text": o.text + " " + "x" * 500}) if i == key else o
        for i, o in enumerate(sample.options)
    ]
    assert key_is_strictly_longest(sample.model_copy(update={"options": padded}))
    trimmed = [o.model_copy(update={"text": "x"}) if i == key else o for i, o in enumerate(sample.options)]
    assert not key_is_strictly_longest(sample.model_copy(update={"options": trimmed}))


def test_catch_all_pattern_works() -> None:
    for text in ("All of the above", "none of the above.", "Both A and C", "Neither of these"):
        assert CATCH_ALL_OPTION.search(text), text
    for text in ("Both sources list stretch marks.", "None of the articles covers sharps.", "Both a peel and laser"):
        assert not CATCH_ALL_OPTION.search(text), text


def test_no_all_or_none_of_the_above_options(bank: Bank) -> None:
    bad = [(q.id, o.text) for q in bank.questions for o in q.options if CATCH_ALL_OPTION.search(o.text)]
    assert not bad, "catch-all options (write a real alternative instead):\n" + _fmt(bad)


def test_every_option_has_feedback() -> None:
    missing = []
    for file, item in raw_items():
        ident = item.get("id", "?")
        if item.get("type") == "true_false":
            fb = {str(k).lower(): v for k, v in (item.get("feedback") or {}).items()}
            for answer in ("true", "false"):
                if not re.search(r"[A-Za-z]", str(fb.get(answer) or "")):
                    missing.append((file, ident, answer))
            continue
        for n, option in enumerate(item.get("options") or []):
            feedback = option.get("feedback") if isinstance(option, dict) else None
            if not re.search(r"[A-Za-z]", str(feedback or "")):
                missing.append((file, ident, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[n]))
    assert not missing, "options without feedback (file, item, option):\n" + _fmt(missing)


# -- sources -------------------------------------------------------------------------------------------


def test_live_items_cite_a_seed_or_a_named_reference(bank: Bank) -> None:
    citable = {s.id for s in bank.sources if s.id in SEED_SOURCES or (s.authors and s.year)}
    wrong = [(q.id, q.source.id) for q in bank.questions if q.status == "live" and q.source.id not in citable]
    assert not wrong, (
        "live items must cite a seed article or a source with authors and year in sources.yaml:\n" + _fmt(wrong)
    )


def test_drafts_beyond_the_articles_have_a_review_note(bank: Bank) -> None:
    missing = [
        q.id for q in bank.questions
        if q.source.id == DRAFT_SOURCE and q.status == "draft" and not (q.review_note or "").strip()
    ]
    assert not missing, f"drafts citing {DRAFT_SOURCE} without a review_note: {missing}"


# -- own words -----------------------------------------------------------------------------------------


def seed_ngrams() -> set[tuple[str, ...]]:
    files = sorted(p for p in SEEDS_DIR.glob("*") if p.is_file()) if SEEDS_DIR.is_dir() else []
    if not files:
        message = f"seed articles not found in {SEEDS_DIR}"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (required on CI)")
        pytest.skip(message)
    grams: set[tuple[str, ...]] = set()
    for path in files:
        grams |= ngrams(words(path.read_text(encoding="utf-8", errors="replace")))
    return grams


def test_copy_detector_works() -> None:
    grams = seed_ngrams()
    sample = next(iter(sorted(grams)))
    copied = "A trainee wrote: " + " ".join(sample).upper() + ", and then stopped."
    assert copied_runs(copied, grams), "a run copied from a seed article was not detected"
    reworded = "Bruising is one of the usual short-lived reactions and can take a few days to fade."
    assert not copied_runs(reworded, grams)


def test_bank_is_written_in_own_words() -> None:
    grams = seed_ngrams()
    hits = defaultdict(set)
    for path in bank_yaml_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for text in strings_in(data):
            for run in copied_runs(text, grams):
                hits[path.relative_to(BANK_DIR).as_posix()].add(run)
    rows = [f"{file}: ...{run}..." for file, runs in sorted(hits.items()) for run in sorted(runs)]
    assert not rows, f"runs of {NGRAM}+ words copied from the seed articles:\n" + _fmt(rows, limit=40)
