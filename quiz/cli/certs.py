"""``python -m quiz cert ...``: list, verify, revoke and print certificates. The command line acts as a local
administrator (services get ``actor=None``); ``cert verify`` is the public check and exits 0 only for a valid
certificate."""

from __future__ import annotations

import argparse
import json

from quiz.cli.common import id_by_name, open_db, print_error, write_out
from quiz.services.errors import ServiceError


def _date(value) -> str:  # noqa: ANN001
    return value.strftime("%Y-%m-%d") if value else "-"


def cmd_list(args: argparse.Namespace) -> int:
    from quiz.adapters.orm import Cohort
    from quiz.services import certificates

    if args.expiring_within is not None and args.expiring_within < 0:
        print_error("--expiring-within takes a number of days, 0 or more")
        return 2
    platform = open_db()
    try:
        with platform.transaction() as s:
            cohort_id = id_by_name(s, Cohort, args.cohort, "cohort")
            rows = certificates.list_certificates(s, None, cohort_id=cohort_id,
                                                  expiring_within_days=args.expiring_within)
    except ServiceError as err:
        print_error(str(err))
        return 1
    if args.json:
        print(json.dumps([{
            "code": c.code, "holder": c.holder, "email": c.email, "exam": c.exam, "state": c.state,
            "score_percent": round(c.score_percent, 4), "issued_at": c.issued_at.isoformat(),
            "expires_at": c.expires_at.isoformat() if c.expires_at else None,
            "revoked_at": c.revoked_at.isoformat() if c.revoked_at else None, "revoke_reason": c.revoke_reason,
        } for c in rows], indent=2, ensure_ascii=False))
        return 0
    if not rows:
        print("(no certificates)")
        return 0
    head = f"{'code':<24} {'state':<10} {'issued':<10} {'expires':<10} {'exam':<28} holder"
    print(head)
    print("-" * len(head))
    for c in rows:
        print(f"{c.code:<24} {c.state:<10} {_date(c.issued_at):<10} {_date(c.expires_at):<10} {c.exam[:28]:<28} "
              f"{c.holder} <{c.email}>")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from quiz.services import certificates

    platform = open_db()
    with platform.transaction() as s:
        result = certificates.verify(s, args.code)
    print(f"{result.state}: {result.message}")
    c = result.certificate
    if c is not None:
        print(f"  holder:  {c.holder}\n  exam:    {c.exam}\n  issued:  {_date(c.issued_at)}\n"
              f"  expires: {_date(c.expires_at) if c.expires_at else 'never'}\n  academy: {c.academy}")
    return 0 if result.valid else 1


def cmd_revoke(args: argparse.Namespace) -> int:
    from quiz.services import certificates

    platform = open_db()
    try:
        with platform.transaction() as s:
            view = certificates.revoke(s, None, args.code, args.reason)
    except ServiceError as err:
        print_error(str(err))
        return 1
    print(f"revoked {view.code} ({view.holder}, {view.exam}) on {_date(view.revoked_at)}")
    return 0


def cmd_pdf(args: argparse.Namespace) -> int:
    from quiz.services import certificates

    platform = open_db()
    try:
        with platform.transaction() as s:
            _name, data = certificates.pdf_for(s, None, args.code)
    except ServiceError as err:
        print_error(str(err))
        return 1
    try:
        write_out(args.out, data)
    except OSError as err:
        print_error(f"cannot write {args.out}: {err.strerror}")
        return 1
    if args.out != "-":
        print(f"wrote {args.out}")
    return 0


def register(sub) -> None:  # noqa: ANN001
    cert = sub.add_parser("cert", help="list, verify, revoke and print certificates")
    cert_sub = cert.add_subparsers(dest="cert_command", metavar="ACTION")
    cert_sub.required = True
    ls = cert_sub.add_parser("list", help="certificates, newest first (or those expiring soon, soonest first)")
    ls.add_argument("--cohort", metavar="NAME", help="only trainees of this cohort")
    ls.add_argument("--expiring-within", type=int, metavar="DAYS",
                    help="only valid certificates that expire within DAYS days")
    ls.add_argument("--json", action="store_true", help="print JSON")
    ls.set_defaults(func=cmd_list)
    verify = cert_sub.add_parser("verify", help="check a code: exit 0 valid, 1 otherwise")
    verify.add_argument("code")
    verify.set_defaults(func=cmd_verify)
    revoke = cert_sub.add_parser("revoke", help="revoke a certificate (kept in the audit trail)")
    revoke.add_argument("code")
    revoke.add_argument("--reason", required=True, help="why (kept with the revocation)")
    revoke.set_defaults(func=cmd_revoke)
    pdf = cert_sub.add_parser("pdf", help="write the certificate as a PDF")
    pdf.add_argument("code")
    pdf.add_argument("--out", required=True, metavar="FILE", help="file to write ('-' for standard output)")
    pdf.set_defaults(func=cmd_pdf)
