"""The flood rule lives in the database, so it holds across worker processes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from .factories import ArticleFactory, CommentFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent

POST_ONE_COMMENT = """
import sys, django
django.setup()
from django.contrib.auth import get_user_model
from forum import moderation, services
from forum.models import Thread
author = get_user_model().objects.get(pk=int(sys.argv[1]))
thread = Thread.objects.get(pk=int(sys.argv[2]))
try:
    comment = services.post_comment(thread=thread, author=author, body=sys.argv[3])
except moderation.CommentRefused as refusal:
    print(f"refused {refusal.status_code}: {refusal.message}")
else:
    print(f"stored {comment.status}")
"""


def database_url() -> str:
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    return (
        f"postgres://{database['USER']}{password}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )


def post_from_another_process(author, thread, body: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", POST_ONE_COMMENT, str(author.pk), str(thread.pk), body],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": database_url(),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.django_db(transaction=True)
def test_second_comment_from_another_process_within_15_seconds_is_refused():
    author = UserFactory()
    CommentFactory(author=author)  # an earlier published comment: trusted
    thread = ArticleFactory().thread

    first = post_from_another_process(author, thread, "From worker one")
    second = post_from_another_process(author, thread, "From worker two")

    assert first == "stored published"
    assert second == "refused 429: You are posting comments too quickly. Slow down."
