"""Django's database sessions, trusting only keys Django could have made.

A session cookie is the browser's to send, and can carry anything: ``"\\000..."`` in
quotes comes out of the cookie parser as NUL characters, and PostgreSQL refuses to
compare text with a NUL in it. A key of other characters than Django's own is no
session at all, as an unknown key is, rather than a 500 on every page.
"""

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS


class SessionStore(db.SessionStore):
    def _validate_session_key(self, key):
        return super()._validate_session_key(key) and set(key) <= set(VALID_KEY_CHARS)
