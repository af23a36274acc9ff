"""Verify a certificate: anyone (no login needed) checks a code printed on a certificate, typed or opened from
its link or QR code (``/verify?code=...``). Rate-limited per client; names are shown as plain text."""

from __future__ import annotations

import ipaddress

import streamlit as st

from quiz.services import certificates, rate_limit
from quiz.ui import runtime
from quiz.ui.text import plain

ICONS = {certificates.VALID: ":material/verified:", certificates.EXPIRED: ":material/event_busy:",
         certificates.REVOKED: ":material/gpp_bad:", certificates.SUPERSEDED: ":material/update:"}


def client_key() -> str:
    """Who is asking, for the rate limit: the client's address; behind a local reverse proxy, the address
    the proxy added last to X-Forwarded-For (a client cannot forge that one)."""
    ip = st.context.ip_address
    ip = ip if isinstance(ip, str) else None
    try:
        behind_proxy = ip is None or ipaddress.ip_address(ip).is_private or ipaddress.ip_address(ip).is_loopback
    except ValueError:
        behind_proxy = False
    forwarded = (st.context.headers.get("X-Forwarded-For") or "").split(",")
    if behind_proxy and forwarded[-1].strip():
        return forwarded[-1].strip()
    return ip or "local"


def _fact(label: str, value: str) -> None:
    c1, c2 = st.columns([1, 3])
    c1.write(f"**{label}**")
    c2.text(value)  # plain text: a name is never markdown


def render() -> None:
    st.title("Verify a certificate")
    st.write("Enter the code printed on a certificate to check that it is genuine and still valid.")
    linked = st.query_params.get("code", "")  # the link or QR code on a certificate: .../verify?code=MC-...
    with st.form("verify"):
        code = st.text_input("Certificate code", value=linked, placeholder="MC-7KQ2-M9XR-4T8P-2HVD",
                             key="verify_code", max_chars=64)
        go = st.form_submit_button("Check", type="primary")
    if not go and not linked:
        return
    code = code or linked
    if not rate_limit.verify_limiter.allow(client_key()):
        st.error(f"Too many checks from your address: at most {rate_limit.VERIFY_LIMIT} in "
                 f"{rate_limit.VERIFY_WINDOW // 60} minutes. "
                 "Please try again later.", icon=":material/hourglass_top:")
        return
    result = runtime.run(certificates.verify, code)
    if result is None:
        return
    if result.certificate is None:
        st.error(plain(result.message), icon=":material/search_off:")
        return
    show = st.success if result.valid else st.error if result.state == certificates.REVOKED else st.warning
    show(result.message, icon=ICONS.get(result.state))
    c = result.certificate
    with st.container(border=True):
        _fact("Holder", c.holder)
        _fact("Exam", c.exam)
        _fact("Issued", f"{c.issued_at.day} {c.issued_at:%B %Y}")
        _fact("Valid until", f"{c.expires_at.day} {c.expires_at:%B %Y}" if c.expires_at else "Does not expire")
        _fact("Issued by", c.academy)
