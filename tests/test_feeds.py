"""The comment feeds: what they show, what they never show, and what they cost."""

import xml.etree.ElementTree as ET
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from forum import services
from forum.models import Comment

from .factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"


def article_feed_url(article) -> str:
    return reverse("forum:article-comments-feed", args=[article.slug])


def site_feed_url() -> str:
    return reverse("forum:comments-feed")


def items_of(client, url) -> list[ET.Element]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    return ET.fromstring(response.content).find("channel").findall("item")


def titles_of(client, url) -> list[str]:
    return [item.findtext("title") for item in items_of(client, url)]


def test_article_feed_shows_each_comment_with_name_link_body_and_time(
    client, article, published_comment
):
    (item,) = items_of(client, article_feed_url(article))

    assert item.findtext("title") == "Comment by Tom Trusted on Harbour reopens after storm"
    assert item.findtext("link") == f"{SITE}/c/{published_comment.pk}/"
    assert item.findtext("description") == "<p>The first word.</p>"
    assert item.findtext(DC_CREATOR) == "Tom Trusted"
    assert item.findtext("pubDate")
    assert item.find("author") is None  # RSS's author element is an email address


def test_article_feed_describes_its_story(client, article):
    channel = ET.fromstring(client.get(article_feed_url(article)).content).find("channel")

    assert channel.findtext("title") == "Comments on “Harbour reopens after storm”"
    assert channel.findtext("link") == f"{SITE}/articles/harbour-reopens/"


def test_article_feed_lists_the_newest_comments_first(client, open_thread):
    now = timezone.now()
    for hours, body in ((3, "Oldest"), (1, "Newest"), (2, "Middle")):
        CommentFactory(thread=open_thread, body=body, created_at=now - timedelta(hours=hours))

    descriptions = [
        item.findtext("description")
        for item in items_of(client, article_feed_url(open_thread.article))
    ]

    assert descriptions == ["<p>Newest</p>", "<p>Middle</p>", "<p>Oldest</p>"]


def test_feeds_leave_out_comments_a_visitor_cannot_read(client, open_thread, trusted_reader):
    CommentFactory(thread=open_thread, body="Visible text")
    CommentFactory(thread=open_thread, body="Waiting text", status=Comment.Status.PENDING)
    CommentFactory(thread=open_thread, body="Spam text", status=Comment.Status.SPAM)
    CommentFactory(thread=open_thread, body="Removed text", status=Comment.Status.REMOVED)
    taken_back = CommentFactory(thread=open_thread, author=trusted_reader, body="Taken back")
    services.delete_own_comment(taken_back, by=trusted_reader)

    for url in (article_feed_url(open_thread.article), site_feed_url()):
        feed = client.get(url).content.decode()
        assert "Visible text" in feed
        for hidden in ("Waiting text", "Spam text", "Removed text", "Taken back"):
            assert hidden not in feed


@pytest.mark.parametrize("taken_down", ["top-level", "middle"])
def test_replies_under_a_removed_comment_are_left_out_as_on_the_page(
    client, open_thread, moderator, taken_down
):
    top = CommentFactory(thread=open_thread, body="Top")
    middle = CommentFactory(thread=open_thread, parent=top, body="Middle")
    CommentFactory(thread=open_thread, parent=middle, body="Bottom")
    services.remove(top if taken_down == "top-level" else middle, by=moderator)

    shown = [
        item.findtext("description")
        for item in items_of(client, article_feed_url(open_thread.article))
    ]

    assert shown == ([] if taken_down == "top-level" else ["<p>Top</p>"])


def test_feeds_never_show_emails_or_addresses(client, open_thread):
    CommentFactory(
        thread=open_thread,
        author=UserFactory(username="writer", email="writer-private@example.org"),
        ip_address="127.0.0.9",
    )
    CommentFactory(
        thread=open_thread,
        author=None,
        author_name="Imported Ida",
        author_email="ida-private@example.org",
        author_url="http://127.0.0.1/ida",
        user_agent="SecretBrowser/1.0",
        ip_address="127.0.0.8",
    )

    for url in (article_feed_url(open_thread.article), site_feed_url()):
        feed = client.get(url).content.decode()
        assert "Imported Ida" in feed
        for private in ("private@example.org", "127.0.0.9", "127.0.0.8", "SecretBrowser"):
            assert private not in feed


@pytest.mark.parametrize(
    "story",
    [
        {"status": Article.Status.DRAFT},
        {"published_at": timezone.now() + timedelta(days=1)},
    ],
    ids=["draft", "scheduled"],
)
def test_feed_of_a_story_readers_cannot_see_is_not_found(client, story):
    article = ArticleFactory(**story)
    CommentFactory(thread=article.thread, body="Not for the public yet")

    assert client.get(article_feed_url(article)).status_code == 404
    assert "Not for the public yet" not in client.get(site_feed_url()).content.decode()


def test_feed_of_a_missing_story_is_not_found(client, db):
    assert client.get("/articles/no-such-story/comments/feed/").status_code == 404


def test_site_feed_shows_comments_of_every_story(client, published_comment):
    other = ArticleFactory(title="Bridge closes")
    CommentFactory(thread=other.thread, author=UserFactory(display_name="Bea"))

    assert {
        "Comment by Tom Trusted on Harbour reopens after storm",
        "Comment by Bea on Bridge closes",
    } <= set(titles_of(client, site_feed_url()))


@pytest.mark.parametrize("size", [5, 200])
def test_article_feed_costs_the_same_queries_whatever_the_thread_size(
    client, open_thread, django_assert_max_num_queries, size
):
    roots = CommentFactory.create_batch(size - size // 2, thread=open_thread)
    for root in roots[: size // 2]:
        CommentFactory(thread=open_thread, parent=root)

    with django_assert_max_num_queries(2):  # the thread, then the latest comments
        response = client.get(article_feed_url(open_thread.article))

    assert len(ET.fromstring(response.content).find("channel").findall("item")) == min(size, 20)


@pytest.mark.parametrize("size", [5, 200])
def test_site_feed_costs_the_same_queries_whatever_the_thread_size(
    client, open_thread, django_assert_max_num_queries, size
):
    CommentFactory.create_batch(size, thread=open_thread)

    with django_assert_max_num_queries(2):  # the threads' versions, then the comments
        client.get(site_feed_url())


@pytest.mark.parametrize("url", [article_feed_url, site_feed_url])
def test_a_second_fetch_comes_from_the_cache(client, article, published_comment, url):
    address = url(article) if url is article_feed_url else url()
    with CaptureQueriesContext(connection) as first:
        client.get(address)
    with CaptureQueriesContext(connection) as second:
        again = client.get(address)

    assert len(second) < len(first)
    assert b"The first word." in again.content


@pytest.mark.parametrize("url", [article_feed_url, site_feed_url])
def test_a_new_comment_shows_in_the_feed_at_once(
    client, article, published_comment, trusted_reader, url
):
    address = url(article) if url is article_feed_url else url()
    client.get(address)  # now in the cache

    services.post_comment(thread=article.thread, author=trusted_reader, body="Breaking news")

    assert b"Breaking news" in client.get(address).content


def test_an_unchanged_feed_answers_304_to_a_polling_reader(
    client, article, published_comment, trusted_reader
):
    url = article_feed_url(article)
    first = client.get(url)

    unchanged = client.get(url, headers={"if-none-match": first["ETag"]})
    services.post_comment(thread=article.thread, author=trusted_reader, body="Breaking news")
    changed = client.get(url, headers={"if-none-match": first["ETag"]})

    assert unchanged.status_code == 304
    assert changed.status_code == 200
    assert b"Breaking news" in changed.content


def test_a_feed_changed_without_a_newer_comment_is_not_304_to_if_modified_since(
    client, article, published_comment, pending_comment, moderator, monkeypatch
):
    # The held comment is older than the published one: approving it changes the feed
    # but not the newest comment's date.
    Comment.objects.filter(pk=pending_comment.pk).update(
        created_at=published_comment.created_at - timedelta(hours=1)
    )
    # Drawn a minute apart (in one second, the two Last-Modified would be equal anyway).
    clock = iter([1_900_000_000, 1_900_000_060])
    monkeypatch.setattr("forum.feeds.time", SimpleNamespace(time=lambda: next(clock)))
    url = article_feed_url(article)
    first = client.get(url)

    services.approve(pending_comment, by=moderator)
    poll = client.get(url, headers={"if-modified-since": first["Last-Modified"]})

    assert poll.status_code == 200
    assert b"Hello, first time here." in poll.content


def test_a_comment_elsewhere_shows_in_the_site_feed_at_once(client, published_comment):
    client.get(site_feed_url())
    other = ArticleFactory(title="Bridge closes")

    CommentFactory(thread=other.thread, body="Elsewhere")

    assert b"Elsewhere" in client.get(site_feed_url()).content


def test_article_page_links_its_feed_and_the_site_feed(client, article):
    for _ in range(2):  # drawn, then from the visitors' page cache
        html = client.get(article.get_absolute_url()).content.decode()

        assert (
            '<link rel="alternate" type="application/rss+xml" '
            'title="Comments on “Harbour reopens after storm”" '
            'href="/articles/harbour-reopens/comments/feed/">'
        ) in html
        assert (
            'type="application/rss+xml" title="Latest comments on News Forum" '
            'href="/comments/feed/">'
        ) in html


def test_other_pages_link_the_site_feed(client, article):
    html = client.get(reverse("articles:list")).content.decode()

    assert (
        '<link rel="alternate" type="application/rss+xml" '
        'title="Latest comments on News Forum" href="/comments/feed/">'
    ) in html
    assert "/articles/harbour-reopens/comments/feed/" not in html


def test_feeds_speak_the_sites_language_whoever_asks(client, settings, article):
    spanish = client.get(article_feed_url(article), headers={"accept-language": "es"})
    assert spanish.headers["Content-Language"] == "en"
    channel = ET.fromstring(spanish.content).find("channel")
    assert channel.findtext("title") == f"Comments on “{article.title}”"
    assert channel.findtext("language") == "en"

    settings.LANGUAGE_CODE = "es"
    settings.FORUM_SECTION_CACHE_SECONDS = 0
    for url in (article_feed_url(article), site_feed_url()):
        channel = ET.fromstring(client.get(url).content).find("channel")
        assert channel.findtext("title") in (
            f"Comentarios sobre «{article.title}»",
            "News Forum: últimos comentarios",
        )
        assert channel.findtext("language") == "es"
