"""Exports: results (one row per attempt) as CSV or Excel, and every answer (one row per response) as CSV or
Excel, for one cohort or all the trainer's cohorts. Cells that a spreadsheet would run as a formula are
neutralised by the export service."""

from __future__ import annotations

import html
from itertools import islice

import streamlit as st

from quiz.services import cohorts, exports
from quiz.ui import runtime
from quiz.ui.pages.cohorts import require_trainer
from quiz.web.downloads import export_url

PREVIEW = 20  # rows shown on the page; the file has them all
LINK_STYLE = ("display:inline-block;padding:.45rem .9rem;border-radius:.5rem;background:#0f766e;color:#fff;"
              "text-decoration:none;font-weight:600")
KINDS = {
    "results": ("Results: one row per attempt", exports.iter_results, exports.RESULT_COLUMNS),
    "responses": ("Answers: one row per item shown", exports.iter_responses, exports.RESPONSE_COLUMNS),
    "gradebook": ("Gradebook: one row per trainee", exports.iter_gradebook, exports.GRADEBOOK_COLUMNS),
}


def _head(session, fetch, actor, cohort_id):  # noqa: ANN001, ANN202
    """The first rows only: an export is streamed, the page never holds all of it."""
    return list(islice(fetch(session, actor, cohort_id), PREVIEW + 1))


def render() -> None:
    actor = require_trainer()
    st.title("Exports")
    options = runtime.run(cohorts.list_cohorts, actor) or []
    scope = {0: "All my cohorts" if not actor.is_admin else "Everything", **{c.id: c.name for c in options}}
    c1, c2, c3 = st.columns([2, 2, 1])
    cid = c1.selectbox("Cohort", list(scope), format_func=scope.get, key="export_cohort")
    kind = c2.selectbox("What", list(KINDS), format_func=lambda k: KINDS[k][0], key="export_kind")
    fmt = c3.radio("Format", ["csv", "xlsx"], format_func={"csv": "CSV", "xlsx": "Excel"}.get, key="export_format")
    label, fetch, columns = KINDS[kind]
    rows = runtime.run(_head, fetch, actor, cid or None)
    if rows is None:
        return
    count = f"{len(rows)} row(s)" if len(rows) <= PREVIEW else f"More than {PREVIEW} row(s)"
    st.caption(f"{count}. Times are in UTC, to the second."
               + (" The percent columns are 0 to 100 (75.0 means 75%)." if any("percent" in c for c in columns)
                  else ""))
    if rows:
        # a static table, not st.dataframe: its toolbar offers its own 'Download as CSV' of only these rows,
        # next to the real download below
        shown = f"the first {PREVIEW} rows; the file has them all" if len(rows) > PREVIEW else "every row"
        st.markdown(f"**Preview** ({shown})")
        st.table(rows[:PREVIEW], hide_index=True, height=min(400, 40 + 36 * len(rows[:PREVIEW])))
    # The file comes from a route that checks the session and the role again (quiz/web/downloads.py), not
    # from Streamlit's /media/ store, which serves a file to anyone holding its address.
    url = html.escape(export_url(kind, fmt, cid or None))
    st.html(f'<a href="{url}" download style="{LINK_STYLE}">Download {kind} ({fmt.upper()})</a>')
