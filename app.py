"""The app: ``streamlit run app.py`` (what ``python -m quiz serve`` runs) or ``uvicorn app:app``.

Streamlit runs the pages (quiz/ui_main.py); the HTTP routes beside them (login hand-off, logout, downloads) and
the security headers come from quiz/web.
"""

import streamlit as st

from quiz.web.app import middleware, routes

app = st.App("quiz/ui_main.py", routes=routes(), middleware=middleware())
