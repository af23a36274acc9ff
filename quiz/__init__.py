"""Mesotherapy training and certification platform.

Layers (one-way): question files -> ``quiz.domain.bank`` models -> ``quiz.adapters`` (database, file formats)
-> ``quiz.services`` (use cases, permission checks) -> ``quiz.ui`` (Streamlit pages, the only layer that
imports streamlit).
"""

__version__ = "0.1.0"
