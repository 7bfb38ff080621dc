from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation

from forum import services
from forum.middleware import recent_pages
from forum.models import Comment

from .factories import ArticleFactory, CommentFactory, ModeratorFactory, UserFactory


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with empty caches, as ids are reused between tests."""
    cache.clear()
    recent_pages.pages.clear()


@pytest.fixture
def reader(db):
    """A signed-up reader with no comments yet."""
    return UserFactory(username="reader", display_name="Rita Reader")


@pytest.fixture
def trusted_reader(db):
    """A reader who already has a published comment, so their next one is published."""
    user = UserFactory(username="trusted", display_name="Tom Trusted")
    CommentFactory(author=user)
    return user


@pytest.fixture
def moderator(db):
    return ModeratorFactory(username="mod", display_name="Mo Moderator")


@pytest.fixture
def article(db):
    return ArticleFactory(title="Harbour reopens after storm", slug="harbour-reopens")


@pytest.fixture
def open_thread(article):
    return article.thread


@pytest.fixture
def closed_thread(db, moderator):
    article = ArticleFactory(title="An old story", slug="an-old-story")
    return services.close_thread(article.thread, by=moderator, message="Archived after a year.")


@pytest.fixture
def published_comment(open_thread, trusted_reader):
    return CommentFactory(thread=open_thread, author=trusted_reader, body="The first word.")


@pytest.fixture
def pending_comment(open_thread):
    return CommentFactory(
        thread=open_thread,
        author=UserFactory(username="newcomer", display_name="Nina Newcomer"),
        body="Hello, first time here.",
        status=Comment.Status.PENDING,
        reason="first comment",
    )


@pytest.fixture
def own_comment(open_thread, trusted_reader):
    """The trusted reader's comment: young enough to edit, old enough for a new comment
    not to be a flood."""
    return CommentFactory(
        thread=open_thread,
        author=trusted_reader,
        body="My own words.",
        created_at=timezone.now() - timedelta(minutes=5),
    )


@pytest.fixture(autouse=True)
def english_between_tests():
    """A request in Spanish leaves Spanish active in the thread (LocaleMiddleware never
    switches back): each test starts, and leaves, in the site's own language."""
    yield
    translation.activate(settings.LANGUAGE_CODE)
