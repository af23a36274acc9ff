"""The audit trail: who did what, when, before → after (regrades, overrides, revocations, approvals, ...)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time

import streamlit as st

from quiz.services import audit
from quiz.ui import runtime
from quiz.ui.pages.cohorts import require_trainer


def render() -> None:
    actor = require_trainer()
    st.title("Audit trail")
    st.caption("Every regrade, override, revocation, password reset, exam change, approval and retirement, newest "
               "first. Records are never changed or deleted. Times in UTC.")
    with runtime.db() as session:
        known = audit.actions(session)
    c1, c2, c3, c4 = st.columns(4)
    action = c1.selectbox("Action", ["(any)", *known], key="au_action")
    who = c2.text_input("By (email)", key="au_who")
    target = c3.text_input("Target contains", key="au_target")
    since = c4.date_input("Since", value=None, key="au_since")
    rows = runtime.run(audit.entries, actor, action=None if action == "(any)" else action, who=who or None,
                       target=target or None,
                       since=datetime.combine(since, time.min, tzinfo=UTC) if since else None, limit=1000)
    if rows is None:
        return
    if not rows:
        st.info("No record matches.")
        return
    st.dataframe([{"When (UTC)": r.at.strftime("%Y-%m-%d %H:%M:%S"), "By": r.actor, "Action": r.action,
                   "Target": r.target or "", "Before": json.dumps(r.detail.get("before"), default=str)
                   if "before" in r.detail else "",
                   "After": json.dumps(r.detail.get("after"), default=str) if "after" in r.detail else "",
                   "Detail": json.dumps({k: v for k, v in r.detail.items() if k not in ("before", "after")},
                                        default=str, ensure_ascii=False)}
                  for r in rows], hide_index=True, width="stretch")
    st.caption(f"{len(rows)} record(s) shown (at most 1,000). `python -m quiz audit --json` prints them all.")
