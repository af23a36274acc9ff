"""Certificate codes: random, in the typed form MC-XXXX-XXXX-XXXX-XXXX, forgiving how they are typed."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from quiz.services import certificates

CODE_SHAPE = re.compile(r"^MC-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{4}(-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{4}){3}$")


def test_ten_thousand_codes_are_unique_and_random():
    codes = [certificates.new_code() for _ in range(10_000)]
    assert len(set(codes)) == 10_000 and all(CODE_SHAPE.match(c) for c in codes)
    # No structure one could guess from another: every position uses the whole alphabet about evenly, and
    # consecutive codes share no more characters in place than chance (16/30 ~ 0.53 on average).
    body = [c[3:].replace("-", "") for c in codes]
    for pos in range(16):
        counts = {ch: 0 for ch in certificates.CODE_ALPHABET}
        for b in body:
            counts[b[pos]] += 1
        assert min(counts.values()) > 200 and max(counts.values()) < 480  # expected 333 each
    same = sum(sum(x == y for x, y in zip(a, b, strict=True)) for a, b in zip(body, body[1:], strict=False))
    assert same / (len(body) - 1) < 0.8


def test_add_months_keeps_the_day_or_the_month_end():
    assert certificates.add_months(datetime(2027, 1, 31, tzinfo=UTC), 1) == datetime(2027, 2, 28, tzinfo=UTC)
    assert certificates.add_months(datetime(2027, 11, 15, tzinfo=UTC), 26) == datetime(2030, 1, 15, tzinfo=UTC)


def test_codes_are_normalised_as_typed():
    assert certificates.normalise_code(" mc 7kq2 m9xr 4t8p 2hvd ") == "MC-7KQ2-M9XR-4T8P-2HVD"
    assert certificates.normalise_code("7KQ2M9XR4T8P2HVD") == "MC-7KQ2-M9XR-4T8P-2HVD"
    assert certificates.normalise_code("mc-000042-7f3a9c21b0") == "MC-000042-7F3A9C21B0"  # an older code


def test_the_alphabet_has_no_ambiguous_characters_and_codes_carry_over_64_bits():
    import math

    assert not set("0O1IL U") & set(certificates.CODE_ALPHABET)
    assert len(set(certificates.CODE_ALPHABET)) == 30
    assert 16 * math.log2(len(certificates.CODE_ALPHABET)) > 64
