"""The Streamlit script that ``st.App`` in app.py runs on every rerun (kept outside quiz/ui/ so that Streamlit
does not mistake quiz/ui/pages/ for an old-style pages directory)."""

from quiz.ui.app import main

main()
