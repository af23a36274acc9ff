"""Showing text that people typed (names, emails, cohort and exam names, question text, reasons, messages that
quote them) through Streamlit without it being read as markdown or HTML.

Streamlit renders the body of ``st.markdown``, ``st.caption``, ``st.write``, ``st.toast``, ``st.success`` and
friends, and the labels of buttons, expanders and tabs, as markdown: a name such as ``![t](http://host/x.png)``
would load an image and ``[Renew here](http://host/phish)`` would become a link, ``:red[...]`` colours text and
``$...$`` is typeset. :func:`plain` escapes every ASCII punctuation character with a backslash (CommonMark lets
any of them be escaped), so the text shows exactly as typed and no link, image, emphasis, heading, list, table,
colour, icon, emoji short code, formula, bare-URL or email autolink can form. HTML is never enabled in this app.

Every interpolation of user text into those calls goes through :func:`plain` (checked by
``tests/ui/test_markdown_safety.py``).
"""

from __future__ import annotations

import re
import string

_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85]")


def plain(value: object) -> str:
    """``value`` as text that markdown shows literally (None shows as nothing)."""
    text = "" if value is None else str(value)
    return _PUNCTUATION.sub(r"\\\1", _LINE_BREAKS.sub("\n", text))

