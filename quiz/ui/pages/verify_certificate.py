"""Verify a certificate: anyone (no login needed) can check a code printed on a certificate."""

from __future__ import annotations

import streamlit as st

from quiz.services import certificates
from quiz.ui import runtime


def render() -> None:
    st.title("Verify a certificate")
    st.write("Enter the code printed on a MesoCert certificate to check that it is genuine.")
    linked = st.query_params.get("code", "")  # a link printed on the certificate: .../verify?code=MC-...
    with st.form("verify"):
        code = st.text_input("Certificate code", value=linked, placeholder="MC-000042-7F3A9C21B0",
                             key="verify_code")
        go = st.form_submit_button("Check", type="primary")
    if not go and not linked:
        return
    code = code or linked
    secret = runtime.get_platform().settings.secret_key
    result = runtime.run(certificates.verify, code, secret_key=secret)
    if result is None:
        return
    if result.valid and result.certificate is not None:
        c = result.certificate
        st.success(f"**{result.message}**", icon=":material/verified:")
        st.markdown(f"- Awarded to: **{c.holder}**\n- Exam: **{c.exam}**\n- Score: {c.score_percent:.0%}\n"
                    f"- Issued: {c.issued_at:%d %B %Y}")
    else:
        st.error(result.message, icon=":material/gpp_bad:")
