"""``python -m quiz export ...`` and ``python -m quiz stats items``: reports for trainers and offline analysis.

The command line acts as a local administrator (services get ``actor=None``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from quiz.cli.common import id_by_name, open_db, print_error, write_out
from quiz.services.errors import ServiceError


def cmd_export(args: argparse.Namespace) -> int:
    from quiz.adapters.orm import Cohort, Exam
    from quiz.services import exports

    if args.out == "-" and args.format == "xlsx":
        print_error("an Excel file cannot go to standard output; give --out FILE.xlsx")
        return 2
    fetch, columns = exports.KINDS[args.what]
    platform = open_db()
    count = 0
    try:
        with platform.transaction() as s:
            cohort_id = id_by_name(s, Cohort, args.cohort, "cohort")
            exam_id = id_by_name(s, Exam, args.exam, "exam")
            if args.format == "csv":  # streamed (written by the database): memory stays flat whatever the size
                counter = [0]
                stream = exports.csv_stream(s, None, args.what, cohort_id, exam_id, counter=counter)
                try:
                    _write_csv(args.out, stream)
                finally:
                    stream.close()  # a write that failed half way: the database's side ends before the transaction
                count = counter[0]
            else:
                rows = list(fetch(s, None, cohort_id=cohort_id, exam_id=exam_id))
                count = len(rows)
                write_out(args.out, exports.to_xlsx_bytes(rows, columns, sheet=args.what.title()))
    except ServiceError as err:
        print_error(str(err))
        return 1
    except OSError as err:
        print_error(f"cannot write {args.out}: {err.strerror}")
        return 1
    if args.out != "-":
        print(f"wrote {count} row(s) to {args.out}")
    return 0


def _write_csv(out: str, chunks) -> None:  # noqa: ANN001
    if out == "-":
        for chunk in chunks:
            sys.stdout.buffer.write(chunk)
        sys.stdout.flush()
        return
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as fh:
        for chunk in chunks:
            fh.write(chunk)


def _fmt(value: float | None, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


def _table(d: dict[str, Any]) -> str:
    lines = [f"Exam: {d['exam']}   attempts analysed: {d['attempts']} (first finished attempt of each trainee)",
             f"Cronbach's alpha: {_fmt(d['alpha'], '.3f')}   SEM: {_fmt(d['sem'])} marks   "
             f"error ratio: {_fmt(d['error_ratio'], '.0%')}", ""]
    head = f"{'question':<24} {'n':>4} {'facility':>8} {'sd':>6} {'discr':>6} {'effic':>6} {'eff.wt':>6}  flags"
    lines += [head, "-" * len(head)]
    for i in d["items"]:
        flags = "; ".join(f["reason"] for f in i["flags"])
        lines.append(f"{i['question_id']:<24} {i['attempts']:>4} {_fmt(i['facility']):>8} {_fmt(i['sd']):>6} "
                     f"{_fmt(i['discrimination']):>6} {_fmt(i['discriminative_efficiency'], '.0%'):>6} "
                     f"{_fmt(i['effective_weight'], '.0%'):>6}  {flags}")
    if not d["items"]:
        lines.append("(no finished attempts yet)")
    return "\n".join(lines)


def cmd_stats_items(args: argparse.Namespace) -> int:
    from quiz.services import item_analysis

    platform = open_db()
    if args.pooled:
        return _pooled(platform, args.json)
    try:
        with platform.transaction() as s:
            stats = item_analysis.exam_item_statistics_by_name(s, None, args.exam)
    except ServiceError as err:
        print_error(str(err))
        return 1
    d = stats.to_dict()
    print(json.dumps(d, indent=2, ensure_ascii=False) if args.json else _table(d))
    return 0


def _pooled(platform, as_json: bool) -> int:  # noqa: ANN001
    from quiz.services import pooled_statistics

    with platform.sessions() as s:
        rows = [r.as_dict() for r in pooled_statistics.pooled_items(s, None)]
    if as_json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0

    def ci(pair: list[float] | None, spec: str) -> str:
        return f"[{pair[0]:{spec}}, {pair[1]:{spec}}]" if pair else "-"

    print(f"{'question':<22} {'n':>4} {'facility':>9} {'95% CI':>15} {'discr.':>7} {'95% CI':>16}  flags")
    for r in rows:
        print(f"{r['question_id']:<22} {r['n']:>4} {_fmt(r['facility'], '.0%'):>9} {ci(r['facility_ci'], '.0%'):>15} "
              f"{_fmt(r['discrimination']):>7} {ci(r['discrimination_ci'], '.2f'):>16}  {', '.join(r['flags'])}")
    return 0


def register(sub) -> None:  # noqa: ANN001
    export = sub.add_parser("export", help="export results, responses or the gradebook as CSV or Excel")
    export_sub = export.add_subparsers(dest="export_command", metavar="WHAT")
    export_sub.required = True
    for what, help_text in (("results", "one row per attempt (score, pass, dates)"),
                            ("responses", "one row per item shown (question, version, answer, score)"),
                            ("gradebook", "one row per trainee (best and latest exam, passed, certificate)")):
        p = export_sub.add_parser(what, help=help_text)
        p.add_argument("--format", choices=["csv", "xlsx"], default="csv", help="file format (default csv)")
        p.add_argument("--out", required=True, metavar="FILE", help="file to write ('-' for standard output, csv)")
        p.add_argument("--cohort", metavar="NAME", help="only this cohort")
        p.add_argument("--exam", metavar="NAME", help="only attempts at this exam")
        p.set_defaults(func=cmd_export, what=what)

    stats = sub.add_parser("stats", help="item statistics of an exam (Moodle's quiz statistics)")
    stats_sub = stats.add_subparsers(dest="stats_command", metavar="WHAT")
    stats_sub.required = True
    items = stats_sub.add_parser("items", help="facility, discrimination, efficiency, alpha, SEM and flags, over "
                                               "each trainee's first finished attempt")
    which = items.add_mutually_exclusive_group(required=True)
    which.add_argument("--exam", metavar="NAME", help="the exam's name")
    which.add_argument("--pooled", action="store_true",
                       help="every item pooled over all exams' first attempts, with n and 95%% intervals; flags only "
                            "where the interval supports them; practice reported separately")
    items.add_argument("--json", action="store_true", help="print JSON")
    items.set_defaults(func=cmd_stats_items)
