"""``python -m quiz bench [--scale small|academy] [--database URL] [--json]``: the figures of issue 13.

Builds the synthetic academy (:mod:`quiz.services.synthetic`, bulk inserts) in the given database - an empty
one, or one a previous run built (reused) - or in a throw-away SQLite file, then times the use cases through
the services, as the pages call them: median and p95 over repeats, the item analysis against the numpy floor
(the statistics alone on the same matrix, measured in the same run), exports streamed to a counting sink with
their peak memory. Speed targets are checked here, never in a timed test. The load test of app processes
is bench/loadtest.py.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

TARGETS_MS = {  # issue 13
    "save one exam answer": 5, "resume an exam after reload": 20, "a trainee's progress page data": 100,
    "cohort dashboard, first render": 300, "cohort dashboard, rerun with no data change": 100,
    "administrator's academy-wide view": 1000,
    "item analysis, first attempts": 1000, "item analysis, academy exam drawn from 500 items": 1000,
    "responses export (streamed CSV)": 30_000,
    "results export (streamed CSV)": 30_000,
}
MEMORY_TARGET_MIB = 300
RATIO_TARGET = 3.0


def _proc(field: str) -> float:
    """A field of /proc/self/status in MiB (VmRSS, VmHWM); 0 where there is no /proc."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _reset_peak() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS (Linux)


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def p95(xs: list[float]) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))]


def run(database: str | None, scale: str, *, quick: bool = False) -> dict[str, Any]:
    from sqlalchemy import select

    from quiz.adapters.orm import CohortMember, User
    from quiz.bootstrap import open_platform
    from quiz.core.config import Settings
    from quiz.services import attempts, dashboard, exports, item_analysis, progress, synthetic
    from quiz.services.permissions import Actor

    tmp = None
    if database is None:
        tmp = tempfile.TemporaryDirectory(prefix="quiz-bench-")
        database = f"sqlite:///{tmp.name}/bench.db"
    platform = open_platform(Settings(database_url=database))
    dialect = platform.engine.dialect.name
    with platform.transaction() as s:
        built = synthetic.existing(s)
    if built is None or built.scale != scale:
        t0 = time.perf_counter()
        with platform.transaction() as s:
            built = synthetic.build(s, scale)
        built.seconds = time.perf_counter() - t0
        print(f"[bench] built the {scale} academy in {built.seconds:.0f} s", file=sys.stderr, flush=True)
    else:
        print(f"[bench] reusing the {scale} academy in this database", file=sys.stderr, flush=True)
    with platform.transaction() as s:
        item_set = synthetic.item_set(s)
    if item_set is None:  # a database built before the set existed gets it added, the rest kept
        t0 = time.perf_counter()
        with platform.transaction() as s:
            item_set = synthetic.build_item_set(s, scale)
        item_set.seconds = time.perf_counter() - t0
        print(f"[bench] built the item-analysis set in {item_set.seconds:.0f} s", file=sys.stderr, flush=True)
    rows: list[dict[str, Any]] = []

    def add(name: str, ms: list[float], note: str = "") -> None:
        target = TARGETS_MS.get(name)
        med, high = statistics.median(ms), p95(ms)
        # latency targets are on p95 for saves, on the median elsewhere (as the issue states them)
        measured = high if name.startswith("save") else med
        rows.append({"name": name, "median_ms": round(med, 2), "p95_ms": round(high, 2), "target_ms": target,
                     "holds": (measured <= target) if target else None, "repeats": len(ms), "note": note})
        print(f"[bench] {name}: median {med:.1f} ms, p95 {high:.1f} ms", file=sys.stderr, flush=True)

    with platform.transaction() as s:
        trainer = s.scalar(select(User).where(User.email == f"trainer@{synthetic.DOMAIN}"))
        trainer_actor = Actor(trainer.id, "trainer", trainer.name, trainer.email)
        members = list(synthetic.trainee_ids(s, built.cohorts[0]))
        typical = s.get(User, members[len(members) // 2])
        trainee = Actor(typical.id, "trainee", typical.name, typical.email)
    r = 3 if quick else 1

    # an exam in progress, for a new trainee in the first cohort: save answers, resume
    with platform.transaction() as s:
        sitter = s.scalar(select(User).where(User.email == f"sitter@{synthetic.DOMAIN}"))
        if sitter is None:
            sitter = User(email=f"sitter@{synthetic.DOMAIN}", name="Bench Sitter", role="trainee",
                          password_hash=typical.password_hash)
            s.add(sitter)
            s.flush()
            s.add(CohortMember(cohort_id=built.cohorts[0], user_id=sitter.id))
        sitter_actor = Actor(sitter.id, "trainee", sitter.name, sitter.email)
    with platform.transaction() as s:
        aid = attempts.start_exam(s, sitter_actor, built.exam_id)
    with platform.transaction() as s:
        view = attempts.attempt_view(s, sitter_actor, aid)
    n_items = len(view.items)
    counter = iter(range(10**9))

    def save() -> None:
        k = next(counter)
        item = view.items[k % n_items]
        with platform.transaction() as s:
            attempts.save_answer(s, sitter_actor, aid, item.position, item.options[k % len(item.options)].value)

    save()
    add("save one exam answer", timed(save, 200 // r))

    def resume() -> None:
        with platform.transaction() as s:
            attempts.attempt_view(s, sitter_actor, aid)

    add("resume an exam after reload", timed(resume, 30 // r))
    with platform.transaction() as s:
        attempts.submit(s, sitter_actor, aid)

    def progress_page() -> None:
        with platform.transaction() as s:
            progress.score_history(s, trainee)
            progress.topic_mastery(s, trainee)
            attempts.list_attempts(s, trainee)

    add("a trainee's progress page data", timed(progress_page, 15 // r))

    def dashboard_page() -> None:
        with platform.transaction() as s:
            dashboard.cohort_overview(s, trainer_actor, built.cohorts[0])
            dashboard.mastery(s, trainer_actor, built.cohorts[0])
            dashboard.trend(s, trainer_actor, built.cohorts[0])

    add("cohort dashboard, first render", timed(dashboard_page, max(2, 6 // r)),
        f"{len(members)} trainees")

    def dashboard_rerun() -> None:  # a cached rerun: the page asks only for the data key (quiz/ui/cache.py)
        with platform.transaction() as s:
            dashboard.data_key(s)

    add("cohort dashboard, rerun with no data change", timed(dashboard_rerun, 30 // r))

    # the administrator's academy-wide view (quiz/services/academy.py) as the page asks for it, on the academy's
    # own "today" (synthetic.NOW); its answer snapshot (weakest topics, practice answers) is made first, as the
    # background refresh does at most every 10 minutes, and timed in the note
    from quiz.services import academy, academy_answers

    t = time.perf_counter()
    with platform.transaction() as s:
        academy_answers.store(s, academy_answers.compute(s, now=synthetic.NOW))
    refresh_ms = (time.perf_counter() - t) * 1000
    admin = Actor(trainer.id, "admin", "Bench Administrator", trainer.email)
    _reset_peak()
    base = _proc("VmRSS")

    seen: list[Any] = []

    def academy_view() -> None:
        with platform.transaction() as s:
            seen.append(academy.academy_view(s, admin, now=synthetic.NOW).totals)

    ms = timed(academy_view, max(2, 5 // r))
    peak = max(0.0, _proc("VmHWM") - base)
    add("administrator's academy-wide view", ms, f"{seen[-1].trainees} trainees, peak +{peak:.0f} MiB; answer "
        f"snapshot refreshed in the background in {refresh_ms / 1000:.1f} s")
    rows[-1]["holds"] = rows[-1]["holds"] and peak <= MEMORY_TARGET_MIB
    rows[-1]["peak_mib"], rows[-1]["snapshot_refresh_ms"] = round(peak, 1), round(refresh_ms, 1)

    # item analysis and its numpy floor: the statistics alone on the same matrix, in the same run
    real_analyse = item_analysis.analyse

    def analysis_row(name: str, exam_id: int, note: str) -> float | None:
        floor: list[float] = []

        def analyse(*a: Any, **kw: Any) -> Any:
            t = time.perf_counter()
            out = real_analyse(*a, **kw)
            floor.append((time.perf_counter() - t) * 1000)
            return out

        def analysis() -> None:
            with platform.transaction() as s:
                item_analysis.exam_item_statistics(s, None, exam_id)

        item_analysis.analyse = analyse
        try:
            ia = timed(analysis, max(2, 5 // r))
        finally:
            item_analysis.analyse = real_analyse
        ratio = statistics.median(ia) / statistics.median(floor) if floor else None
        add(name, ia, f"{note}; {ratio:.2f}x the numpy floor ({statistics.median(floor):.0f} ms)")
        rows[-1]["holds"] = rows[-1]["holds"] and ratio is not None and ratio <= RATIO_TARGET
        rows[-1]["ratio_to_numpy"], rows[-1]["floor_ms"] = round(ratio, 2), round(statistics.median(floor), 2)
        return ratio

    ratio = analysis_row("item analysis, first attempts", item_set.exam_id,
                         f"{item_set.trainees} first attempts of a {item_set.items}-item exam")
    floor_ms = rows[-1]["floor_ms"]
    analysis_row("item analysis, academy exam drawn from 500 items", built.exam_id,
                 f"{built.trainees} first attempts of 20 items")

    peaks: dict[str, float] = {}
    for kind, label in (("responses", "responses export (streamed CSV)"), ("results", "results export (streamed CSV)")):
        _reset_peak()
        base = _proc("VmRSS")
        t = time.perf_counter()
        size = n = 0
        with platform.transaction() as s:
            for chunk in exports.csv_stream(s, None, kind):
                size += len(chunk)
                n += chunk.count(b"\n")
        ms = (time.perf_counter() - t) * 1000
        peaks[kind] = max(0.0, _proc("VmHWM") - base)
        add(label, [ms], f"{n - 1} rows, {size / 2**20:.0f} MiB, peak +{peaks[kind]:.0f} MiB")
        rows[-1]["holds"] = rows[-1]["holds"] and peaks[kind] <= MEMORY_TARGET_MIB
        rows[-1]["peak_mib"] = round(peaks[kind], 1)
    result = {
        "scale": scale, "database": dialect, "rows": rows,
        "item_analysis_ratio_to_numpy": round(ratio, 2) if ratio else None,
        "numpy_floor_ms": floor_ms,
        "peak_rss_mib": round(_proc("VmHWM") or _proc("VmRSS"), 1),
        "academy": {"trainees": built.trainees, "attempts": built.attempts, "responses": built.responses,
                    "build_seconds": round(built.seconds, 1)},
        "item_analysis_set": {"trainees": item_set.trainees, "items": item_set.items,
                              "build_seconds": round(item_set.seconds, 1)},
    }
    platform.engine.dispose()
    if tmp is not None:
        tmp.cleanup()
    return result


def table(result: dict[str, Any]) -> str:
    lines = [f"scale {result['scale']} on {result['database']}: {result['academy']['trainees']} trainees, "
             f"{result['academy']['attempts']} attempts, {result['academy']['responses']} responses",
             "", "| what | median ms | p95 ms | target ms | holds | note |", "|---|---:|---:|---:|---|---|"]
    for r in result["rows"]:
        holds = {True: "yes", False: "NO", None: "-"}[r["holds"]]
        lines.append(f"| {r['name']} | {r['median_ms']:.1f} | {r['p95_ms']:.1f} | {r['target_ms']} | {holds} | "
                     f"{r.get('note', '')} |")
    lines.append("")
    lines.append(f"item analysis / numpy floor: {result['item_analysis_ratio_to_numpy']}x "
                 f"(floor {result['numpy_floor_ms']} ms; target <= {RATIO_TARGET}x)")
    lines.append(f"peak RSS of the benchmark process: {result['peak_rss_mib']} MiB")
    return "\n".join(lines)


def cmd_bench(args: argparse.Namespace) -> int:
    database = args.database or os.environ.get("QUIZ_BENCH_DATABASE_URL")
    result = run(database, args.scale, quick=args.quick)
    print(json.dumps(result, indent=2) if args.json else table(result))
    return 0


def register(sub) -> None:  # noqa: ANN001
    p = sub.add_parser("bench", help="build a synthetic academy and time the use cases (issue 13's table)")
    p.add_argument("--scale", choices=["small", "academy"], default="small",
                   help="small (300 trainees, for CI) or academy (10,000 trainees, 4 million responses)")
    p.add_argument("--database", metavar="URL", help="an empty database (or one a previous run built); default: "
                                                     "a throw-away SQLite file")
    p.add_argument("--json", action="store_true", help="print JSON instead of the table")
    p.add_argument("--quick", action="store_true", help="fewer repeats (CI)")
    p.set_defaults(func=cmd_bench)
