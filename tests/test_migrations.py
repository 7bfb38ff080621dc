"""Data migrations, run on rows as an older version of the forum left them."""

import importlib

import pytest
from django.apps import apps

from forum import services
from forum.models import Comment, Thread

from .factories import CommentFactory

pytestmark = pytest.mark.django_db

STATUS_BEFORE_REMOVAL = importlib.import_module(
    "forum.migrations.0015_comment_status_before_removal"
)
DEPTH_LIMIT = importlib.import_module("forum.migrations.0017_replies_stored_within_depth_limit")


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


def test_replies_stored_deeper_than_the_limit_move_beside_the_comment_at_it(client, open_thread):
    chain = []
    for level in range(1, 9):
        parent = chain[-1] if chain else None
        chain.append(CommentFactory(thread=open_thread, parent=parent, body=f"Level {level}"))
    other = CommentFactory(thread=open_thread, parent=chain[1], body="Not too deep")
    url = open_thread.article.get_absolute_url() + "?cpage=all"  # the whole thread
    page_before = client.get(url).content.decode()
    version = Thread.objects.get(pk=open_thread.pk).version

    DEPTH_LIMIT.attach_at_the_limit(apps, None)

    parents = dict(Comment.objects.values_list("pk", "parent_id"))
    assert [parents[comment.pk] for comment in chain[4:]] == [chain[3].pk] * 4
    assert parents[chain[3].pk] == chain[2].pk and parents[other.pk] == chain[1].pk
    thread = Thread.objects.get(pk=open_thread.pk)
    assert (thread.published_count, thread.root_count) == (9, 1)
    assert thread.version > version  # no cached page of the old shape is served
    page_after = client.get(url).content.decode()
    for comment in chain[4:]:  # shown at the limit before and after
        shown = f'<li id="comment-{comment.pk}" class="comment depth-5">'
        assert shown in page_before and shown in page_after
