"""``python -m quiz user add``: create accounts from the command line (scripts, first set-up)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from quiz.cli.common import id_by_name, open_db
from quiz.services import accounts
from quiz.services.errors import ServiceError


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
    platform = open_db()
    try:
        with platform.transaction() as session:
            from quiz.adapters.orm import Cohort

            cohort_id = id_by_name(session, Cohort, args.cohort, "cohort")
            user = accounts.create_user(session, None, email=args.email, name=args.name, role=args.role,
                                        password=password, cohort_id=cohort_id)
            print(f"created {user.role} {user.email} (id {user.id})")
    except ServiceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


def register(sub) -> None:  # noqa: ANN001
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
