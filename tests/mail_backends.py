"""Mail backends for tests."""

from smtplib import SMTPServerDisconnected

from django.core.mail.backends.base import BaseEmailBackend


class DownMailBackend(BaseEmailBackend):
    """A mail server that is down: every send raises, as smtplib does when the server
    drops the connection. ``tries`` counts the sends, so a test can tell whether the
    server was called at all (empty it before use)."""

    tries: list[int] = []

    def send_messages(self, email_messages):
        DownMailBackend.tries.append(len(email_messages))
        raise SMTPServerDisconnected("Connection unexpectedly closed")
