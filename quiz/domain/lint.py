"""The item-writing linter: pure checks for cues that let a test-wise candidate pass without knowing the topic.

Per item (:func:`lint_question`, what an editor shows beside one item), each warning a sentence:

* an absolute word (never, always, only, ...) appears in distractors but in no keyed option;
* the key of a single item is the only longest option by more than 20%;
* the key is the only hedged option (usually, may, can, ...);
* odd-one-out opening: every distractor opens with the same word and the key does not;
* paired opposites: the key and another option differ only by a negation or an antonym;
* an "all of the above" / "none of the above" option;
* a negative stem (NOT, EXCEPT, LEAST) whose negative word is not written in capitals;
* a near-duplicate stem elsewhere in the bank.

Over a bank's live items (:func:`bank_checks`), each a pass or a failure with its figures:

* key position per letter in single items within 10 points of uniform (expected share of a letter is the mean of
  1/k over items with k options, counting 0 where the item has fewer options than the letter's place);
* each letter keyed in 30-70% of the multiple-response items that have that letter;
* the rate of absolute words in keyed options within 10 points of the rate in distractors;
* the key the only longest option in at most 30% of single items.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

from quiz.domain.bank import LETTERS, Question, normalise_stem

ABSOLUTE_WORDS = frozenset({
    "never", "always", "only", "must", "exactly", "guarantee", "guaranteed", "guarantees", "permanent",
    "permanently", "all", "none", "every", "completely",
})
HEDGE_WORDS = frozenset({"usually", "may", "might", "can", "often", "generally", "some", "most"})
NEGATIVE_STEM_WORDS = ("not", "except", "least")
NEGATIONS = frozenset({"not", "no"})
CONTRACTIONS = {
    "cannot": ("can", "not"), "cant": ("can", "not"), "dont": ("do", "not"), "doesnt": ("does", "not"),
    "didnt": ("did", "not"), "isnt": ("is", "not"), "arent": ("are", "not"), "wasnt": ("was", "not"),
    "shouldnt": ("should", "not"), "wont": ("will", "not"), "wouldnt": ("would", "not"),
    "mustnt": ("must", "not"), "neednt": ("need", "not"), "hasnt": ("has", "not"), "havent": ("have", "not"),
}
ANTONYMS = frozenset(frozenset(p) for p in (
    ("always", "never"), ("before", "after"), ("increase", "decrease"), ("increases", "decreases"),
    ("more", "less"), ("more", "fewer"), ("higher", "lower"), ("safe", "unsafe"), ("start", "stop"),
    ("continue", "stop"), ("same", "different"), ("right", "wrong"), ("true", "false"), ("yes", "no"),
    ("can", "cannot"), ("should", "shouldnt"), ("allowed", "forbidden"), ("proceed", "postpone"),
    ("go", "stop"), ("with", "without"), ("include", "exclude"), ("inside", "outside"), ("above", "below"),
    ("early", "late"), ("earlier", "later"), ("sooner", "later"), ("longer", "shorter"), ("shorter", "longer"),
    ("treat", "refer"), ("accept", "refuse"), ("accept", "decline"), ("agree", "disagree"), ("is", "isnt"),
    ("does", "doesnt"), ("do", "dont"), ("suitable", "unsuitable"), ("likely", "unlikely"), ("common", "rare"),
    ("useful", "useless"), ("warm", "cold"), ("hot", "cold"), ("open", "closed"), ("up", "down"),
    ("add", "remove"), ("keep", "discard"), ("reuse", "discard"), ("raise", "lower"), ("worse", "better"),
))
CATCH_ALL_OPTION = re.compile(
    r"\b(all|none|both|neither)\s+of\s+(the\s+)?(above|below|these|those|options|answers)\b"
    r"|\bboth\s+[a-z]\s+and\s+[a-z]\b",
    re.IGNORECASE,
)
NEAR_DUPLICATE_RATIO = 0.9
LONGER_BY = 1.20
KEY_POSITION_TOLERANCE = 0.10
MULTIPLE_KEYED_RANGE = (0.30, 0.70)
MIN_ITEMS_PER_LETTER = 5  # a letter in fewer multiple items than this is too rare to judge
ABSOLUTE_RATE_TOLERANCE = 0.10
MAX_KEY_LONGEST_SHARE = 0.30
OPTION_TYPES = ("single", "multiple")


# -- words ---------------------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """Lower-cased words with punctuation stripped (apostrophes dropped, so "don't" is "dont")."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("'", "")
    return re.findall(r"[a-z0-9]+", text)


def absolute_words(text: str) -> list[str]:
    return [w for w in words(text) if w in ABSOLUTE_WORDS]


def hedge_words(text: str) -> list[str]:
    return [w for w in words(text) if w in HEDGE_WORDS]


def _expanded(tokens: Iterable[str]) -> list[str]:
    out: list[str] = []
    for t in tokens:
        out.extend(CONTRACTIONS.get(t, (t,)))
    return out


def _without_negation(tokens: list[str]) -> list[str]:
    """The words with negations taken out ("do not stop" and "don't stop" become "stop")."""
    ex = _expanded(tokens)
    out: list[str] = []
    for i, t in enumerate(ex):
        if t in NEGATIONS or (t in ("do", "does", "did") and i + 1 < len(ex) and ex[i + 1] == "not"):
            continue
        out.append(t)
    return out


def _antonyms(a: str, b: str) -> bool:
    if frozenset((a, b)) in ANTONYMS:
        return True
    return any(a == prefix + b or b == prefix + a for prefix in ("un", "in", "im", "ir", "il", "non", "dis"))


def are_opposites(a: str, b: str) -> bool:
    """True if two option texts differ only by a negation ("not", "no", "don't") or by one antonym pair."""
    ta, tb = words(a), words(b)
    if ta == tb:
        return False
    if _without_negation(ta) == _without_negation(tb):
        return True
    if len(ta) == len(tb):
        diffs = [(x, y) for x, y in zip(ta, tb) if x != y]
        if len(diffs) == 1 and _antonyms(*diffs[0]):
            return True
    return False


def near_duplicate_pairs(stems: dict[str, str], threshold: float = NEAR_DUPLICATE_RATIO) -> list[tuple]:
    """Pairs of ids whose normalised stems are identical or nearly so (ratio above ``threshold``)."""
    items = [(ident, normalise_stem(text)) for ident, text in stems.items()]
    pairs = []
    for i, (id_a, a) in enumerate(items):
        for id_b, b in items[i + 1:]:
            if _similar(a, b, threshold):
                pairs.append((id_a, id_b, round(_ratio(a, b), 3)))
    return pairs


def _ratio(a: str, b: str) -> float:
    return 1.0 if a == b else difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _similar(a: str, b: str, threshold: float) -> bool:
    if a == b:
        return True
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() <= threshold or matcher.quick_ratio() <= threshold:
        return False
    return matcher.ratio() > threshold


def key_is_strictly_longest(q: Question) -> bool:
    """True if the right option of a single item is longer than every other option."""
    key = int(q.key)
    lengths = [len(o.text) for o in q.options]
    return all(lengths[key] > n for i, n in enumerate(lengths) if i != key)


# -- one item ------------------------------------------------------------------------------------------


def _letters(indexes: Iterable[int]) -> str:
    return ", ".join(LETTERS[i] for i in indexes)


def _first_word(text: str) -> str:
    """The first word of an option, past a leading article ("A faint" and "An allergy" open differently)."""
    tokens = words(text)
    while len(tokens) > 1 and tokens[0] in ("a", "an", "the"):
        tokens = tokens[1:]
    return tokens[0] if tokens else ""


def _question_sentence(stem: str) -> str:
    """The sentence that asks (the last one ending in '?', else the last sentence)."""
    parts = [p for p in re.split(r"(?<=[.?!])\s+", stem.strip()) if p]
    asks = [p for p in parts if p.rstrip().endswith("?")]
    return (asks or parts or [""])[-1]


def negative_stem_problem(stem: str) -> str | None:
    sentence = _question_sentence(stem)
    for m in re.finditer(r"\b(not|except|least)\b", sentence, re.IGNORECASE):
        word = m.group(0)
        if word.isupper():
            continue
        if word.lower() == "not" and not (
                re.search(r"\b(which|what|who|where|when|how)\b", sentence[:m.start()], re.IGNORECASE)
                and re.search(r"\b(is|are|was|were|would|should|could|can|does|do|did|will|must|might|may)\b"
                              r"(\s+\w+)?\s+$", sentence[:m.start()], re.IGNORECASE)):
            continue  # "not" in the scenario ("if she has not eaten") does not make the question negative
        return (f"negative stem: write '{word}' in capitals ({word.upper()}) so that no candidate misses it")
    return None


def lint_question(q: Question, bank_questions: Sequence[Question] = ()) -> list[str]:
    """The item-writing warnings for one item (empty when it is clean); ``bank_questions`` for duplicates."""
    out: list[str] = []
    stem_problem = negative_stem_problem(q.stem)
    if stem_problem:
        out.append(stem_problem)
    mine = normalise_stem(q.stem)
    for other in bank_questions:
        if other.id != q.id and _similar(mine, normalise_stem(other.stem), NEAR_DUPLICATE_RATIO):
            out.append(f"near-duplicate stem: {other.id} asks nearly the same "
                       f"({_ratio(mine, normalise_stem(other.stem)):.0%} alike)")
    for i, o in enumerate(q.options):
        if CATCH_ALL_OPTION.search(o.text):
            out.append(f"option {LETTERS[i]} is a catch-all ('all/none of the above'); write a real alternative")
    if q.type not in OPTION_TYPES or len(q.options) < 2:
        return out
    keys = set(q.correct_indexes)
    texts = [o.text for o in q.options]
    distractors = [i for i in range(len(texts)) if i not in keys]
    if not distractors:
        return out
    abs_in = {i: absolute_words(t) for i, t in enumerate(texts)}
    if not any(abs_in[i] for i in keys) and any(abs_in[i] for i in distractors):
        found = sorted({w for i in distractors for w in abs_in[i]})
        out.append(f"absolute word only in distractors ({', '.join(found)} in "
                   f"{_letters(i for i in distractors if abs_in[i])}); a candidate can rule them out unread")
    hedged = {i for i, t in enumerate(texts) if hedge_words(t)}
    if hedged and hedged <= keys and (q.type == "single" or hedged == keys):
        out.append(f"key uniquely hedged: only {_letters(sorted(hedged))} use a hedge word "
                   f"({', '.join(sorted({w for i in hedged for w in hedge_words(texts[i])}))})")
    if q.type == "single":
        key = int(q.key)
        longest_other = max(len(texts[i]) for i in distractors)
        if len(texts[key]) > LONGER_BY * longest_other:
            out.append(f"key uniquely longest: option {LETTERS[key]} is {len(texts[key])} characters, the longest "
                       f"distractor {longest_other} (more than {LONGER_BY - 1:.0%} longer)")
        firsts = [_first_word(t) for t in texts]
        shared = {firsts[i] for i in distractors}
        if len(distractors) >= 2 and len(shared) == 1 and firsts[key] not in shared:
            out.append(f"odd-one-out opening: every distractor opens with '{shared.pop()}', the key with "
                       f"'{firsts[key]}'")
    for k in sorted(keys):
        for i in range(len(texts)):
            if i != k and (i not in keys or i > k) and are_opposites(texts[k], texts[i]):
                out.append(f"paired opposites: options {LETTERS[k]} and {LETTERS[i]} differ only by a negation "
                           "or an antonym, and one of them is the key")
    return out


# -- the whole bank ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BankCheck:
    name: str
    ok: bool
    message: str
    figures: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def _live(questions: Iterable[Question]) -> list[Question]:
    return [q for q in questions if q.status == "live"]


def check_key_positions(questions: Sequence[Question]) -> BankCheck:
    singles = [q for q in _live(questions) if q.type == "single" and q.options]
    if not singles:
        return BankCheck("key-position", True, "no live single items")
    width = max(len(q.options) for q in singles)
    figures = {}
    bad = []
    for pos in range(width):
        observed = sum(1 for q in singles if int(q.key) == pos) / len(singles)
        expected = sum(1 / len(q.options) for q in singles if len(q.options) > pos) / len(singles)
        figures[LETTERS[pos]] = {"observed": round(observed, 3), "expected": round(expected, 3)}
        if abs(observed - expected) > KEY_POSITION_TOLERANCE:
            bad.append(f"{LETTERS[pos]} {observed:.0%} (expected {expected:.0%})")
    shares = ", ".join(f"{k} {v['observed']:.0%}" for k, v in figures.items())
    if bad:
        return BankCheck("key-position", False, f"key position in single items is not near uniform: "
                         f"{'; '.join(bad)}; allowed {KEY_POSITION_TOLERANCE:.0%} either way", figures)
    return BankCheck("key-position", True, f"key position in {len(singles)} single items: {shares}", figures)


def check_multiple_keys(questions: Sequence[Question]) -> BankCheck:
    multiples = [q for q in _live(questions) if q.type == "multiple"]
    if not multiples:
        return BankCheck("multiple-keys", True, "no live multiple-response items")
    low, high = MULTIPLE_KEYED_RANGE
    figures, bad = {}, []
    for pos in range(max(len(q.options) for q in multiples)):
        having = [q for q in multiples if len(q.options) > pos]
        keyed = sum(1 for q in having if pos in q.correct_indexes)
        rate = keyed / len(having)
        figures[LETTERS[pos]] = {"items": len(having), "keyed": keyed, "share": round(rate, 3)}
        if len(having) >= MIN_ITEMS_PER_LETTER and not low <= rate <= high:
            bad.append(f"{LETTERS[pos]} keyed in {keyed} of {len(having)} ({rate:.0%})")
    if bad:
        return BankCheck("multiple-keys", False, f"multiple-response keys are lopsided: {'; '.join(bad)}; each "
                         f"letter should be keyed in {low:.0%}-{high:.0%} of the items that have it", figures)
    shares = ", ".join(f"{k} {v['share']:.0%}" for k, v in figures.items())
    return BankCheck("multiple-keys", True, f"letters keyed in {len(multiples)} multiple items: {shares}", figures)


def check_absolute_words(questions: Sequence[Question]) -> BankCheck:
    keyed = distract = keyed_abs = distract_abs = 0
    for q in _live(questions):
        if q.type not in OPTION_TYPES:
            continue
        keys = set(q.correct_indexes)
        for i, o in enumerate(q.options):
            hit = bool(absolute_words(o.text))
            if i in keys:
                keyed, keyed_abs = keyed + 1, keyed_abs + hit
            else:
                distract, distract_abs = distract + 1, distract_abs + hit
    key_rate = keyed_abs / keyed if keyed else 0.0
    distractor_rate = distract_abs / distract if distract else 0.0
    figures = {"keys": keyed, "keys_with_absolute": keyed_abs, "key_rate": round(key_rate, 3),
               "distractors": distract, "distractors_with_absolute": distract_abs,
               "distractor_rate": round(distractor_rate, 3)}
    text = f"absolute words in {key_rate:.0%} of keys and {distractor_rate:.0%} of distractors"
    ok = abs(key_rate - distractor_rate) <= ABSOLUTE_RATE_TOLERANCE
    return BankCheck("absolute-words", ok, text if ok else
                     f"{text}; they should be within {ABSOLUTE_RATE_TOLERANCE:.0%} of each other", figures)


def check_longest_key(questions: Sequence[Question]) -> BankCheck:
    singles = [q for q in _live(questions) if q.type == "single" and len(q.options) >= 2]
    longest = [q.id for q in singles if key_is_strictly_longest(q)]
    rate = len(longest) / len(singles) if singles else 0.0
    figures = {"single_items": len(singles), "key_longest": len(longest), "share": round(rate, 3)}
    text = f"the key is the only longest option in {len(longest)} of {len(singles)} single items ({rate:.0%})"
    ok = rate <= MAX_KEY_LONGEST_SHARE
    return BankCheck("longest-key", ok, text if ok else f"{text}; at most {MAX_KEY_LONGEST_SHARE:.0%}", figures)


def bank_checks(questions: Sequence[Question]) -> list[BankCheck]:
    """The bank-level balance checks over the live items of ``questions``."""
    return [check_key_positions(questions), check_multiple_keys(questions), check_absolute_words(questions),
            check_longest_key(questions)]


def lint_bank(questions: Sequence[Question]) -> dict[str, list[str]]:
    """Warnings for every live or draft item (id -> warnings, clean items left out); near-duplicates over all."""
    dupes: dict[str, list[str]] = {}
    for a, b, ratio in near_duplicate_pairs({q.id: q.stem for q in questions}):
        dupes.setdefault(a, []).append(f"near-duplicate stem: {b} asks nearly the same ({ratio:.0%} alike)")
        dupes.setdefault(b, []).append(f"near-duplicate stem: {a} asks nearly the same ({ratio:.0%} alike)")
    out: dict[str, list[str]] = {}
    for q in questions:
        if q.status == "retired":
            continue
        found = lint_question(q, ()) + dupes.get(q.id, [])
        if found:
            out[q.id] = found
    return out
