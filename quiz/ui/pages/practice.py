"""Placeholder: this page is built by a later issue."""

import streamlit as st


def render() -> None:
    st.title("Coming soon")
    st.info("This page is not built yet; it arrives with a later issue.")
