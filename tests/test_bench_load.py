"""The load benchmark's moderator approves a comment that the first page then shows: with
the reply budget, not every pending reply on the first page's threads would be."""

import pytest

from bench.generate import generate
from bench.load import choose_comment_to_approve
from forum import services
from forum.models import Comment

pytestmark = pytest.mark.django_db


def test_the_comment_chosen_to_approve_shows_on_the_first_page_once_approved(client, moderator):
    generated = generate(1_000, pending=50, slug="hot-story", authors=20)
    url = generated.article.get_absolute_url()
    comment_id = choose_comment_to_approve(generated.thread)
    assert f'id="comment-{comment_id}"' not in client.get(url).content.decode()

    services.approve(Comment.objects.get(pk=comment_id), by=moderator)

    assert f'id="comment-{comment_id}"' in client.get(url).content.decode()
