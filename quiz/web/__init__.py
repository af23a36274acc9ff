"""The HTTP side of the app (Starlette routes and middleware mounted by ``st.App`` in ``app.py``): the login
hand-off that sets the session cookie, logout, downloads that check the session, and security headers."""
