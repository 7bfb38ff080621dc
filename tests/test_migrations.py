"""Data migrations, run on rows as an older version of the forum left them."""

import importlib

import pytest
from django.apps import apps

from forum import services
from forum.models import Comment

from .factories import CommentFactory

pytestmark = pytest.mark.django_db

STATUS_BEFORE_REMOVAL = importlib.import_module(
    "forum.migrations.0012_comment_status_before_removal"
)


def test_comments_taken_down_before_the_upgrade_learn_where_they_came_from(
    open_thread, moderator, pending_comment, published_comment
):
    services.remove(pending_comment, by=moderator)
    services.mark_spam(published_comment, by=moderator)
    # Marked spam by the rules as it was posted: nothing to go back to.
    spam = CommentFactory(thread=open_thread, status="spam", reason="disallowed word: casino")
    Comment.objects.update(status_before_removal="")  # as the forum stored them then

    STATUS_BEFORE_REMOVAL.fill(apps, None)

    services.restore(pending_comment, by=moderator)
    services.restore(published_comment, by=moderator)
    services.restore(spam, by=moderator)
    assert Comment.objects.get(pk=pending_comment.pk).status == Comment.Status.PENDING
    assert Comment.objects.get(pk=published_comment.pk).status == Comment.Status.PUBLISHED
    assert Comment.objects.get(pk=spam.pk).status == Comment.Status.PENDING
