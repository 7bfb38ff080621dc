"""Log-in lockouts (django-axes) on the site and in the admin, and the sign-up limit per
address. The test client comes from 127.0.0.1; other addresses are set with REMOTE_ADDR."""

import io
import os
import socket
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import F
from django.http import HttpRequest
from django.urls import reverse

from forum.models import ModerationEvent

from .factories import UserFactory
from .test_flood_across_processes import database_url

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
LOGIN = reverse("login")
ADMIN_LOGIN = reverse("admin:login")
SIGNUP = reverse("forum:signup")
PASSWORD = "correct horse battery staple"
LOCKED_OUT = "log-ins for this account or from your address are paused for 15 minutes"


def log_in(client, username, password=PASSWORD, *, url=LOGIN, address="127.0.0.1", **headers):
    return client.post(
        url, {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )


def fail_to_log_in(client, username, times, **kwargs):
    for _ in range(times):
        response = log_in(client, username, "not my password", **kwargs)
    return response


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# Log-in lockouts


def test_fifth_failed_log_in_locks_the_account_out_with_a_page_saying_so(client, reader):
    assert fail_to_log_in(client, "reader", 4).status_code == 200

    response = fail_to_log_in(client, "reader", 1)

    html = response.content.decode()
    assert response.status_code == 429
    assert '<h1 class="h3 mb-3">Too many failed log-ins</h1>' in html
    assert LOCKED_OUT in html
    assert 'class="site-title' in html  # the site's own page, header and all


def test_locked_out_account_is_refused_even_its_password_from_another_address(client, reader):
    fail_to_log_in(client, "reader", 5)

    response = log_in(client, "reader", address="203.0.113.9")

    assert response.status_code == 429
    assert not is_logged_in(client)


def test_address_that_failed_too_often_is_locked_out_for_every_account(client, reader):
    for number in range(5):
        fail_to_log_in(client, f"guess{number}", 1, address="198.51.100.7")

    response = log_in(client, "reader", address="198.51.100.7")

    assert response.status_code == 429
    assert not is_logged_in(client)


def test_other_accounts_from_other_addresses_still_log_in(client, reader):
    UserFactory(username="other")
    fail_to_log_in(client, "reader", 5)

    response = log_in(client, "other", address="203.0.113.9")

    assert response.status_code == 302
    assert is_logged_in(client)


def test_lockout_ends_after_the_cool_off_time(client, reader):
    fail_to_log_in(client, "reader", 5)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=16))

    response = log_in(client, "reader")

    assert response.status_code == 302
    assert is_logged_in(client)


def test_admin_log_in_is_locked_out_too(client, moderator):
    fail_to_log_in(client, moderator.username, 5, url=ADMIN_LOGIN)

    response = log_in(client, moderator.username, url=ADMIN_LOGIN)

    assert response.status_code == 429
    assert LOCKED_OUT in response.content.decode()
    assert not is_logged_in(client)


def test_failures_on_the_site_and_in_the_admin_add_up(client, moderator):
    fail_to_log_in(client, moderator.username, 3, url=ADMIN_LOGIN)
    fail_to_log_in(client, moderator.username, 2, address="203.0.113.9")

    assert log_in(client, moderator.username, url=ADMIN_LOGIN).status_code == 429


def test_behind_a_proxy_the_address_it_forwards_is_the_one_counted(client, reader, settings):
    settings.FORUM_PROXY_COUNT = 1
    UserFactory(username="other")
    proxy = {"address": "10.0.0.1"}
    for number in range(5):
        log_in(client, f"guess{number}", "x", HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)

    honest = log_in(client, "other", HTTP_X_FORWARDED_FOR="198.51.100.20", **proxy)
    # What a client writes in front of the proxy's entry is not believed.
    spoofed = log_in(client, "reader", HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.5", **proxy)

    assert honest.status_code == 302
    assert spoofed.status_code == 429


@pytest.mark.parametrize("url", [LOGIN, ADMIN_LOGIN])
def test_a_username_longer_than_any_account_is_counted_like_any_other(client, url):
    # Django's log-in forms let it through; PostgreSQL would refuse to store it whole.
    first = log_in(client, "x" * 300, url=url)
    fail_to_log_in(client, "x" * 300, 4, url=url)

    assert first.status_code == 200
    assert "correct username and password" in first.content.decode()
    assert log_in(client, "x" * 150, url=url).status_code == 429


def test_a_forwarded_entry_that_is_no_address_is_not_believed(client, reader, settings):
    settings.FORUM_PROXY_COUNT = 1
    proxy = {"address": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "<script>"}

    response = fail_to_log_in(client, "reader", 1, **proxy)

    assert response.status_code == 200
    assert AccessAttempt.objects.get().ip_address == "10.0.0.1"


def test_moderator_sees_the_lockout_in_the_admin_and_lifts_it(client, reader, moderator):
    fail_to_log_in(client, "reader", 5)
    client.force_login(moderator)

    index = client.get(reverse("admin:index")).content.decode()
    attempts = client.get(reverse("admin:axes_accessattempt_changelist"))
    attempt = AccessAttempt.objects.get(username="reader")
    deleted = client.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )
    client.logout()

    assert not moderator.is_superuser
    assert "1</strong> username, <strong>1</strong> address" in index
    assert attempts.status_code == 200
    assert "reader" in attempts.content.decode()
    assert deleted.status_code == 302
    assert log_in(client, "reader").status_code == 302
    # The lift is in the audit log, as every moderator action is.
    [event] = ModerationEvent.objects.filter(action="lift lockout")
    assert (event.actor, event.user, event.reason) == (moderator, reader, "reader from 127.0.0.1")


def test_lifting_several_lockouts_at_once_logs_each(client, reader, moderator):
    fail_to_log_in(client, "reader", 5)
    fail_to_log_in(client, "nobody-by-this-name", 5)
    client.force_login(moderator)

    response = client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": list(AccessAttempt.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert not AccessAttempt.objects.exists()
    lifted = ModerationEvent.objects.filter(action="lift lockout", actor=moderator)
    assert sorted(event.reason for event in lifted) == [
        "nobody-by-this-name from 127.0.0.1",
        "reader from 127.0.0.1",
    ]
    assert {event.user for event in lifted} == {reader, None}


def test_admin_index_says_when_nobody_is_locked_out(client, moderator):
    client.force_login(moderator)

    assert "No log-ins are locked out." in client.get(reverse("admin:index")).content.decode()


def test_axes_reset_command_lifts_every_lockout(client, reader):
    fail_to_log_in(client, "reader", 5)

    call_command("axes_reset", stdout=io.StringIO())

    assert log_in(client, "reader").status_code == 302


def test_test_client_login_works_when_given_a_request(client, reader):
    # axes needs a request to authenticate; its documentation's way in tests.
    assert client.login(request=HttpRequest(), username="reader", password=PASSWORD)


# Sign-ups from one address


def sign_up(client, username, *, address="198.51.100.3"):
    response = client.post(
        SIGNUP,
        {
            "username": username,
            "email": f"{username}@example.org",
            "password1": "a quiet harbour at dawn",
            "password2": "a quiet harbour at dawn",
        },
        REMOTE_ADDR=address,
    )
    client.logout()  # a signed-in reader is sent away from the sign-up page
    return response


@pytest.fixture
def two_sign_ups_an_hour(settings):
    settings.FORUM_SIGNUPS_PER_HOUR = 2


def test_sign_up_over_the_limit_from_one_address_is_refused(client, two_sign_ups_an_hour):
    assert sign_up(client, "first").status_code == 302
    assert sign_up(client, "second").status_code == 302

    response = sign_up(client, "third")

    assert response.status_code == 429
    assert "Too many accounts were made from your address" in response.content.decode()
    assert not get_user_model().objects.filter(username="third").exists()


def test_sign_up_page_says_so_before_the_form_is_filled_in(client, two_sign_ups_an_hour):
    sign_up(client, "first")
    sign_up(client, "second")

    response = client.get(SIGNUP, REMOTE_ADDR="198.51.100.3")

    assert response.status_code == 429
    assert "Too many accounts were made from your address" in response.content.decode()
    assert 'name="password1"' not in response.content.decode()


def test_sign_ups_from_another_address_are_not_refused(client, two_sign_ups_an_hour):
    sign_up(client, "first")
    sign_up(client, "second")

    assert sign_up(client, "third", address="203.0.113.9").status_code == 302


def test_sign_up_forms_with_errors_are_not_counted(client, two_sign_ups_an_hour):
    for _ in range(3):
        client.post(SIGNUP, {"username": "first"}, REMOTE_ADDR="198.51.100.3")

    assert sign_up(client, "first").status_code == 302


def redis_is_running() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


SIGN_UP_ONCE = """
import sys, django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
response = Client().post(
    "/accounts/signup/",
    {"username": sys.argv[1], "email": sys.argv[1] + "@example.org",
     "password1": "a quiet harbour at dawn", "password2": "a quiet harbour at dawn"},
    REMOTE_ADDR=sys.argv[2],
)
print(response.status_code)
"""


@pytest.mark.skipif(not redis_is_running(), reason="needs Redis on 127.0.0.1:6379")
@pytest.mark.django_db(transaction=True)
def test_sign_up_limit_holds_across_processes_through_redis():
    # An address of its own, so that the count (kept an hour in Redis) is this test's.
    address = f"2001:db8::{uuid.uuid4().hex[:4]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "FORUM_SIGNUPS_PER_HOUR": "1",
    }

    def sign_up_in_another_process(username: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", SIGN_UP_ONCE, username, address],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert sign_up_in_another_process("first") == "302"
    assert sign_up_in_another_process("second") == "429"
    assert list(get_user_model().objects.values_list("username", flat=True)) == ["first"]
