"""Command line: ``python -m quiz --help``.

Each sub-command is a thin shell over a service; exit codes: 0 ok, 1 the input has problems (invalid bank,
failed sync, refused action), 2 wrong usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from quiz.adapters.bank_files import BankInvalid, bank_stats, load_bank
from quiz.core.config import get_settings


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
    for title, key in (("topic", "by_topic"), ("type", "by_type"), ("difficulty", "by_difficulty"),
                       ("status", "by_status")):
        print(f"\nBy {title}:")
        for k, v in stats[key].items():
            label = f"{k} ({names[k]})" if key == "by_topic" and k in names else k
            print(f"  {label:<66} {v:>4}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Prepare the database and bank, print the first-run set-up code if needed, then run Streamlit."""
    import subprocess

    from quiz.adapters.bank_files import BankInvalid
    from quiz.bootstrap import open_platform, sync_from_files
    from quiz.core.config import PROJECT_ROOT
    from quiz.services.accounts import ensure_setup_code

    platform = open_platform()
    try:
        print(f"[quiz] question bank: {sync_from_files(platform).summary()}", flush=True)
    except BankInvalid as err:
        print(f"[quiz] WARNING: the question bank has {len(err.problems)} problem(s) and was not loaded; "
              "run 'python -m quiz bank validate'. The app serves the questions already in the database.",
              flush=True)
    env = dict(os.environ)
    with platform.transaction() as session:
        code = ensure_setup_code(session, platform.settings.setup_code)
    if code:
        env["QUIZ_SETUP_CODE"] = code
        print_setup_code(code)
    platform.engine.dispose()
    port = str(args.port or os.environ.get("QUIZ_PORT") or 8501)
    print(f"[quiz] serving on http://localhost:{port}", flush=True)
    cmd = [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"), "--server.port", port,
           "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    if args.address:
        cmd += ["--server.address", args.address]
    try:
        return subprocess.call(cmd, env=env)
    except KeyboardInterrupt:
        return 0


def print_setup_code(code: str) -> None:
    bar = "*" * 64
    print(f"\n{bar}\n  First run: no accounts yet. Open the app and create the first trainer\n"
          f"  with this one-time set-up code:   {code}\n{bar}\n", flush=True)


def cmd_test(args: argparse.Namespace) -> int:
    """ruff, then the whole pytest suite (unit, integration on SQLite and PostgreSQL, UI, browser)."""
    import subprocess

    from quiz.core.config import PROJECT_ROOT

    lint = subprocess.call([sys.executable, "-m", "ruff", "check", "."], cwd=PROJECT_ROOT)
    extra = list(args.pytest_args)
    if not any(a == "-n" or a.startswith(("-n", "--numprocesses")) for a in extra):
        extra = ["-n", os.environ.get("QUIZ_TEST_WORKERS", "2"), *extra]  # pytest-xdist: both cores
    tests = subprocess.call([sys.executable, "-m", "pytest", *extra], cwd=PROJECT_ROOT)
    if lint:
        print("ruff check found problems (see above)", file=sys.stderr)
    return tests or lint


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m quiz", description="Mesotherapy quiz platform tools.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    bank = sub.add_parser("bank", help="check, count and load the question bank")
    bank_sub = bank.add_subparsers(dest="bank_command", metavar="ACTION")
    bank_sub.required = True
    v = bank_sub.add_parser("validate", help="check every question file; print every problem as file:line: id: message")
    v.add_argument("path", nargs="?", help="bank folder or one item file (default: question_bank/)")
    v.set_defaults(func=cmd_bank_validate)
    s = bank_sub.add_parser("stats", help="count items by topic, type, difficulty and status")
    s.add_argument("path", nargs="?", help="bank folder (default: question_bank/)")
    s.add_argument("--json", action="store_true", help="print JSON")
    s.set_defaults(func=cmd_bank_stats)
    serve = sub.add_parser("serve", help="run the web app (sets up the database and bank first)")
    serve.add_argument("--port", type=int, help="port (default 8501, or QUIZ_PORT)")
    serve.add_argument("--address", help="address to listen on (default: all)")
    serve.set_defaults(func=cmd_serve)
    test = sub.add_parser("test", help="run ruff and every test (extra arguments go to pytest)",
                          description="Run `ruff check .`, then pytest on two workers. Any other arguments go to "
                                      "pytest, e.g. `python3 -m quiz test tests/unit -q` or `-m 'not e2e'`.")
    test.set_defaults(func=cmd_test, pytest_args=[])
    _extend(parser, sub)
    return parser


def _extend(parser: argparse.ArgumentParser, sub) -> None:  # noqa: ANN001
    """Sub-commands that need the database (added in quiz/cli_db.py to keep imports light)."""
    try:
        from quiz import cli_db
    except ImportError:  # pragma: no cover - during bootstrap only
        return
    cli_db.register(sub)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.func is not cmd_test:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.func is cmd_test:
        args.pytest_args = extra  # whatever pytest understands: paths, -q, -m "not e2e", -k ..., -n 4
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `python -m quiz stats items ... | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


