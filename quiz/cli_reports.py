"""Command line for reports and bank exchange (loaded by quiz/cli_db.py):

    python -m quiz export results --format csv|xlsx --out FILE [--cohort NAME] [--exam NAME]
    python -m quiz export responses --format csv|xlsx --out FILE [--cohort NAME] [--exam NAME]
    python -m quiz stats items --exam NAME [--json]
    python -m quiz bank import FILE [--format gift|aiken] [--status draft|live] [--topic T] [--source ID]
                                    [--section S] [--difficulty D] [--dry-run]
    python -m quiz bank export --format gift --out FILE [--status ...] [--topic T]

The command line acts as a local administrator (services get ``actor=None``). Exit codes: 0 success, 1 the
input has problems or the action was refused (e.g. a GIFT file with errors: nothing imported), 2 wrong usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select

from quiz.services.errors import ServiceError


def _open():  # noqa: ANN202
    from quiz.cli_db import _open as open_db

    return open_db()


def _err(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def _write(out: str, data: bytes) -> None:
    if out == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_bytes(data)


def _id_by_name(session, model, name: str | None, what: str) -> int | None:  # noqa: ANN001
    if name is None:
        return None
    found = session.scalar(select(model.id).where(model.name == name))
    if found is None:
        raise ServiceError(f"no {what} named {name!r}")
    return found


# -- export -----------------------------------------------------------------------------------------------------

def cmd_export(args: argparse.Namespace) -> int:
    from quiz.adapters.orm import Cohort, Exam
    from quiz.services import exports

    if args.out == "-" and args.format == "xlsx":
        _err("an Excel file cannot go to standard output; give --out FILE.xlsx")
        return 2
    fetch, columns = ((exports.results_rows, exports.RESULT_COLUMNS) if args.what == "results"
                      else (exports.responses_rows, exports.RESPONSE_COLUMNS))
    platform = _open()
    try:
        with platform.transaction() as s:
            cohort_id = _id_by_name(s, Cohort, args.cohort, "cohort")
            exam_id = _id_by_name(s, Exam, args.exam, "exam")
            rows = fetch(s, None, cohort_id=cohort_id, exam_id=exam_id)
    except ServiceError as err:
        _err(str(err))
        return 1
    data = (exports.to_csv_bytes(rows, columns) if args.format == "csv"
            else exports.to_xlsx_bytes(rows, columns, sheet=args.what.title()))
    try:
        _write(args.out, data)
    except OSError as err:
        _err(f"cannot write {args.out}: {err.strerror}")
        return 1
    if args.out != "-":
        print(f"wrote {len(rows)} row(s) to {args.out}")
    return 0


# -- stats ------------------------------------------------------------------------------------------------------

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

    platform = _open()
    try:
        with platform.transaction() as s:
            stats = item_analysis.exam_item_statistics_by_name(s, None, args.exam)
    except ServiceError as err:
        _err(str(err))
        return 1
    d = stats.to_dict()
    print(json.dumps(d, indent=2, ensure_ascii=False) if args.json else _table(d))
    return 0


# -- bank import / export ---------------------------------------------------------------------------------------

class _DryRun(Exception):
    """Leaves the import's transaction by rolling it back."""

    def __init__(self, report: Any):
        super().__init__("dry run")
        self.report = report


def _guess_format(path: Path, text: str) -> str:
    if path.suffix.lower() == ".gift":
        return "gift"
    import re

    return "aiken" if re.search(r"^\s*ANSWER\s*:", text, re.MULTILINE | re.IGNORECASE) else "gift"


def cmd_bank_import(args: argparse.Namespace) -> int:
    from quiz.services import bank_admin

    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        _err(f"no such file: {path}")
        return 1
    except (OSError, UnicodeDecodeError) as err:
        _err(f"cannot read {path} as UTF-8 text: {err}")
        return 1
    fmt = args.format or _guess_format(path, text)
    source = None
    if args.source:
        if not args.section:
            _err("--source needs --section (the section of the source the items cite)")
            return 2
        source = {"id": args.source, "section": args.section}
    kwargs = dict(status=args.status, topic=args.topic, source=source, difficulty=args.difficulty)
    platform = _open()
    try:
        with platform.transaction() as s:
            fn = bank_admin.import_gift if fmt == "gift" else bank_admin.import_aiken
            report = fn(s, None, text, **kwargs)
            if args.dry_run:
                raise _DryRun(report)
    except _DryRun as dry:
        report = dry.report
    except bank_admin.ImportRefused as err:
        for p in err.problems:
            print(f"{path}:{p.line}: {p.message}", file=sys.stderr)
        print(f"import refused: {len(err.problems)} problem(s) in {path}; nothing was imported", file=sys.stderr)
        return 1
    except ServiceError as err:
        _err(str(err))
        return 1
    for w in report.warnings:
        print(f"{path}:{w.removeprefix('line ')}", file=sys.stderr)
    verb = "would import" if args.dry_run else "imported"
    print(f"{verb} {fmt.upper()} {path}: {report.summary()}")
    return 0


def cmd_bank_export(args: argparse.Namespace) -> int:
    from quiz.adapters.orm import QuestionRow
    from quiz.services import bank_admin

    platform = _open()
    try:
        with platform.transaction() as s:
            ids = None
            if args.status or args.topic:
                q = select(QuestionRow.id)
                q = q.where(QuestionRow.status.in_(args.status)) if args.status else q.where(
                    QuestionRow.status != "retired")
                if args.topic:
                    q = q.where(QuestionRow.topic == args.topic)
                ids = list(s.scalars(q))
            text = bank_admin.export_gift(s, None, ids)
    except ServiceError as err:
        _err(str(err))
        return 1
    try:
        _write(args.out, text.encode("utf-8"))
    except OSError as err:
        _err(f"cannot write {args.out}: {err.strerror}")
        return 1
    if args.out != "-":
        count = sum(1 for line in text.splitlines() if line.startswith("::"))
        print(f"wrote {count} question(s) to {args.out}")
    return 0


# -- registration -----------------------------------------------------------------------------------------------

def register(sub) -> None:  # noqa: ANN001
    export = sub.add_parser("export", help="export results or responses as CSV or Excel")
    export_sub = export.add_subparsers(dest="export_command", metavar="WHAT")
    export_sub.required = True
    for what, help_text in (("results", "one row per attempt (score, pass, dates)"),
                            ("responses", "one row per answer (question, version, answer, score)")):
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
    items.add_argument("--exam", required=True, metavar="NAME", help="the exam's name")
    items.add_argument("--json", action="store_true", help="print JSON")
    items.set_defaults(func=cmd_stats_items)

    for action in sub.choices["bank"]._subparsers._group_actions:  # the 'bank' sub-command's actions
        imp = action.add_parser("import", help="import a Moodle GIFT or Aiken file into the database (all or "
                                                "nothing)")
        imp.add_argument("file", help="a .gift or .txt file")
        imp.add_argument("--format", choices=["gift", "aiken"],
                         help="default: gift for .gift; for other files aiken if it has ANSWER: lines, else gift")
        imp.add_argument("--status", choices=["draft", "live"], default="draft",
                         help="status of new items (default draft; items without feedback stay drafts)")
        imp.add_argument("--topic", help="topic of items without a $CATEGORY (required for Aiken)")
        imp.add_argument("--source", metavar="ID", help="source cited by items without a '// source:' line")
        imp.add_argument("--section", help="the section of --source")
        imp.add_argument("--difficulty", choices=["easy", "medium", "hard"], default="medium",
                         help="difficulty of items that do not say (default medium)")
        imp.add_argument("--dry-run", action="store_true", help="check and report, but import nothing")
        imp.set_defaults(func=cmd_bank_import)
        exp = action.add_parser("export", help="export the questions in the database as Moodle GIFT")
        exp.add_argument("--format", choices=["gift"], default="gift")
        exp.add_argument("--out", required=True, metavar="FILE", help="file to write ('-' for standard output)")
        exp.add_argument("--status", action="append", choices=["draft", "live", "retired"],
                         help="only these statuses (repeatable; default draft and live)")
        exp.add_argument("--topic", help="only this topic")
        exp.set_defaults(func=cmd_bank_export)
