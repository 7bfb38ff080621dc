"""The JSON read API: a story's comments as a visitor's page shows them, and the list of
stories; read-only, the same for everyone, nothing private, cheap to poll."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from forum import api, services
from forum.models import Comment, SiteSettings

from .factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"


def comments_url(article) -> str:
    return reverse("forum:api-article-comments", args=[article.slug])


def answer(client, url, status=200, **params):
    response = client.get(url, params)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


@pytest.fixture
def three_per_page(settings):
    settings.FORUM_THREADS_PER_PAGE = 3


@pytest.fixture
def seven_threads(open_thread):
    """Seven top-level comments, "Thread 1" oldest; each has one reply."""
    roots = [CommentFactory(thread=open_thread, body=f"Thread {n}") for n in range(1, 8)]
    for root in roots:
        CommentFactory(thread=open_thread, parent=root, body=f"Reply to {root.body}")
    return roots


def test_comments_come_as_the_page_shows_them(client, open_thread, trusted_reader):
    written = datetime(2015, 1, 17, 10, 30, tzinfo=UTC)
    first = CommentFactory(
        thread=open_thread, author=trusted_reader, body="First", created_at=written
    )
    reply = CommentFactory(
        thread=open_thread, parent=first, body="Reply", created_at=written + timedelta(minutes=1)
    )
    CommentFactory(thread=open_thread, parent=first, body="Waiting", status=Comment.Status.PENDING)

    data = answer(client, comments_url(open_thread.article))

    assert data["comments"] == [
        {
            "id": first.pk,
            "parent": None,
            "depth": 1,
            "author": "Tom Trusted",
            "created": "2015-01-17T10:30:00Z",
            "edited": False,
            "deleted": False,
            "body_html": "<p>First</p>",
            "permalink": f"{SITE}/c/{first.pk}/",
        },
        {
            "id": reply.pk,
            "parent": first.pk,
            "depth": 2,
            "author": reply.author.display_name,
            "created": "2015-01-17T10:31:00Z",
            "edited": False,
            "deleted": False,
            "body_html": "<p>Reply</p>",
            "permalink": f"{SITE}/c/{reply.pk}/",
        },
    ]


def test_a_deleted_comment_kept_for_its_replies_shows_no_author_or_text(
    client, open_thread, trusted_reader
):
    taken_back = CommentFactory(thread=open_thread, author=trusted_reader, body="Regret")
    CommentFactory(thread=open_thread, parent=taken_back, body="Answer")
    services.delete_own_comment(taken_back, by=trusted_reader)

    first, second = answer(client, comments_url(open_thread.article))["comments"]

    assert first["deleted"] is True
    assert first["author"] is None and first["body_html"] is None
    assert second["body_html"] == "<p>Answer</p>"


def test_an_edited_comment_says_so(client, open_thread):
    CommentFactory(thread=open_thread, edited_at=timezone.now())

    (comment,) = answer(client, comments_url(open_thread.article))["comments"]

    assert comment["edited"] is True


def test_thread_state_and_counts(client, closed_thread):
    CommentFactory(thread=closed_thread)
    root = CommentFactory(thread=closed_thread)
    CommentFactory(thread=closed_thread, parent=root)

    data = answer(client, comments_url(closed_thread.article))

    assert data["thread"] == {"state": "closed", "comment_count": 3, "top_level_count": 2}
    assert data["article"] == {
        "title": "An old story",
        "slug": "an-old-story",
        "url": f"{SITE}/articles/an-old-story/",
        "published": closed_thread.article.published_at.astimezone(UTC)
        .isoformat(timespec="seconds")
        .replace("+00:00", "Z"),
    }


def test_an_open_thread_says_open(client, open_thread):
    assert answer(client, comments_url(open_thread.article))["thread"]["state"] == "open"


def test_pages_hold_top_level_threads_with_their_replies(
    client, three_per_page, open_thread, seven_threads
):
    url = comments_url(open_thread.article)
    first = answer(client, url)
    last = answer(client, url, page=3)

    assert [c["body_html"] for c in first["comments"]] == [
        "<p>Thread 1</p>",
        "<p>Reply to Thread 1</p>",
        "<p>Thread 2</p>",
        "<p>Reply to Thread 2</p>",
        "<p>Thread 3</p>",
        "<p>Reply to Thread 3</p>",
    ]
    assert (first["page"], first["page_count"]) == (1, 3)
    assert first["next"] == f"{SITE}{url}?page=2"
    assert first["previous"] is None
    assert [c["body_html"] for c in last["comments"]] == [
        "<p>Thread 7</p>",
        "<p>Reply to Thread 7</p>",
    ]
    assert last["next"] is None
    assert last["previous"] == f"{SITE}{url}?page=2"


def test_a_page_past_the_end_is_not_found(client, three_per_page, open_thread, seven_threads):
    data = answer(client, comments_url(open_thread.article), status=404, page=4)

    assert data == {"error": "There is no page 4: the thread has 3."}


def test_an_empty_thread_has_one_empty_page(client, open_thread):
    data = answer(client, comments_url(open_thread.article))

    assert (data["comments"], data["page_count"], data["next"]) == ([], 1, None)


@pytest.mark.parametrize("raw", ["abc", "0", "-1", "", "1.5", "all", "²"])
def test_a_page_that_is_not_a_number_from_one_is_refused(client, open_thread, raw):
    data = answer(client, comments_url(open_thread.article), status=400, page=raw)

    assert data == {"error": "page must be a whole number from 1."}


@pytest.mark.parametrize("raw", [str(10**30), "9" * 5000])
def test_a_huge_page_number_is_past_the_end(client, open_thread, raw):
    assert "error" in answer(client, comments_url(open_thread.article), status=404, page=raw)


@pytest.mark.parametrize(
    "story",
    [{"status": Article.Status.DRAFT}, {"published_at": timezone.now() + timedelta(days=1)}],
    ids=["draft", "scheduled"],
)
def test_comments_of_a_story_readers_cannot_see_are_not_found(client, story):
    article = ArticleFactory(**story)
    CommentFactory(thread=article.thread, body="Not for the public yet")

    data = answer(client, comments_url(article), status=404)

    assert data == {"error": "No published article has this address."}


def test_comments_of_a_missing_story_are_not_found(client, db):
    assert "error" in answer(client, "/api/articles/no-such-story/comments/", status=404)


def test_the_list_of_stories_gives_their_counts_state_and_comments_address(
    client, open_thread, closed_thread, published_comment
):
    ArticleFactory(status=Article.Status.DRAFT, title="Draft story")

    data = answer(client, reverse("forum:api-articles"))

    by_slug = {story["slug"]: story for story in data["articles"]}
    assert set(by_slug) >= {"harbour-reopens", "an-old-story"}
    assert "Draft story" not in json.dumps(data)
    harbour = by_slug["harbour-reopens"]
    assert harbour["title"] == "Harbour reopens after storm"
    assert harbour["url"] == f"{SITE}/articles/harbour-reopens/"
    assert harbour["comment_count"] == 1
    assert harbour["state"] == "open"
    assert harbour["comments"] == f"{SITE}/api/articles/harbour-reopens/comments/"
    assert harbour["published"].endswith("Z")
    assert by_slug["an-old-story"]["state"] == "closed"


def test_the_list_of_stories_comes_in_pages_newest_first(client, db, monkeypatch):
    monkeypatch.setattr(api, "ARTICLES_PER_PAGE", 2)
    now = timezone.now()
    for hours in (1, 2, 3):
        ArticleFactory(slug=f"hours-{hours}", published_at=now - timedelta(hours=hours))
    url = reverse("forum:api-articles")

    first = answer(client, url)
    second = answer(client, url, page=2)

    assert [story["slug"] for story in first["articles"]] == ["hours-1", "hours-2"]
    assert first["next"] == f"{SITE}{url}?page=2"
    assert [story["slug"] for story in second["articles"]] == ["hours-3"]
    assert (second["count"], second["page_count"], second["next"]) == (3, 2, None)
    assert second["previous"] == f"{SITE}{url}"
    assert "error" in answer(client, url, status=404, page=3)
    assert "error" in answer(client, url, status=400, page="x")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_api_is_read_only(client, reader, open_thread, method):
    client.force_login(reader)
    for url in (comments_url(open_thread.article), reverse("forum:api-articles")):
        response = getattr(client, method)(url)

        assert response.status_code == 405
        assert response["Allow"] == "GET, HEAD"
        assert "read-only" in response.json()["error"]


def test_signed_in_readers_get_the_same_answer_as_visitors(
    client, open_thread, reader, published_comment
):
    CommentFactory(thread=open_thread, author=reader, body="Mine, waiting")
    Comment.objects.filter(body="Mine, waiting").update(status=Comment.Status.PENDING)
    url = comments_url(open_thread.article)
    anonymous = client.get(url)

    client.force_login(reader)
    signed_in = client.get(url)

    assert signed_in.content == anonymous.content
    assert signed_in["ETag"] == anonymous["ETag"]
    assert b"Mine, waiting" not in signed_in.content


def test_no_private_field_ever_shows(client, open_thread, moderator):
    CommentFactory(
        thread=open_thread,
        author=UserFactory(username="writer", email="writer-private@example.org"),
        ip_address="127.0.0.9",
        user_agent="SecretBrowser/1.0",
    )
    CommentFactory(
        thread=open_thread,
        author=None,
        author_name="Imported Ida",
        author_email="ida-private@example.org",
        author_url="http://127.0.0.1/ida-private",
        ip_address="127.0.0.8",
    )
    held = CommentFactory(
        thread=open_thread,
        body="Pending secret",
        status=Comment.Status.PENDING,
        reason="held for a private reason",
    )
    removed = CommentFactory(thread=open_thread, body="Removed secret")
    services.remove(removed, by=moderator)

    for url in (comments_url(open_thread.article), reverse("forum:api-articles")):
        text = client.get(url).content.decode()
        for private in (
            "private",
            "127.0.0.9",
            "127.0.0.8",
            "SecretBrowser",
            "Pending secret",
            "Removed secret",
            "removed by a moderator",
            held.author.email,
        ):
            assert private not in text
    assert "Imported Ida" in client.get(comments_url(open_thread.article)).content.decode()


def test_polling_with_the_etag_gets_304_until_the_thread_changes(
    client, open_thread, published_comment, trusted_reader, django_assert_max_num_queries
):
    url = comments_url(open_thread.article)
    etag = client.get(url)["ETag"]

    with django_assert_max_num_queries(1):  # the thread, no comment read
        unchanged = client.get(url, headers={"if-none-match": etag})
    services.post_comment(thread=open_thread, author=trusted_reader, body="Breaking news")
    changed = client.get(url, headers={"if-none-match": etag})

    assert unchanged.status_code == 304
    assert unchanged["ETag"] == etag
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert b"Breaking news" in changed.content


def test_the_list_of_stories_answers_304_while_it_is_unchanged(client, open_thread):
    url = reverse("forum:api-articles")
    etag = client.get(url)["ETag"]

    unchanged = client.get(url, headers={"if-none-match": etag})
    ArticleFactory(title="Fresh story")
    changed = client.get(url, headers={"if-none-match": etag})

    assert unchanged.status_code == 304
    assert changed.status_code == 200
    assert b"Fresh story" in changed.content


def test_each_page_has_its_own_etag(client, three_per_page, open_thread, seven_threads):
    url = comments_url(open_thread.article)
    first = client.get(url)["ETag"]

    assert client.get(url, {"page": 2}, headers={"if-none-match": first}).status_code == 200


def test_answers_may_be_cached_publicly_for_a_short_time(client, open_thread):
    for url in (comments_url(open_thread.article), reverse("forum:api-articles")):
        cache_control = client.get(url)["Cache-Control"]

        assert "public" in cache_control
        assert "max-age=30" in cache_control


def test_other_sites_scripts_may_not_read_it_by_default(client, open_thread):
    for url in (comments_url(open_thread.article), reverse("forum:api-articles")):
        response = client.get(url, headers={"origin": "https://elsewhere.example"})

        assert "Access-Control-Allow-Origin" not in response


def test_listed_origins_may_read_it(client, open_thread, settings):
    settings.FORUM_API_CORS_ORIGINS = ["https://news.example.org"]
    url = comments_url(open_thread.article)

    listed = client.get(url, headers={"origin": "https://news.example.org"})
    other = client.get(url, headers={"origin": "https://elsewhere.example"})

    assert listed["Access-Control-Allow-Origin"] == "https://news.example.org"
    assert "Origin" in listed["Vary"]
    assert "Access-Control-Allow-Origin" not in other


@pytest.mark.parametrize("size", [10, 200])
def test_comments_cost_the_same_queries_whatever_the_thread_size(
    client, open_thread, django_assert_max_num_queries, size
):
    roots = CommentFactory.create_batch(size - size // 2, thread=open_thread)
    for root in roots[: size // 2]:
        CommentFactory(thread=open_thread, parent=root)

    # The thread, the site's switches, the page's top-level comments, then their replies.
    with django_assert_max_num_queries(4):
        data = answer(client, comments_url(open_thread.article))

    assert len(data["comments"]) == min(size, 100)


@pytest.mark.parametrize("size", [10, 200])
def test_the_list_of_stories_costs_the_same_queries_whatever_its_size(
    client, db, django_assert_max_num_queries, size
):
    for _ in range(size):
        ArticleFactory()

    # The count, the page of stories with their threads, the site's switches.
    with django_assert_max_num_queries(3):
        answer(client, reverse("forum:api-articles"))


def test_a_second_answer_comes_from_the_cache(client, open_thread, published_comment):
    url = comments_url(open_thread.article)
    SiteSettings.load()  # in the cache already, as on a running site
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    with CaptureQueriesContext(connection) as second:
        again = client.get(url)

    assert len(second) < len(first)
    assert b"The first word." in again.content


def test_a_304_carries_no_body_and_no_html_type(client, open_thread):
    url = comments_url(open_thread.article)
    etag = client.get(url).headers["ETag"]

    unchanged = client.get(url, headers={"if-none-match": etag})

    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert "text/html" not in unchanged.headers.get("Content-Type", "")


@pytest.mark.parametrize(
    "path",
    ["/api/", "/api/comments/", "/api/articles/a/b/c/", "/api/articles/%C3%A9t%C3%A9/comments/"],
)
def test_an_address_under_the_api_that_is_no_endpoint_answers_json_404(client, db, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert "/api/articles/" in response.json()["error"]


def test_an_api_address_without_its_final_slash_is_redirected_to_it(client, open_thread):
    response = client.get(f"/api/articles/{open_thread.article.slug}/comments?page=1")

    assert response.status_code == 301
    assert response.headers["Location"] == (
        f"/api/articles/{open_thread.article.slug}/comments/?page=1"
    )


def test_the_api_speaks_the_sites_language_whoever_asks(client, open_thread):
    CommentFactory(thread=open_thread, author=None, author_name="")

    for language in ("es", "en"):
        response = client.get(
            comments_url(open_thread.article), headers={"accept-language": language}
        )
        [comment] = response.json()["comments"]
        assert comment["author"] == "Anonymous"
