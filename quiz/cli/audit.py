"""``python -m quiz audit`` (the audit trail) and ``python -m quiz regrade`` (dry run first, then --apply).

The command line acts as a local administrator (services get ``actor=None`` where they allow it)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime

from quiz.cli.common import id_by_name, open_db, print_error
from quiz.services.errors import ServiceError


def _since(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise SystemExit(f"error: --since takes a date like 2026-12-01 or 2026-12-01T09:00, not {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def cmd_audit(args: argparse.Namespace) -> int:
    from quiz.services import audit

    platform = open_db()
    with platform.sessions() as session:
        rows = audit.entries(session, None, since=_since(args.since), action=args.action, who=args.who,
                             target=args.target, limit=args.limit)
    if args.json:
        print(json.dumps([{"id": r.id, "at": r.at.isoformat(), "actor": r.actor, "action": r.action,
                           "target": r.target, "detail": r.detail} for r in rows], indent=2, ensure_ascii=False,
                         default=str))
        return 0
    for r in rows:
        detail = json.dumps(r.detail, ensure_ascii=False, default=str, separators=(",", ":"))
        print(f"{r.at:%Y-%m-%d %H:%M:%S}Z  {r.actor:<30} {r.action:<24} {r.target or '-'}  {detail}")
    print(f"{len(rows)} record(s)", file=sys.stderr)
    return 0


def cmd_regrade(args: argparse.Namespace) -> int:
    from quiz.adapters.orm import Exam
    from quiz.services import regrade
    from quiz.services.permissions import Actor

    platform = open_db()
    system = Actor(id=None, role="admin", name="command line", email="")  # type: ignore[arg-type]
    try:
        with platform.transaction() as session:
            exam_id = id_by_name(session, Exam, args.exam, "exam")
            run = regrade.apply if args.apply else regrade.preview
            plan = run(session, system, exam_id=exam_id, question_id=args.item, mode=args.mode)
    except ServiceError as err:
        print_error(str(err))
        return 1
    verb = "changed" if args.apply else "would change"
    print(f"{plan.exam}: {plan.attempts_checked} finished attempt(s) checked; {len(plan.changes)} {verb}")
    for c in plan.changes:
        flip = "" if c.old_passed == c.new_passed else f"  {'pass' if c.old_passed else 'fail'} -> " \
                                                         f"{'pass' if c.new_passed else 'fail'}"
        cert = {"issue": "  (certificate issued)" if args.apply else "  (a certificate would be issued)",
                "review": f"  (certificate {c.certificate}: review it; not revoked)"}.get(c.certificate_effect, "")
        print(f"  attempt {c.attempt_id} {c.trainee}: {c.old_percent:.1%} -> {c.new_percent:.1%}{flip}{cert}")
    for s in plan.skipped:
        print(f"  skipped: {s}")
    if not args.apply and plan.changes:
        print("dry run: nothing was changed; add --apply to regrade")
    return 0


def register(sub) -> None:  # noqa: ANN001
    a = sub.add_parser("audit", help="print the audit trail (who did what, when, before -> after)")
    a.add_argument("--since", metavar="DATE", help="only records from this date/time on (UTC), e.g. 2026-12-01")
    a.add_argument("--action", help="only this action, e.g. regrade_applied, certificate_revoked")
    a.add_argument("--who", metavar="EMAIL", help="only records by this user")
    a.add_argument("--target", help="only records whose target contains this text")
    a.add_argument("--limit", type=int, default=1000, help="at most this many records (default 1000)")
    a.add_argument("--json", action="store_true", help="print JSON")
    a.set_defaults(func=cmd_audit)
    r = sub.add_parser("regrade", help="regrade an exam's finished attempts after an item was fixed (dry run first)")
    r.add_argument("--exam", required=True, metavar="NAME", help="the exam's name")
    r.add_argument("--item", metavar="QUESTION_ID", help="the fixed item (default: every item, against its current "
                                                        "version)")
    r.add_argument("--mode", choices=["current", "full_marks", "remove"], default="current",
                   help="current: score against the item's current version; full_marks: give everyone the mark; "
                        "remove: remove the item from the total")
    r.add_argument("--apply", action="store_true", help="write the regrade (without it: a dry run)")
    r.set_defaults(func=cmd_regrade)
