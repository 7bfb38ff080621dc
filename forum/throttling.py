"""Limits on what one address may do in a while, kept where every worker process sees them.

Log-in lockouts are django-axes' (the ``AXES_*`` settings), kept in the database. Sign-ups
from one address are counted here, in Django's cache: Redis when ``REDIS_URL`` is set, as in
production, shared by all workers; local memory for ``make run`` and the tests, which serve
from one process.
"""

import contextlib
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_noop

SIGNUP_WINDOW_SECONDS = 3600
SIGNUPS_REFUSED = gettext_noop(
    "Too many accounts were made from your address in the last hour. Please try again later."
)


def client_address(request: HttpRequest) -> str:
    """The reader's address: ``REMOTE_ADDR``, or behind ``FORUM_PROXY_COUNT`` proxies the
    entry of ``X-Forwarded-For`` that the outermost one wrote. Entries further left come
    from the client and could be anything, so they are never read; nor is an entry that is
    no address (PostgreSQL would refuse to store it)."""
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.FORUM_PROXY_COUNT
    if proxies:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if len(forwarded) >= proxies:
            with contextlib.suppress(ValueError):
                address = str(ipaddress.ip_address(forwarded[-proxies].strip()))
    return address


def attempted_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The username a log-in tried, as django-axes counts and stores it
    (``AXES_USERNAME_CALLABLE``). Django's log-in forms do not refuse a name longer than
    any account's, so it is cut to that length: still counted, and never too long for the
    database's column."""
    field = get_user_model().USERNAME_FIELD
    username = (credentials or request.POST).get(field)
    if not isinstance(username, str):
        return username
    return username[: get_user_model()._meta.get_field(field).max_length]


def _signup_key(address: str) -> str:
    return f"forum:signups:{address}"


def signups_allowed(address: str) -> bool:
    """Whether ``address`` has sign-ups left this hour."""
    return cache.get(_signup_key(address), 0) < settings.FORUM_SIGNUPS_PER_HOUR


def count_signup(address: str) -> bool:
    """Count a sign-up from ``address``; False when it is one too many.

    The count goes up and is read in one step of the cache, so two workers signing up at
    the same moment cannot both take the last place. The hour starts at the first
    sign-up: ``add`` leaves a running count and its expiry alone.
    """
    key = _signup_key(address)
    cache.add(key, 0, timeout=SIGNUP_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # the hour ran out between the two calls
        cache.add(key, 1, timeout=SIGNUP_WINDOW_SECONDS)
        count = 1
    return count <= settings.FORUM_SIGNUPS_PER_HOUR


@dataclass
class LockedOut:
    usernames: int
    addresses: int


def locked_out() -> LockedOut:
    """How many usernames and addresses django-axes refuses log-ins for now: those whose
    failures within the cool-off time add up to the limit, as axes counts them."""
    from axes.models import AccessAttempt

    recent = AccessAttempt.objects.filter(
        attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME
    )

    def over_limit(field: str) -> int:
        totals = recent.exclude(**{f"{field}__isnull": True}).values(field)
        totals = totals.annotate(failures=Sum("failures_since_start"))
        return totals.filter(failures__gte=settings.AXES_FAILURE_LIMIT).count()

    return LockedOut(usernames=over_limit("username"), addresses=over_limit("ip_address"))
