"""``python -m quiz init``, ``serve`` and ``test``: set up the database, run the app, run every test."""

from __future__ import annotations

import argparse
import os
import sys

from quiz.adapters.bank_files import BankInvalid
from quiz.bootstrap import print_setup_code
from quiz.cli.common import open_db


def cmd_init(args: argparse.Namespace) -> int:
    platform = open_db()
    print(f"database ready at {platform.engine.url.render_as_string(hide_password=True)}")
    from quiz.cli.bank import cmd_bank_sync

    return cmd_bank_sync(args, platform)


def cmd_serve(args: argparse.Namespace) -> int:
    """Prepare the database and bank, print the first-run set-up code if needed, then run Streamlit."""

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
    port = serve_port(args.port)
    print(f"[quiz] serving on http://localhost:{port}", flush=True)
    workers = getattr(args, "workers", 1) or 1
    if workers > 1:  # N processes behind nginx with sticky sessions (quiz/cli/workers.py)
        from quiz.cli.workers import run_workers

        return run_workers(PROJECT_ROOT / "app.py", int(port), workers, env, address=args.address or "",
                           agent_api=os.environ.get("QUIZ_AGENT_API") == "1")
    cmd = [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"), "--server.port", port,
           "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    if args.address:
        cmd += ["--server.address", args.address]
    return run_child(cmd, env)


def serve_port(port: int | None = None) -> str:
    """The port `serve` listens on: --port, else QUIZ_PORT, else 8501."""
    return str(port or os.environ.get("QUIZ_PORT") or 8501)


def run_child(cmd: list[str], env: dict[str, str], *, grace: float = 20.0) -> int:
    """Run the server as a child and stay its parent: Ctrl-C, SIGTERM or SIGHUP sent to us is passed on to it
    (once), and we wait for it to finish (killing it after ``grace`` seconds), so stopping `serve` never leaves
    a Streamlit process running. The child has its own process group, so a terminal's Ctrl-C reaches it only
    through us. Returns 0 when it stopped because we were asked to stop."""
    import signal
    import subprocess

    child = subprocess.Popen(cmd, env=env, process_group=0)
    stopping: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        if not stopping and child.poll() is None:
            child.send_signal(signal.SIGTERM if signum == signal.SIGHUP else signum)
        stopping.append(signum)

    watched = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, forward) for sig in watched}
    try:
        while True:
            try:
                code = child.wait(timeout=grace if stopping else None)
                break
            except subprocess.TimeoutExpired:
                print("[quiz] the server did not stop in time; killing it", file=sys.stderr, flush=True)
                child.kill()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if child.poll() is None:
            child.kill()
            child.wait()
    return 0 if stopping else code


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


def _workers(text: str) -> int:
    """--workers / QUIZ_WORKERS: a whole number from 1 (argparse turns the error into a usage message)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of processes, not {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("at least 1 process")
    return n


def register(sub) -> None:  # noqa: ANN001
    init = sub.add_parser("init", help="create or upgrade the database and load the question bank")
    init.set_defaults(func=cmd_init)
    serve = sub.add_parser("serve", help="run the web app (sets up the database and bank first)")
    serve.add_argument("--port", type=int, help="port (default 8501, or QUIZ_PORT)")
    serve.add_argument("--address", help="address to listen on (default: all)")
    serve.add_argument("--workers", type=_workers, default=os.environ.get("QUIZ_WORKERS") or "1", metavar="N",
                       help="run N app processes behind nginx with sticky sessions (default 1, or QUIZ_WORKERS); "
                            "needs nginx and, for N > 1, PostgreSQL")
    serve.set_defaults(func=cmd_serve)
    test = sub.add_parser("test", help="run ruff and every test (extra arguments go to pytest)",
                          description="Run `ruff check .`, then pytest on two workers. Any other arguments go to "
                                      "pytest, e.g. `python3 -m quiz test tests/unit -q` or `-m 'not e2e'`.")
    test.set_defaults(func=cmd_test, pytest_args=[])
