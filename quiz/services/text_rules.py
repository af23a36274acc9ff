"""What a name or an email typed into the platform may be, checked before anything reaches the database.

Names (of people, cohorts and exams) are trimmed, inner runs of spaces become one space, and they must not be
blank; at most 200 characters; no control characters, line or paragraph separators, bidirectional overrides
or invisible characters (they could make a name read differently from what it is, or impersonate another).
Emails are normalised (NFKC, lower case, trimmed), so ``ＡＤＡ@example.com`` and ``ada@example.com`` are the
same account and a look-alike duplicate is refused. How names are *shown* safely is the pages' concern
(``quiz/ui/text.plain``).
"""

from __future__ import annotations

import re
import unicodedata

from quiz.services.errors import InvalidInput

MAX_NAME = 200
MAX_EMAIL = 254
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Bidirectional embeddings, overrides and isolates, the directional marks, and invisible characters that
# would let two names look the same (zero-width space, word joiner, byte-order mark).
_INVISIBLE = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
                 "\u200b\u2060\ufeff\u180e")
_BAD_CATEGORIES = {"Cc", "Cs", "Co", "Cn", "Zl", "Zp"}


def _bad_character(text: str) -> str | None:
    for ch in text:
        if ch in _INVISIBLE or unicodedata.category(ch) in _BAD_CATEGORIES:
            return f"U+{ord(ch):04X}"
    return None


def clean_name(value: str | None, what: str = "name") -> str:
    """The name as stored, or :class:`InvalidInput` saying what is wrong with it. ``what`` names it in the
    message ("name", "cohort name", "exam name")."""
    raw = value or ""
    bad = _bad_character(raw.replace("\t", " ").replace("\n", " ").replace("\r", " "))
    if bad:
        raise InvalidInput(f"The {what} contains a control or invisible character ({bad}); please type it again.")
    name = " ".join(raw.split())
    if not name:
        raise InvalidInput(f"Please enter a {what}.")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"A {what} can have at most {MAX_NAME} characters (this one has {len(name)}).")
    return name


def normalise_email(value: str | None) -> str:
    """The email as stored and looked up: NFKC, lower case, trimmed; :class:`InvalidInput` if it is not one."""
    email = unicodedata.normalize("NFKC", value or "").strip().lower()
    if len(email) > MAX_EMAIL:
        raise InvalidInput(f"An email address can have at most {MAX_EMAIL} characters.")
    if _bad_character(email) or not EMAIL_RE.match(email):
        raise InvalidInput("Please enter a valid email address.")
    return email
