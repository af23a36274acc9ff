"""Time the database-backed use cases on a large academy, and report peak memory. Not a test.

    .venv/bin/python tests/benchmarks/bench_services.py [--trainees 400] [--database-url URL]

Builds the demo academy with N trainees in a throw-away SQLite file (or the given database, which must be
empty), then times what people wait for: a trainee saving an exam answer (the p50/p95 of one save, each its
own transaction, as the exam page does), starting an exam, the trainer's dashboard for a cohort, live item
analysis of an exam, and the results export. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import select  # noqa: E402

from quiz.adapters.orm import Cohort, Exam, User  # noqa: E402
from quiz.bootstrap import open_platform, sync_from_files  # noqa: E402
from quiz.core.config import PROJECT_ROOT, Settings  # noqa: E402
from quiz.services import accounts, attempts, dashboard, demo, exports, item_analysis  # noqa: E402
from quiz.services.permissions import Actor  # noqa: E402


def timed(label: str, fn, repeat: int = 3):  # noqa: ANN001, ANN201
    best, result = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    print(f"  {label:<52} {best * 1000:9.1f} ms")
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trainees", type=int, default=400)
    ap.add_argument("--database-url")
    args = ap.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    platform = open_platform(Settings(database_url=url, bank_path=PROJECT_ROOT / "question_bank"))
    sync_from_files(platform)
    t = time.perf_counter()
    with platform.transaction() as s:
        report = demo.populate(s, seed=3, trainees=args.trainees, days=150)
    print(f"{platform.engine.dialect.name}: demo academy of {args.trainees} trainees, {report.attempts} attempts, "
          f"{report.responses} responses, built in {time.perf_counter() - t:.1f} s")

    with platform.sessions() as s:
        trainer = Actor.of(s.scalar(select(User).where(User.email == demo.TRAINER_EMAIL)))
        cohort = s.scalar(select(Cohort).order_by(Cohort.id))
        exam = s.scalar(select(Exam).where(Exam.cohort_id == cohort.id))
        cohort_id, exam_id = cohort.id, exam.id
        exam.attempts_allowed = 99
        s.commit()

    with platform.transaction() as s:
        newcomer = Actor.of(accounts.create_user(s, None, email="bench@example.com", name="Bench", role="trainee",
                                                 password="password123", cohort_id=cohort_id))

    def start():  # noqa: ANN202
        with platform.transaction() as s:
            return attempts.start_exam(s, newcomer, exam_id)

    attempt_id = timed("start an exam (assemble from the live bank)", start, repeat=1)
    with platform.sessions() as s:
        view = attempts.attempt_view(s, newcomer, attempt_id)
    saves = []
    for item in view.items:
        answer = item.options[0].value if item.type in ("single",) else None
        if answer is None:
            continue
        t = time.perf_counter()
        with platform.transaction() as s:
            attempts.save_answer(s, newcomer, attempt_id, item.position, answer)
        saves.append(time.perf_counter() - t)
    saves.sort()
    print(f"  {'save one exam answer (p50 / p95, n=' + str(len(saves)) + ')':<52} "
          f"{statistics.median(saves) * 1000:9.1f} ms / {saves[int(len(saves) * 0.95) - 1] * 1000:.1f} ms")

    def view_attempt():  # noqa: ANN202
        with platform.sessions() as s:
            return attempts.attempt_view(s, newcomer, attempt_id)

    timed("rebuild the exam screen after a reload", view_attempt)

    def overview():  # noqa: ANN202
        with platform.sessions() as s:
            return (dashboard.cohort_overview(s, trainer, cohort_id), dashboard.mastery(s, trainer, cohort_id),
                    dashboard.trend(s, trainer, cohort_id))

    timed("dashboard: overview + mastery + trend for a cohort", overview)

    def analysis():  # noqa: ANN202
        with platform.sessions() as s:
            return item_analysis.exam_item_statistics(s, trainer, exam_id)

    stats = timed("item analysis of an exam, live from the database", analysis)
    print(f"    ({stats.attempts} first attempts, {len(stats.items)} items)")

    def export():  # noqa: ANN202  (as the download route streams it)
        with platform.sessions() as s:
            return sum(len(chunk) for chunk in exports.csv_stream(s, trainer, "responses"))

    size = timed("export every response as CSV (streamed)", export, repeat=1)
    print(f"    ({size / 1e6:.1f} MB)")
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"  peak resident memory of this process (demo build included): {peak_kib / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
