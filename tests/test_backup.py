"""The README's backup and restore recipes, run at small size: a dump restored into an
empty database gives the same pages, the same moderation queue and the same audit log.

Every step runs ``manage.py`` in its own process, as a person following the README would,
and the pages are drawn there too, from the database it was given.
"""

import json
import re
import shutil
import subprocess
import sys
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.serializers.base import DeserializationError
from django.db import connection
from django.utils import timezone

from forum import services
from forum.models import Comment, ModerationWord, ReasonCode, Report

from .factories import ArticleFactory, CommentFactory, ModeratorFactory, UserFactory
from .test_flood_across_processes import database_url
from .test_project import run_manage

# The README's command, word for word but for where the dump goes.
DUMP_GROUPS = ["dumpdata", "auth.group", "--natural-foreign", "--natural-primary"]
DUMPDATA = [
    "dumpdata",
    "--natural-foreign",
    "--exclude=contenttypes",
    "--exclude=auth.permission",
    "--exclude=auth.group",
    "--exclude=sessions",
]

# Who the pages are drawn for: a visitor, a reader with a comment waiting, a suspended
# reader, and a moderator (who also gets the admin's queue, reports and audit log).
DRAW_PAGES = """
import json, re
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from articles.models import Article
from forum.models import Comment

def page(client, url):
    response = client.get(url)
    html = response.content.decode()
    # Tokens drawn afresh for every response.
    html = re.sub(r'(csrfmiddlewaretoken" value=|nonce=)"[^"]*"', r"\\1", html)
    return f"{response.status_code} {response.get('Location', '')}\\n{html}"

pages = {}
for name in ["", "nina", "tom", "mod"]:
    client = Client(SERVER_NAME="127.0.0.1")
    if name:
        client.force_login(get_user_model().objects.get(username=name))
    for article in Article.objects.order_by("slug"):
        pages[f"{name} {article.slug}"] = page(client, article.get_absolute_url())
for comment in Comment.objects.order_by("pk"):
    pages[f"permalink {comment.pk}"] = page(client, comment.get_absolute_url())
for view in ["index", "forum_comment_changelist", "forum_report_changelist",
             "forum_moderationevent_changelist", "forum_user_changelist"]:
    pages[f"admin {view}"] = page(client, reverse(f"admin:{view}"))
counts = {
    model._meta.label: model._default_manager.count()
    for model in apps.get_models()
    if model is not Session  # drawing the pages signs people in
}
print(json.dumps({"pages": pages, "counts": counts}))
"""

POST_AFTER_RESTORE = """
from django.contrib.auth import get_user_model
from forum import services
from forum.models import Comment, Thread
thread = Thread.objects.get(article__slug="harbour-reopens")
comment = services.post_comment(
    thread=thread, author=get_user_model().objects.get(username="rita"), body="Still open?"
)
print(comment.status, comment.pk > max(c.pk for c in Comment.objects.exclude(pk=comment.pk)))
"""


def manage(*args, database: str) -> str:
    # Each process draws its pages afresh: no cached copy stands in for the database.
    result = run_manage(*args, DATABASE_URL=database, FORUM_SECTION_CACHE_SECONDS="0")
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def what_users_see(database: str) -> dict:
    seen = json.loads(manage("shell", "--no-imports", "-c", DRAW_PAGES, database=database))
    # Django's JSON keeps times to the millisecond; the microseconds after that are the
    # one thing a dumpdata backup does not bring back (they show only in datetime="").
    seen["pages"] = {
        key: re.sub(r"\.(\d{3})\d{3}", to_milliseconds, html) for key, html in seen["pages"].items()
    }
    return seen


def to_milliseconds(fraction: re.Match) -> str:
    # A time with no milliseconds comes back with no fraction at all.
    return "" if fraction[1] == "000" else f".{fraction[1]}"


@contextmanager
def empty_database(tmp_path):
    """A new empty database of the kind the tests run on, dropped afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"{connection.settings_dict['NAME']}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url().rsplit("/", 1)[0] + f"/{name}"
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def small_forum(transactional_db):
    """The seed story (closed), an open thread three replies deep, a comment waiting, a
    report, a suspended reader, a closed thread, and the audit rows all that leaves."""
    call_command("loadseed", verbosity=0)
    # A site whose Moderators group was made again at some point: not the id that
    # `migrate` gives the group in the empty database.
    Group.objects.filter(name="Moderators").delete()
    moderator = ModeratorFactory(username="mod", display_name="Mo Moderator")
    thread = ArticleFactory(title="Harbour reopens after storm", slug="harbour-reopens").thread
    rita = UserFactory(username="rita", display_name="Rita Reader")
    tom = UserFactory(username="tom", display_name="Tom Trawler")
    nina = UserFactory(username="nina", display_name="Nina Newcomer")

    top = CommentFactory(thread=thread, author=rita, body="The harbour is *finally* open.")
    reply = CommentFactory(thread=thread, author=tom, parent=top, body="Not for big ships.")
    CommentFactory(thread=thread, author=rita, parent=reply, body="They wait for the dredger.")
    CommentFactory(
        thread=thread,
        author=nina,
        body="Hello, first time here.",
        status=Comment.Status.PENDING,
        reason_code=ReasonCode.FIRST_COMMENT,
        reason="first comment",
    )
    services.report_comment(reply, reporter=rita, reason=Report.Reason.OFF_TOPIC)
    services.remove(CommentFactory(thread=thread, author=tom, body="SHOUTING"), by=moderator)
    services.suspend(tom, by=moderator, until=timezone.now() + timedelta(days=7), note="Shouts.")
    services.follow_thread(thread, user=rita)

    old = ArticleFactory(title="An old story", slug="an-old-story").thread
    CommentFactory(thread=old, author=rita, body="I remember this.")
    services.close_thread(old, by=moderator, message="Archived after a year.")

    # A permission of the forum's own given to one user, a held word, an admin history.
    editor = UserFactory(username="eddie")
    editor.user_permissions.add(Permission.objects.get(codename="close_thread"))
    ModerationWord.objects.create(phrase="casino", kind=ModerationWord.Kind.HOLD)
    LogEntry.objects.log_actions(
        user_id=moderator.pk,
        queryset=[thread.article],
        action_flag=CHANGE,
        change_message="Fixed a typo in the title.",
    )


def test_dumpdata_loaded_into_an_empty_database_gives_the_same_pages(small_forum, tmp_path):
    source = database_url()
    groups, dump = tmp_path / "groups.json", tmp_path / "forum.json"
    manage(*DUMP_GROUPS, f"--output={groups}", database=source)
    manage(*DUMPDATA, f"--output={dump}", database=source)
    before = what_users_see(source)

    with empty_database(tmp_path) as target:
        manage("migrate", "--noinput", database=target)
        loaded = manage("loaddata", str(groups), str(dump), database=target)
        after = what_users_see(target)
        posted = manage("shell", "--no-imports", "-c", POST_AFTER_RESTORE, database=target)

    assert "Installed" in loaded
    assert "Subject:" not in loaded  # the console mail backend: no mail went out
    assert after["counts"] == before["counts"]
    assert after["pages"].keys() == before["pages"].keys()
    for key, html in before["pages"].items():
        assert after["pages"][key] == html, key
    assert posted.split() == ["published", "True"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="a file copy is for SQLite")
def test_sqlite_backup_copy_gives_the_same_pages(small_forum, tmp_path):
    copy = tmp_path / "backup.sqlite3"
    source = connection.settings_dict["NAME"]
    backup = f"import sqlite3; sqlite3.connect({source!r}).backup(sqlite3.connect({str(copy)!r}))"
    subprocess.run([sys.executable, "-c", backup], check=True)

    assert what_users_see(f"sqlite:///{copy}") == what_users_see(database_url())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump is for PostgreSQL")
def test_pg_dump_restored_into_an_empty_database_gives_the_same_pages(small_forum, tmp_path):
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump and pg_restore are not installed")
    source = database_url()
    dump = tmp_path / "forum.dump"
    with dump.open("wb") as out:
        subprocess.run(["pg_dump", "--format=custom", "--no-owner", source], stdout=out, check=True)
    before = what_users_see(source)

    with empty_database(tmp_path) as target:
        pg_restore = ["pg_restore", "--no-owner", "-d", target, str(dump)]
        subprocess.run(pg_restore, check=True)
        migrated = manage("migrate", "--noinput", database=target)
        after_restore = what_users_see(target)
        # A comment written after the restore, then the restore again over it.
        posted = manage("shell", "--no-imports", "-c", POST_AFTER_RESTORE, database=target)
        subprocess.run([*pg_restore[:2], "--clean", "--if-exists", *pg_restore[2:]], check=True)
        after_second_restore = what_users_see(target)

    assert "No migrations to apply." in migrated
    assert posted.split() == ["published", "True"]
    for after in (after_restore, after_second_restore):
        assert after["counts"] == before["counts"]
        assert after["pages"] == before["pages"]


@pytest.mark.django_db
def test_a_dump_that_dropped_the_comment_ids_is_refused_with_a_clear_message(tmp_path, reader):
    CommentFactory(author=reader, body="Written here, so known only by its id.")
    dump = tmp_path / "comments.json"
    call_command(
        "dumpdata", "forum.comment", natural_foreign=True, natural_primary=True, output=str(dump)
    )
    Comment.objects.all().delete()

    with pytest.raises(DeserializationError, match="dump without --natural-primary"):
        call_command("loaddata", str(dump), verbosity=0)

    assert not Comment.objects.exists()
