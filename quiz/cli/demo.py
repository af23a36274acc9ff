"""``python -m quiz demo``: fill the database with a demo academy (see :mod:`quiz.services.demo`)."""

from __future__ import annotations

import argparse
import sys
import time

from quiz.adapters.bank_files import BankInvalid
from quiz.services.errors import ServiceError


def cmd_demo(args: argparse.Namespace) -> int:
    from quiz.bootstrap import sync_from_files
    from quiz.cli.common import open_db
    from quiz.services import demo

    if args.trainees < 2:
        print("error: --trainees must be 2 or more", file=sys.stderr)
        return 2
    began = time.monotonic()
    platform = open_db()
    try:
        sync_from_files(platform)
    except BankInvalid as err:
        print(f"warning: the question bank files have {len(err.problems)} problem(s); using the questions already "
              "in the database", file=sys.stderr)
    try:
        with platform.transaction() as session:
            report = demo.populate(session, seed=args.seed, trainees=args.trainees, days=args.days, force=args.force)
    except ServiceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    took = time.monotonic() - began
    if report.removed_previous:
        print("the previous demo academy was removed")
    print(f"demo academy loaded in {took:.1f}s: {len(report.trainee_emails)} trainees in {len(report.cohorts)} "
          f"cohorts, {report.attempts} attempts, {report.responses} answers, {report.certificates} certificates")
    for name, size in report.per_cohort.items():
        print(f"  {name}: {size} trainees")
    from quiz.cli.server import serve_port

    print(f"\nRun `python -m quiz serve{f' --port {args.port}' if args.port else ''}`, then log in at "
          f"http://localhost:{serve_port(args.port)} with (every demo account has the same password):")
    print(f"  trainer:  {report.trainer_email}")
    print(f"  trainee:  {report.trainee_emails[0]}   (also {report.trainee_emails[1]}, ...)")
    print(f"  password: {report.password}")
    return 0


def register(sub) -> None:  # noqa: ANN001
    p = sub.add_parser("demo", help="fill the database with a demo academy (trainer, cohorts, trainees, attempts)")
    p.add_argument("--seed", type=int, default=7, help="random seed: the same seed gives the same academy")
    p.add_argument("--trainees", type=int, default=40, help="number of trainees (default 40)")
    p.add_argument("--days", type=int, default=150, help="how far back the first cohort started (default 150)")
    p.add_argument("--force", action="store_true",
                   help="load even if the database has attempts; replaces a previous demo (only its own accounts)")
    p.add_argument("--port", type=int, help="the port you will serve on, for the address printed (default QUIZ_PORT, "
                                           "else 8501)")
    p.set_defaults(func=cmd_demo)
