"""Streamlit entry point: `python -m quiz serve` (or `streamlit run app.py`)."""

from quiz.ui.app import main

main()
