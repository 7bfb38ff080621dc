"""Addresses outside a request: in mails, feeds, the API and data downloads."""

from django.conf import settings


def absolute(path: str) -> str:
    """``path`` on the forum's public address (``FORUM_SITE_URL``): the same link whatever
    host a request came in on, so that a cached feed or answer suits every one."""
    return settings.FORUM_SITE_URL + path
