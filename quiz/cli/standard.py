"""``python -m quiz standard report --exam NAME [--json]``: an exam's standard-setting results (its adopted,
i.e. latest closed, study; else the latest open one): items with their mean rating, the cut score, its standard
error and the panel's reliability. The command line acts as a local administrator."""

from __future__ import annotations

import argparse
import json
from typing import Any

from quiz.cli.common import open_db, print_error
from quiz.services.errors import ServiceError


def _pct(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(100 * value, spec)


def _table(d: dict[str, Any]) -> str:
    st = d["study"]
    rel = d["reliability"]
    lines = [f"Exam: {d['exam']}   pass mark: {d['pass_mark_method']} (default {_pct(d['default_pass_mark'], '.0f')}%)",
             f"Study: {st['name']}   round {st['round']}, {st['state']}"
             f"{' (adopted)' if st['adopted'] else ''}   raters: {st['raters']}",
             f"Cut score: {_pct(d['cut_score'])}%   SE: {_pct(d['standard_error'], '.2f')} points   "
             f"ICC(2,k): {'-' if rel['icc_2_k'] is None else format(rel['icc_2_k'], '.3f')}   "
             f"ICC(2,1): {'-' if rel['icc_2_1'] is None else format(rel['icc_2_1'], '.3f')} "
             f"({rel['items']} items x {rel['raters']} raters)", ""]
    head = f"{'question':<26} {'n':>3} {'mean %':>7} {'sd':>6} {'in cut %':>9}"
    lines += [head, "-" * len(head)]
    for i in d["items"]:
        note = "  (fewer than 3 ratings: default pass mark)" if i["fallback"] else ""
        lines.append(f"{i['question_id']:<26} {i['n']:>3} {_pct(i['mean']):>7} {_pct(i['sd']):>6} "
                     f"{_pct(i['value']):>9}{note}")
    return "\n".join(lines)


def cmd_report(args: argparse.Namespace) -> int:
    from quiz.services import standard_setting_results

    platform = open_db()
    try:
        with platform.sessions() as s:
            d = standard_setting_results.report(s, args.exam)
    except ServiceError as err:
        print_error(str(err))
        return 1
    print(json.dumps(d, indent=2, ensure_ascii=False) if args.json else _table(d))
    return 0


def register(sub) -> None:  # noqa: ANN001
    std = sub.add_parser("standard", help="standard setting (Angoff): an exam's cut score and its panel")
    std_sub = std.add_subparsers(dest="standard_command", metavar="ACTION")
    std_sub.required = True
    rep = std_sub.add_parser("report", help="items, mean ratings, cut score, standard error, reliability")
    rep.add_argument("--exam", required=True, metavar="NAME", help="the exam's name")
    rep.add_argument("--json", action="store_true", help="print JSON")
    rep.set_defaults(func=cmd_report)
