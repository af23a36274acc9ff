"""Command line: ``python -m quiz --help``.

Each sub-command is a thin shell over a service, in the module of its concept: :mod:`.bank` (validate, stats,
sync, import, export), :mod:`.server` (init, serve, test), :mod:`.users`, :mod:`.reports` (export, stats),
:mod:`.demo`. A new command goes in its own module with a ``register(subparsers)`` function, listed in
:data:`COMMAND_MODULES`. Exit codes: 0 ok, 1 the input has problems (invalid bank, failed sync, refused
action), 2 wrong usage.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

COMMAND_MODULES = ("quiz.cli.bank", "quiz.cli.server", "quiz.cli.users", "quiz.cli.reports", "quiz.cli.demo",
                   "quiz.cli.audit", "quiz.cli.certs", "quiz.cli.standard", "quiz.cli.bench")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m quiz", description="Mesotherapy quiz platform tools.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from quiz.cli.server import cmd_test

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
