"""``python -m quiz bank ...``: validate, stats, sync, and Moodle GIFT / Aiken import and export."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select

from quiz.adapters.bank_files import BankInvalid, bank_stats, load_bank, read_bank
from quiz.bootstrap import sync_from_files
from quiz.cli.common import open_db, print_error, write_out
from quiz.core.config import get_settings
from quiz.services.errors import ServiceError


def _bank_path(arg: str | None) -> Path:
    return Path(arg) if arg else get_settings().bank_path


def cmd_bank_validate(args: argparse.Namespace) -> int:
    path = _bank_path(args.path)
    try:
        bank = load_bank(path)
    except BankInvalid as err:
        for p in err.problems:
            print(p)
        print(f"{len(err.problems)} problem(s) found in {path}", file=sys.stderr)
        return 1
    print(f"OK: {len(bank.questions)} items in {path} are valid")
    return 0


def cmd_bank_stats(args: argparse.Namespace) -> int:
    path = _bank_path(args.path)
    try:
        bank = load_bank(path)
    except BankInvalid as err:
        for p in err.problems:
            print(p, file=sys.stderr)
        print("the bank has problems; run 'python -m quiz bank validate'", file=sys.stderr)
        return 1
    stats = bank_stats(bank.questions)
    if args.json:
        print(json.dumps(stats, indent=2))
        return 0
    names = bank.topic_names()
    print(f"Total items: {stats['total']}  (case sets: {len({q.case.id for q in bank.questions if q.case})})")
    for title, key in (("topic", "by_topic"), ("topic, live items only", "live_by_topic"), ("type", "by_type"),
                       ("difficulty", "by_difficulty"), ("status", "by_status")):
        print(f"\nBy {title}:")
        for k, v in stats[key].items():
            label = f"{k} ({names[k]})" if key in ("by_topic", "live_by_topic") and k in names else k
            print(f"  {label:<66} {v:>4}")
    live = stats["by_status"].get("live", 0)
    print(f"\nLive items tagged recall: {stats['live_recall']} of {live}")
    unused = sorted({o.id for o in bank.objectives} - set(stats["by_objective"]))
    print(f"\nBy objective (live / all items; {len(bank.objectives)} objectives, {len(unused)} unused):")
    for k, v in stats["by_objective"].items():
        print(f"  {k:<66} {v['live']:>4} / {v['total']:<4}")
    return 0


def cmd_bank_lint(args: argparse.Namespace) -> int:
    """Item-writing warnings as ``file:line: item-id: warning``, then the bank-level balance; exit 1 on a
    bank-level failure (or when no item could be read at all)."""
    from quiz.domain.lint import bank_checks, lint_bank

    path = _bank_path(args.path)
    bank, problems = read_bank(path)
    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        print(f"{len(problems)} validation problem(s) (see 'python -m quiz bank validate'); linting the "
              f"{len(bank.questions)} item(s) that could be read", file=sys.stderr)
    warnings = lint_bank(bank.questions)
    checks = bank_checks(bank.questions)
    rows = []
    for qid, found in warnings.items():
        file, line = bank.locations.get(qid, (str(path), 1))
        rows.extend({"file": file, "line": line, "item": qid, "warning": w} for w in found)
    rows.sort(key=lambda r: (r["file"], r["line"], r["warning"]))
    failed = [c for c in checks if not c.ok]
    if args.json:
        print(json.dumps({"ok": not failed, "items_linted": sum(1 for q in bank.questions if q.status != "retired"),
                          "warnings": rows, "bank": [c.to_dict() for c in checks],
                          "validation_problems": [str(p) for p in problems]}, indent=2))
    else:
        for r in rows:
            print(f"{r['file']}:{r['line']}: {r['item']}: {r['warning']}")
        print(f"\n{len(rows)} warning(s) on {len(warnings)} item(s). Bank-level balance (live items):")
        for c in checks:
            print(f"  {'ok  ' if c.ok else 'FAIL'} {c.name}: {c.message}")
    return 1 if failed or (problems and not bank.questions) else 0


def cmd_bank_sync(args: argparse.Namespace, platform=None) -> int:  # noqa: ANN001
    platform = platform or open_db()
    try:
        report = sync_from_files(platform)
    except BankInvalid as err:
        for p in err.problems:
            print(p, file=sys.stderr)
        print(f"sync refused: {len(err.problems)} problem(s) in the bank; nothing was changed", file=sys.stderr)
        return 1
    print(f"bank synced: {report.summary()}")
    return 0


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
        print_error(f"no such file: {path}")
        return 1
    except (OSError, UnicodeDecodeError) as err:
        print_error(f"cannot read {path} as UTF-8 text: {err}")
        return 1
    fmt = args.format or _guess_format(path, text)
    source = None
    if args.source:
        if not args.section:
            print_error("--source needs --section (the section of the source the items cite)")
            return 2
        source = {"id": args.source, "section": args.section}
    kwargs = dict(status=args.status, topic=args.topic, source=source, difficulty=args.difficulty)
    platform = open_db()
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
        print_error(str(err))
        return 1
    for w in report.warnings:
        print(f"{path}:{w.removeprefix('line ')}", file=sys.stderr)
    verb = "would import" if args.dry_run else "imported"
    print(f"{verb} {fmt.upper()} {path}: {report.summary()}")
    return 0


def cmd_bank_export(args: argparse.Namespace) -> int:
    from quiz.adapters.orm import QuestionRow
    from quiz.services import bank_admin

    platform = open_db()
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
        print_error(str(err))
        return 1
    try:
        write_out(args.out, text.encode("utf-8"))
    except OSError as err:
        print_error(f"cannot write {args.out}: {err.strerror}")
        return 1
    if args.out != "-":
        count = sum(1 for line in text.splitlines() if line.startswith("::"))
        print(f"wrote {count} question(s) to {args.out}")
    return 0


def register(sub) -> None:  # noqa: ANN001
    bank = sub.add_parser("bank", help="check, count, load, import and export the question bank")
    bank_sub = bank.add_subparsers(dest="bank_command", metavar="ACTION")
    bank_sub.required = True
    v = bank_sub.add_parser("validate", help="check every question file; print every problem as file:line: id: message")
    v.add_argument("path", nargs="?", help="bank folder or one item file (default: question_bank/)")
    v.set_defaults(func=cmd_bank_validate)
    s = bank_sub.add_parser("stats", help="count items by topic, type, difficulty, status and objective")
    s.add_argument("path", nargs="?", help="bank folder (default: question_bank/)")
    s.add_argument("--json", action="store_true", help="print JSON")
    s.set_defaults(func=cmd_bank_stats)
    s = bank_sub.add_parser("lint", help="item-writing warnings (cues a test-wise candidate could use) and key "
                                         "balance; exit 1 on a bank-level failure")
    s.add_argument("path", nargs="?", help="bank folder or one item file (default: question_bank/)")
    s.add_argument("--json", action="store_true", help="print JSON")
    s.set_defaults(func=cmd_bank_lint)
    s = bank_sub.add_parser("sync", help="load the bank files into the database (safe to repeat)")
    s.set_defaults(func=cmd_bank_sync)
    imp = bank_sub.add_parser("import", help="import a Moodle GIFT or Aiken file into the database (all or "
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
    exp = bank_sub.add_parser("export", help="export the questions in the database as Moodle GIFT")
    exp.add_argument("--format", choices=["gift"], default="gift")
    exp.add_argument("--out", required=True, metavar="FILE", help="file to write ('-' for standard output)")
    exp.add_argument("--status", action="append", choices=["draft", "live", "retired"],
                     help="only these statuses (repeatable; default draft and live)")
    exp.add_argument("--topic", help="only this topic")
    exp.set_defaults(func=cmd_bank_export)
