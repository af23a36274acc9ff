"""Certificates, for trainers: every certificate of their cohorts (an administrator: all), those expiring
within N days, one certificate's PDF, revocation with a reason; for administrators, the academy name and the
signatory printed on new certificates. User text goes only to tables and plain-text elements."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from quiz.services import certificates, cohorts, site_settings
from quiz.ui import runtime
from quiz.ui.pages.cohorts import require_trainer

PAGE = "certificates"
STATE_LABELS = {certificates.VALID: "valid", certificates.EXPIRED: "expired", certificates.REVOKED: "revoked",
                certificates.SUPERSEDED: "superseded"}


def _day(value: datetime | None, never: str = "never") -> str:
    return f"{value:%Y-%m-%d}" if value else never


def _rows(certs: list[certificates.CertificateView]) -> list[dict[str, str]]:
    return [{"Code": c.code, "Holder": c.holder, "Email": c.email, "Exam": c.exam,
             "State": STATE_LABELS.get(c.state, c.state), "Score": f"{c.score_percent:.0%}",
             "Issued": _day(c.issued_at), "Expires": _day(c.expires_at),
             "Revoked": _day(c.revoked_at, "") if c.revoked_at else "", "Reason": c.revoke_reason or ""}
            for c in certs]


def render() -> None:
    actor = require_trainer()
    st.title("Certificates")
    runtime.show_flash(PAGE)
    sections = {"issued": "Issued", "expiring": "Expiring soon", **({"academy": "Academy"} if actor.is_admin else {})}
    # a remembered choice rather than st.tabs, which jump back to the first tab after every action
    section = st.radio("Section", list(sections), format_func=sections.get, horizontal=True, key="cert_section",
                       label_visibility="collapsed") or "issued"
    {"issued": _issued, "expiring": _expiring, "academy": _academy}[section](actor)


def _issued(actor) -> None:  # noqa: ANN001
    options = runtime.run(cohorts.list_cohorts, actor) or []
    scope = {0: "All my cohorts" if not actor.is_admin else "Everyone", **{c.id: c.name for c in options}}
    cid = st.selectbox("Cohort", list(scope), format_func=scope.get, key="cert_cohort")
    certs = runtime.run(certificates.list_certificates, actor, cohort_id=cid or None)
    if certs is None:
        return
    if not certs:
        st.info("No certificates yet: a trainee who passes an exam gets one.")
        return
    st.caption(f"{len(certs)} certificate(s), newest first. Dates are in UTC.")
    st.dataframe(_rows(certs), hide_index=True, width="stretch")
    by_code = {c.code: c for c in certs}
    code = st.selectbox("Certificate", list(by_code), key="cert_pick",
                        format_func=lambda k: f"{k} · {by_code[k].holder} · {by_code[k].exam}")
    chosen = by_code[code]
    st.link_button("Download the PDF", chosen.download_path, icon=":material/picture_as_pdf:")
    if chosen.state == certificates.REVOKED:
        st.caption(f"Revoked on {chosen.revoked_at:%d %b %Y}. Reason:")
        st.text(chosen.revoke_reason or "")
        return
    with st.form("revoke_form", clear_on_submit=True):
        st.write("**Revoke this certificate**: the verify page will say it was revoked, and its holder sees it. "
                 "It cannot be undone; the reason is kept in the audit trail.")
        reason = st.text_area("Reason", max_chars=certificates.MAX_REASON, key="revoke_reason",
                              placeholder="e.g. the exam was sat by someone else")
        sure = st.checkbox("I am sure", key="revoke_sure")
        go = st.form_submit_button("Revoke", type="primary", icon=":material/block:")
    if go:
        if not sure:
            st.error("Tick \"I am sure\" to revoke the certificate.")
            return
        done = runtime.run(certificates.revoke, actor, code, reason)
        if done is not None:
            runtime.flash_and_rerun(PAGE, f"Certificate {done.code} revoked.")


def _expiring(actor) -> None:  # noqa: ANN001
    days = st.number_input("Expiring within (days)", min_value=1, max_value=3650, value=60, step=1,
                           key="cert_expiring_days")
    certs = runtime.run(certificates.list_certificates, actor, expiring_within_days=int(days))
    if certs is None:
        return
    if not certs:
        st.info(f"No valid certificate expires within {int(days)} days.")
        return
    st.caption(f"{len(certs)} certificate(s) expire within {int(days)} days, soonest first: their holders see "
               "a reminder on Home to sit the exam again.")
    st.dataframe(_rows(certs), hide_index=True, width="stretch")


def _academy(actor) -> None:  # noqa: ANN001
    current = runtime.run(site_settings.academy)
    if current is None:
        return
    st.write("Printed on every certificate issued from now on (those already issued keep theirs).")
    with st.form("academy_form"):
        name = st.text_input("Academy name", value=current.name, max_chars=site_settings.MAX_LENGTH,
                             key="academy_name")
        signatory = st.text_input("Signatory (name and title)", value=current.signatory or "",
                                  max_chars=site_settings.MAX_LENGTH, key="academy_signatory",
                                  placeholder="e.g. Dr Rita Sousa, Director of Training")
        go = st.form_submit_button("Save", type="primary")
    if go:
        saved = runtime.run(site_settings.update_academy, actor, name=name, signatory=signatory)
        if saved is not None:
            runtime.flash_and_rerun(PAGE, "Academy details saved.")
