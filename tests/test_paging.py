"""Threads page by page, permalinks to the right page, and the cached comment list."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from forum import services
from forum.models import Comment

from .factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


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


def html_of(client, thread, **params):
    response = client.get(thread.article.get_absolute_url(), params)
    assert response.status_code == 200
    return response.content.decode()


def test_first_page_shows_the_oldest_threads_with_their_replies(
    client, three_per_page, open_thread, seven_threads
):
    html = html_of(client, open_thread)

    for n in (1, 2, 3):
        assert f"<p>Thread {n}</p>" in html
        assert f"<p>Reply to Thread {n}</p>" in html
    assert "<p>Thread 4</p>" not in html


def test_heading_counts_every_published_comment_on_every_page(
    client, three_per_page, open_thread, seven_threads
):
    assert "14 thoughts on" in html_of(client, open_thread, cpage=3)


def test_last_page_and_page_links(client, three_per_page, open_thread, seven_threads):
    html = html_of(client, open_thread, cpage=3)

    assert "<p>Thread 7</p>" in html
    assert "<p>Thread 6</p>" not in html
    assert html.count('aria-label="Comment pages"') == 2  # above and below the comments
    assert 'href="?cpage=2#comments">« Older comments</a>' in html
    assert 'href="?cpage=1#comments">1</a>' in html


@pytest.mark.parametrize("raw", ["0", "-1", "abc", "2x", ""])
def test_what_is_not_a_page_number_shows_the_first_page(
    client, three_per_page, open_thread, seven_threads, raw
):
    html = html_of(client, open_thread, cpage=raw)

    assert "<p>Thread 1</p>" in html and "<p>Thread 4</p>" not in html


@pytest.mark.parametrize("raw", ["4", "99", "99999999999999999999"])
def test_a_page_past_the_last_redirects_to_the_last(
    client, three_per_page, open_thread, seven_threads, raw
):
    response = client.get(open_thread.article.get_absolute_url(), {"cpage": raw})

    assert response.status_code == 302
    assert response.url == "/articles/harbour-reopens/?cpage=3"
    assert "<p>Thread 7</p>" in client.get(response.url).content.decode()


def test_the_redirect_keeps_the_order_and_goes_to_the_bare_address_for_page_one(
    client, open_thread, seven_threads
):
    response = client.get(open_thread.article.get_absolute_url(), {"cpage": 2, "corder": "newest"})

    assert response.status_code == 302
    assert response.url == "/articles/harbour-reopens/?corder=newest"


def test_a_page_made_by_the_readers_own_waiting_comments_is_not_redirected(
    client, three_per_page, open_thread, seven_threads, reader
):
    for n in (1, 2, 3):
        CommentFactory(thread=open_thread, author=reader, status="pending", body=f"Mine {n}")
    client.force_login(reader)

    html = html_of(client, open_thread, cpage=4)

    assert "<p>Mine 3</p>" in html  # visitors have three pages, this reader four
    assert client.get(open_thread.article.get_absolute_url(), {"cpage": 5}).url == (
        "/articles/harbour-reopens/?cpage=4"
    )


def test_all_comments_on_one_page(client, three_per_page, open_thread, seven_threads):
    html = html_of(client, open_thread, cpage="all")

    assert all(f"<p>Thread {n}</p>" in html for n in range(1, 8))


def test_newest_first_reverses_threads_but_not_replies(
    client, three_per_page, open_thread, seven_threads
):
    html = html_of(client, open_thread, corder="newest")

    assert html.index("<p>Thread 7</p>") < html.index("<p>Thread 6</p>")
    assert html.index("<p>Thread 7</p>") < html.index("<p>Reply to Thread 7</p>")
    assert "<p>Thread 4</p>" not in html


def test_page_links_without_more_than_one_page(client, open_thread, seven_threads):
    assert 'aria-label="Comment pages"' not in html_of(client, open_thread)


@pytest.mark.parametrize(("position", "page"), [(0, 1), (2, 1), (3, 2), (6, 3)])
def test_permalink_of_a_top_level_comment_goes_to_its_page(
    client, three_per_page, seven_threads, position, page
):
    comment = seven_threads[position]

    response = client.get(reverse("forum:comment-permalink", args=[comment.pk]))

    query = f"?cpage={page}" if page > 1 else ""
    assert response.url == f"/articles/harbour-reopens/{query}#comment-{comment.pk}"


def test_permalink_of_a_deep_reply_goes_to_its_threads_page(
    client, three_per_page, open_thread, seven_threads
):
    parent = seven_threads[4]
    for _ in range(6):
        parent = CommentFactory(thread=open_thread, parent=parent)

    response = client.get(reverse("forum:comment-permalink", args=[parent.pk]))

    root = seven_threads[4]
    assert response.url == (
        f"/articles/harbour-reopens/?cpage=2&expand={root.pk}#comment-{parent.pk}"
    )
    html = client.get(response.url).content.decode()
    assert f'id="comment-{parent.pk}" class="comment depth-5"' in html


def test_posting_redirects_to_the_page_of_the_new_comment(
    client, three_per_page, open_thread, seven_threads, trusted_reader
):
    client.force_login(trusted_reader)

    response = client.post(
        reverse("forum:post-comment", args=[open_thread.pk]), {"body": "Late thought"}, follow=True
    )

    assert "<p>Late thought</p>" in response.content.decode()
    comment = Comment.objects.get(body="Late thought")
    assert response.redirect_chain[-1][0].endswith(f"?cpage=3#comment-{comment.pk}")


@pytest.mark.parametrize("size", [10, 100])
def test_permalink_query_count_does_not_grow(
    client, django_assert_max_num_queries, open_thread, size
):
    comments = CommentFactory.create_batch(size, thread=open_thread)

    with django_assert_max_num_queries(3):
        client.get(reverse("forum:comment-permalink", args=[comments[-1].pk]))


# The cached list


def test_cached_list_shows_a_comment_approved_since(
    client, open_thread, moderator, pending_comment
):
    html_of(client, open_thread)  # fills the cache

    services.approve(pending_comment, by=moderator)

    assert "Hello, first time here." in html_of(client, open_thread)


def test_cached_list_shows_a_new_comment_and_the_new_count(client, open_thread, trusted_reader):
    CommentFactory(thread=open_thread, body="Before")
    html_of(client, open_thread)

    services.post_comment(thread=open_thread, author=trusted_reader, body="After")

    html = html_of(client, open_thread)
    assert "<p>After</p>" in html
    assert "2 thoughts on" in html


def test_cached_list_follows_the_thread_closing(client, open_thread, moderator):
    CommentFactory(thread=open_thread)
    assert "Log in to reply" in html_of(client, open_thread)

    services.close_thread(open_thread, by=moderator)

    html = html_of(client, open_thread)
    assert "Comments are closed." in html
    assert "comment-login-link" not in html


def test_repeat_visits_are_served_from_the_cache(
    client, django_assert_max_num_queries, open_thread
):
    CommentFactory.create_batch(20, thread=open_thread)
    html_of(client, open_thread)

    # The article and the thread; the list itself comes from the cache.
    with django_assert_max_num_queries(2):
        client.get(open_thread.article.get_absolute_url())


def test_a_readers_own_pending_comment_is_never_shown_from_or_put_in_the_cache(
    client, open_thread, pending_comment
):
    CommentFactory(thread=open_thread)
    client.force_login(pending_comment.author)
    assert "Your comment is awaiting moderation." in html_of(client, open_thread)

    client.force_login(UserFactory())
    html = html_of(client, open_thread)
    assert "awaiting moderation" not in html
    assert "Hello, first time here." not in html


def test_signed_in_readers_and_visitors_get_their_own_links(client, reader, open_thread):
    CommentFactory(thread=open_thread)
    assert "comment-login-link" in html_of(client, open_thread)

    client.force_login(reader)
    html = html_of(client, open_thread)

    assert "comment-reply-link" in html
    assert "comment-report-link" in html
    assert "comment-login-link" not in html


def test_the_cache_can_be_turned_off(client, settings, django_assert_max_num_queries, open_thread):
    settings.FORUM_SECTION_CACHE_SECONDS = 0
    CommentFactory.create_batch(3, thread=open_thread)
    html_of(client, open_thread)

    with django_assert_max_num_queries(5) as queries:
        client.get(open_thread.article.get_absolute_url())

    # The article, the thread, the page's top-level comments, their first replies, and
    # how many replies each has.
    assert len(queries) == 5


def test_deleted_top_level_comments_without_replies_take_no_place_in_the_pages(
    client, three_per_page, open_thread
):
    author = UserFactory()
    roots = [CommentFactory(thread=open_thread, author=author, body=f"T{n}") for n in range(4)]
    services.delete_own_comment(roots[1], by=author)
    services.delete_own_comment(roots[3], by=author)

    open_thread.refresh_from_db()
    assert (open_thread.root_count, open_thread.published_count) == (2, 2)
    html = html_of(client, open_thread)
    assert "<p>T0</p>" in html
    assert "<p>T2</p>" in html
    assert 'aria-label="Comment pages"' not in html


def test_deleted_top_level_comment_with_a_reply_keeps_its_place(
    client, three_per_page, open_thread
):
    author = UserFactory()
    root = CommentFactory(thread=open_thread, author=author)
    CommentFactory(thread=open_thread, parent=root, body="Still here")
    services.delete_own_comment(root, by=author)

    open_thread.refresh_from_db()
    assert open_thread.root_count == 1
    assert "[comment deleted]" in html_of(client, open_thread)


# The whole page, for visitors


def test_visitors_get_the_article_page_from_the_cache_with_one_query(
    client, django_assert_max_num_queries, open_thread
):
    CommentFactory.create_batch(5, thread=open_thread)
    first = client.get(open_thread.article.get_absolute_url())

    with django_assert_max_num_queries(1):
        again = client.get(open_thread.article.get_absolute_url())

    assert again.content == first.content


def test_a_visitor_sees_a_comment_approved_since_the_page_was_cached(
    client, open_thread, moderator, pending_comment
):
    html_of(client, open_thread)

    services.approve(pending_comment, by=moderator)

    assert "Hello, first time here." in html_of(client, open_thread)


def test_a_visitor_sees_the_site_go_read_only_at_once(
    client, open_thread, moderator, django_capture_on_commit_callbacks
):
    assert "sign up</a> to join the discussion" in html_of(client, open_thread)

    with django_capture_on_commit_callbacks(execute=True):
        services.update_site_settings(by=moderator, read_only=True, approve_all_manually=False)

    html = html_of(client, open_thread)
    assert "Comments are closed." in html
    assert "to join the discussion" not in html


def test_a_visitor_sees_a_story_close_by_age_though_its_thread_did_not_change(
    client, settings, open_thread
):
    settings.FORUM_AUTO_CLOSE_DAYS = 14
    article = open_thread.article
    assert "Comments are closed." not in html_of(client, open_thread)  # now in the cache

    # Time passes: the story is now older than 14 days; nothing bumps the version.
    Article.objects.filter(pk=article.pk).update(
        published_at=timezone.now() - timedelta(days=14, seconds=1)
    )

    assert "Comments are closed." in html_of(client, open_thread)


def test_signed_in_readers_never_get_the_visitors_page(client, reader, open_thread):
    CommentFactory(thread=open_thread)
    html_of(client, open_thread)
    client.force_login(reader)

    html = html_of(client, open_thread)

    assert "Signed in as" in html
    assert 'id="commentform"' in html


def test_odd_query_strings_are_not_cached_for_visitors(client, open_thread):
    from django.core.cache import cache

    CommentFactory(thread=open_thread)
    cache.clear()
    for junk in range(3):
        html_of(client, open_thread, utm=junk)

    assert not [key for key in cache._cache if "visitor-page" in key]


def test_many_pages_show_the_first_the_last_and_the_neighbours(client, three_per_page, open_thread):
    CommentFactory.create_batch(30, thread=open_thread)  # ten pages

    html = html_of(client, open_thread, cpage=5)

    for shown in (1, 3, 4, 6, 7, 10):
        assert f'href="?cpage={shown}#comments">{shown}</a>' in html
    assert 'aria-current="page">5</span>' in html
    assert 'href="?cpage=2#comments">2</a>' not in html
    assert 'href="?cpage=8#comments">8</a>' not in html
    assert html.count(">…</span>") == 4  # two gaps, above and below the comments


# The comment list, put into the finished page by forum.middleware.DeferredHtmlMiddleware


def test_the_comment_list_takes_its_placeholders_place_in_the_finished_page(client, open_thread):
    CommentFactory(thread=open_thread, body="Straight into the page, café ☕ and all.")

    response = client.get(open_thread.article.get_absolute_url(), {"cpage": "all"})

    html = response.content.decode()
    section = html[html.index('<section id="comments"') : html.index("</section>")]
    assert "Straight into the page, café ☕ and all." in section
    assert "<!--deferred:" not in html
    assert response["Content-Length"] == str(len(response.content))


def test_the_comment_list_finds_its_place_in_a_page_sent_in_another_charset(
    client, settings, open_thread
):
    settings.DEFAULT_CHARSET = "utf-16"
    CommentFactory(thread=open_thread, body="Written in café ☕")

    response = client.get(open_thread.article.get_absolute_url())

    html = response.content.decode("utf-16")
    assert "Written in café ☕" in html
    assert "<!--deferred:" not in html


def test_without_the_middleware_the_list_is_written_in_place(rf):
    from forum.middleware import defer_html

    request = rf.get("/")

    assert defer_html(request, "<ol>café</ol>".encode()) == "<ol>café</ol>"


# The reader's order, remembered


def test_the_order_chosen_is_remembered_for_the_next_visit(
    client, three_per_page, open_thread, seven_threads
):
    response = client.get(open_thread.article.get_absolute_url(), {"corder": "newest"})
    assert response.cookies["forum_corder"].value == "newest"

    html = html_of(client, open_thread)  # no ?corder: the cookie says newest first

    assert html.index("<p>Thread 7</p>") < html.index("<p>Thread 6</p>")
    assert "<p>Thread 1</p>" not in html
    assert 'href="?corder=oldest#comments">Oldest first</a>' in html


def test_the_address_wins_over_the_remembered_order_and_is_remembered_in_turn(
    client, three_per_page, open_thread, seven_threads
):
    client.cookies["forum_corder"] = "newest"

    response = client.get(open_thread.article.get_absolute_url(), {"corder": "oldest"})

    assert "<p>Thread 1</p>" in response.content.decode()
    assert response.cookies["forum_corder"].value == "oldest"
    assert "<p>Thread 1</p>" in html_of(client, open_thread)


def test_a_cookie_that_names_no_order_shows_the_default(
    client, three_per_page, open_thread, seven_threads
):
    client.cookies["forum_corder"] = "sideways"

    html = html_of(client, open_thread)

    assert html.index("<p>Thread 1</p>") < html.index("<p>Thread 2</p>")


def test_visitors_cached_page_is_kept_apart_by_the_remembered_order(
    client, three_per_page, open_thread, seven_threads
):
    """One visitor remembers newest first, the next has no cookie: the page from the cache
    must not hand one the other's order, at the same address."""
    client.cookies["forum_corder"] = "newest"
    assert "<p>Thread 7</p>" in html_of(client, open_thread)  # now in the cache

    client.cookies.pop("forum_corder")
    html = html_of(client, open_thread)

    assert "<p>Thread 1</p>" in html
    assert "<p>Thread 7</p>" not in html


def test_a_page_from_the_visitors_cache_remembers_the_order_too(client, open_thread, seven_threads):
    html_of(client, open_thread, corder="newest")  # now in the cache
    client.cookies.pop("forum_corder")

    response = client.get(open_thread.article.get_absolute_url(), {"corder": "newest"})

    assert response.cookies["forum_corder"].value == "newest"
