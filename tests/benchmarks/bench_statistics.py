"""Time the item analysis for 1,000 learners x 200 items (a plausible ability model), not a test.

    .venv/bin/python tests/benchmarks/bench_statistics.py

Prints the best of several runs for a complete matrix (everyone saw every item) and for a random-selection
exam (each learner saw 50 of the 200 items, alpha from slots), with distractor counts for every item.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from quiz.domain.statistics import ItemInput, analyse  # noqa: E402

LEARNERS, ITEMS, REPEATS = 1000, 200, 5


def simulated(rng: np.random.Generator) -> tuple[np.ndarray, list[ItemInput]]:
    ability = rng.normal(size=(LEARNERS, 1))
    difficulty = rng.normal(size=(1, ITEMS))
    p = 1 / (1 + np.exp(-(ability - difficulty) * 1.5))
    marks = (rng.random((LEARNERS, ITEMS)) < p).astype(float)
    items = []
    for j in range(ITEMS):
        right = int(marks[:, j].sum())
        wrong = LEARNERS - right
        split = rng.multinomial(wrong, [0.5, 0.3, 0.2])
        items.append(ItemInput(f"q{j:03d}", 1.0, 0.25, options=[
            ("A", "a", right, True), ("B", "b", int(split[0]), False), ("C", "c", int(split[1]), False),
            ("D", "d", int(split[2]), False)]))
    return marks, items


def best_of(fn) -> float:  # noqa: ANN001
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(1)
    marks, items = simulated(rng)
    t = best_of(lambda: analyse(marks, items))
    res = analyse(marks, items)
    print(f"complete {LEARNERS} x {ITEMS}: {t * 1000:.1f} ms (alpha {res.alpha:.3f}, SEM {res.sem:.2f})")

    gappy = marks.copy()
    slots = np.empty((LEARNERS, 50))
    positions = np.full((LEARNERS, ITEMS), -1)
    for r in range(LEARNERS):
        chosen = rng.choice(ITEMS, size=50, replace=False)
        hidden = np.setdiff1d(np.arange(ITEMS), chosen)
        gappy[r, hidden] = np.nan
        slots[r] = marks[r, chosen]
        positions[r, chosen] = np.arange(50)
    t = best_of(lambda: analyse(gappy, items, slot_marks=slots, positions=positions))
    res = analyse(gappy, items, slot_marks=slots, positions=positions)
    weighted = sum(1 for i in res.items if i.effective_weight is not None)
    print(f"random 50 of {ITEMS} per learner: {t * 1000:.1f} ms (alpha from slots {res.alpha:.3f}, "
          f"effective weights for {weighted} items)")
    t = best_of(lambda: analyse(gappy, items, rest_as_fraction=True))
    print(f"pooled (rest as fraction): {t * 1000:.1f} ms")


if __name__ == "__main__":
    main()
