"""How the project starts: settings from the environment, commands a developer runs."""

import contextlib
import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils.log import configure_logging

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, **env):
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_mode_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DJANGO_DEBUG="false")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_mode_refuses_the_development_key():
    result = run_manage(
        "check", DJANGO_DEBUG="false", DJANGO_SECRET_KEY="django-insecure-" + "x" * 60
    )

    assert result.returncode != 0
    assert "not a real secret" in result.stderr


def test_production_settings_pass_the_deployment_checklist():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="n7Qv-3kPz_w9Lx2RfT8yBcE4mHs6UaJd1oKiGqVZtXeN5bYpW0rS",
        DJANGO_ALLOWED_HOSTS="forum.example.org",
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_redis_url_gives_a_shared_cache_that_keeps_one_client():
    code = (
        "from django.core.cache import caches\n"
        "cache = caches['default']\n"
        "cache.set('project-test', {'read_only': True}, 30)\n"
        "print(type(cache).__name__, cache.get('project-test'))\n"
        "print(cache._cache.get_client() is cache._cache.get_client(write=True))\n"
        "cache.delete('project-test')\n"
    )

    result = run_manage("shell", "--no-imports", "-c", code, REDIS_URL="redis://127.0.0.1:6379/0")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == [
        "SharedClientRedisCache {'read_only': True}",
        "True",
    ]


@pytest.mark.parametrize("value", ["backstage/", "/backstage", "backstage"])
def test_admin_url_comes_from_the_environment(value):
    code = (
        "from django.test import Client\n"
        "from django.test.utils import setup_test_environment\n"
        "from django.urls import reverse\n"
        "setup_test_environment()\n"
        "print(reverse('admin:index'), reverse('admin:login'))\n"
        "print(Client().get('/backstage/').url, Client().get('/admin/').status_code)\n"
    )

    result = run_manage("shell", "--no-imports", "-c", code, DJANGO_ADMIN_URL=value)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == [
        "/backstage/ /backstage/login/",
        "/backstage/login/?next=/backstage/ 404",
    ]


def test_models_and_migrations_agree():
    result = run_manage("makemigrations", "--check", "--dry-run")

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_createsuperuser_noinput_from_the_environment(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "editor")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "editor@example.org")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long editor password")

    call_command("createsuperuser", interactive=False, verbosity=0)

    user = get_user_model().objects.get(username="editor")
    assert user.is_superuser
    assert user.check_password("a long editor password")


@pytest.mark.django_db
def test_makemoderator_gives_staff_and_the_moderators_group(reader):
    call_command("makemoderator", "reader", stdout=io.StringIO())

    reader = get_user_model().objects.get(pk=reader.pk)
    assert reader.is_staff
    assert reader.has_perm("forum.moderate_comment")
    assert reader.has_perm("forum.close_thread")
    assert not reader.is_superuser


@pytest.mark.django_db
def test_makemoderator_names_an_unknown_user():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No user is called 'nobody'"):
        call_command("makemoderator", "nobody")


def test_a_django_warning_is_printed_once(settings):
    """Django's own console handler prints only while debugging: that is when the
    warnings came out twice."""
    settings.DEBUG = True
    printed = io.StringIO()
    # The console handlers write to the stderr of the moment they are made.
    with contextlib.redirect_stderr(printed):
        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    try:
        logging.getLogger("django.request").warning("Not Found: /no-such-page/")
    finally:
        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)

    assert printed.getvalue().count("Not Found: /no-such-page/") == 1
