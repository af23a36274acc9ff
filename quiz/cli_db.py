"""Command-line actions that use the database: init, bank sync, user add.

Other modules add their own sub-commands through :data:`EXTRA_COMMANDS` (module names with a
``register(subparsers)`` function), so each feature keeps its command next to its code.
"""

from __future__ import annotations

import argparse
import getpass
import importlib
import os
import sys

from sqlalchemy.exc import OperationalError

from quiz.adapters.bank_files import BankInvalid
from quiz.bootstrap import open_platform, sync_from_files
from quiz.services import accounts
from quiz.services.errors import ServiceError

EXTRA_COMMANDS = ("quiz.cli_reports", "quiz.cli_demo")


def _open():  # noqa: ANN202
    try:
        return open_platform()
    except OperationalError as err:
        print(f"error: cannot reach the database: {err.orig}", file=sys.stderr)
        raise SystemExit(1) from None


def cmd_init(args: argparse.Namespace) -> int:
    platform = _open()
    print(f"database ready at {platform.engine.url.render_as_string(hide_password=True)}")
    return cmd_bank_sync(args, platform)


def cmd_bank_sync(args: argparse.Namespace, platform=None) -> int:  # noqa: ANN001
    platform = platform or _open()
    try:
        report = sync_from_files(platform)
    except BankInvalid as err:
        for p in err.problems:
            print(p, file=sys.stderr)
        print(f"sync refused: {len(err.problems)} problem(s) in the bank; nothing was changed", file=sys.stderr)
        return 1
    print(f"bank synced: {report.summary()}")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    password = os.environ.get(args.password_env) if args.password_env else None
    if args.password_env and password is None:
        print(f"error: environment variable {args.password_env} is not set", file=sys.stderr)
        return 2
    if password is None:
        if not sys.stdin.isatty():
            print("error: no terminal to ask for a password; use --password-env VAR", file=sys.stderr)
            return 2
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != password:
            print("error: the passwords differ", file=sys.stderr)
            return 1
    platform = _open()
    try:
        with platform.transaction() as session:
            cohort_id = None
            if args.cohort:
                from sqlalchemy import select

                from quiz.adapters.orm import Cohort
                cohort_id = session.scalar(select(Cohort.id).where(Cohort.name == args.cohort))
                if cohort_id is None:
                    print(f"error: no cohort named {args.cohort!r}", file=sys.stderr)
                    return 1
            user = accounts.create_user(session, None, email=args.email, name=args.name, role=args.role,
                                        password=password, cohort_id=cohort_id)
            print(f"created {user.role} {user.email} (id {user.id})")
    except ServiceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


def register(sub) -> None:  # noqa: ANN001
    init = sub.add_parser("init", help="create or upgrade the database and load the question bank")
    init.set_defaults(func=cmd_init)

    for action in sub.choices["bank"]._subparsers._group_actions:  # the 'bank' sub-command's actions
        s = action.add_parser("sync", help="load the bank files into the database (safe to repeat)")
        s.set_defaults(func=cmd_bank_sync)

    user = sub.add_parser("user", help="manage accounts")
    user_sub = user.add_subparsers(dest="user_command", metavar="ACTION")
    user_sub.required = True
    add = user_sub.add_parser("add", help="create an account (password asked, or read from --password-env)")
    add.add_argument("--role", required=True, choices=["trainee", "trainer", "admin"])
    add.add_argument("--email", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--cohort", help="put a trainee in this cohort (by name)")
    add.add_argument("--password-env", metavar="VAR",
                     help="read the password from this environment variable (for scripts), e.g. QUIZ_PASSWORD")
    add.set_defaults(func=cmd_user_add)

    for name in EXTRA_COMMANDS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name != name:
                raise
            continue
        module.register(sub)
