"""The article page shows the first replies of each thread and "N more replies" for the
rest, which opens in place (a fragment of HTML) or on the thread's own page."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from articles.models import Article
from forum import services
from forum.models import Comment

from .factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

SHOWN = re.compile(r'<li id="comment-(\d+)"')


@pytest.fixture
def five_replies(open_thread):
    """A top-level comment with five replies, "Reply 1" oldest."""
    root = CommentFactory(thread=open_thread, body="The top comment")
    replies = [
        CommentFactory(thread=open_thread, parent=root, body=f"Reply {n}") for n in range(1, 6)
    ]
    return root, replies


def article_html(client, thread, **params) -> str:
    response = client.get(thread.article.get_absolute_url(), params)
    assert response.status_code == 200
    return response.content.decode()


def shown_ids(html: str) -> list[int]:
    return [int(pk) for pk in SHOWN.findall(html)]


def fragment(client, comment, **headers):
    return client.get(reverse("forum:comment-replies-fragment", args=[comment.pk]), **headers)


# The page


def test_a_thread_shows_its_first_three_replies_then_n_more_replies(
    client, open_thread, five_replies
):
    root, replies = five_replies

    html = article_html(client, open_thread)

    for shown in replies[:3]:
        assert f'<li id="comment-{shown.pk}" class="comment depth-2">' in html
    assert "<p>Reply 4</p>" not in html and "<p>Reply 5</p>" not in html
    assert (
        f'<a class="comment-more-link" href="/c/{root.pk}/replies/" data-comment-id="{root.pk}" '
        f'data-fragment="/c/{root.pk}/replies/fragment/">2 more replies</a>'
    ) in html


def test_one_hidden_reply_is_one_more_reply(client, open_thread):
    root = CommentFactory(thread=open_thread)
    CommentFactory.create_batch(4, thread=open_thread, parent=root)

    assert ">1 more reply</a>" in article_html(client, open_thread)


def test_a_thread_shown_whole_has_no_more_replies(client, open_thread):
    root = CommentFactory(thread=open_thread)
    CommentFactory.create_batch(3, thread=open_thread, parent=root)

    assert "comment-more" not in article_html(client, open_thread)


def test_replies_to_replies_wait_behind_n_more_replies_counting_every_hidden_one(
    client, open_thread, five_replies
):
    root, replies = five_replies
    nested = CommentFactory(thread=open_thread, parent=replies[0], body="Nested")
    CommentFactory(thread=open_thread, parent=nested, body="Nested deeper")

    html = article_html(client, open_thread)

    assert "<p>Nested</p>" not in html
    # Replies 4 and 5, and the two under reply 1: what opening the thread adds.
    assert ">4 more replies</a>" in html
    opened = fragment(client, root).content.decode()
    assert len(set(shown_ids(opened)) - set(shown_ids(html))) == 4


def test_the_budget_and_the_levels_are_settings(settings, client, open_thread, five_replies):
    settings.FORUM_REPLIES_PER_LEVEL = 2
    settings.FORUM_REPLY_LEVELS = 2
    root, replies = five_replies
    nested = [CommentFactory(thread=open_thread, parent=replies[0]) for _ in range(3)]
    under_hidden = CommentFactory(thread=open_thread, parent=replies[2])

    html = article_html(client, open_thread)

    assert shown_ids(html) == [root.pk, replies[0].pk, nested[0].pk, nested[1].pk, replies[1].pk]
    assert under_hidden.pk not in shown_ids(html)
    assert ">5 more replies</a>" in html  # replies 3 to 5, one nested, one under reply 3


def continue_link(comment) -> str:
    return (
        f'<p class="comment-more comment-continue"><a class="comment-more-link" '
        f'href="/c/{comment.pk}/replies/" data-comment-id="{comment.pk}" '
        f'data-fragment="/c/{comment.pk}/replies/fragment/">Continue this thread</a></p></li>'
    )


def test_a_shown_reply_whose_replies_are_left_out_says_continue_this_thread(
    client, open_thread, five_replies
):
    _root, replies = five_replies
    nested = CommentFactory(thread=open_thread, parent=replies[1], body="Nested")

    html = article_html(client, open_thread)

    assert "<p>Nested</p>" not in html
    # At the end of the reply's own item, and of no other.
    assert continue_link(replies[1]) in html
    assert html.count("Continue this thread") == 1
    opened = client.get(reverse("forum:comment-replies-fragment", args=[replies[1].pk]))
    assert shown_ids(opened.content.decode()) == [nested.pk]
    own_page = client.get(reverse("forum:comment-replies", args=[replies[1].pk]))
    assert "<p>Nested</p>" in own_page.content.decode()


def test_continue_this_thread_counts_only_replies_the_reader_can_read(
    client, open_thread, five_replies, moderator
):
    _root, replies = five_replies
    removed = CommentFactory(thread=open_thread, parent=replies[0])
    services.remove(removed, by=moderator)
    CommentFactory(thread=open_thread, parent=replies[2], status=Comment.Status.PENDING)

    assert "Continue this thread" not in article_html(client, open_thread)


def test_the_last_reply_of_a_thread_continues_before_its_more_replies(
    client, open_thread, five_replies
):
    _root, replies = five_replies
    CommentFactory(thread=open_thread, parent=replies[2])

    html = article_html(client, open_thread)

    continued = continue_link(replies[2])
    assert continued + "</ol>" + '<p class="comment-more">' in html.replace("\n", "")
    assert ">3 more replies</a>" in html  # replies 4 and 5, and the one under reply 3


def test_at_the_deepest_level_the_page_can_show_nothing_continues(settings, client, open_thread):
    root = CommentFactory(thread=open_thread)
    replies = CommentFactory.create_batch(2, thread=open_thread, parent=root)
    CommentFactory(thread=open_thread, parent=replies[0])  # stored before the limit fell
    settings.FORUM_MAX_THREAD_DEPTH = 2

    html = article_html(client, open_thread)

    # The page shows replies at the limit's depth already: there is no deeper to go.
    assert "Continue this thread" not in html


def test_newest_first_turns_the_threads_not_the_replies(client, open_thread, five_replies):
    root, replies = five_replies
    later = CommentFactory(thread=open_thread, body="A later thread")

    html = article_html(client, open_thread, corder="newest")

    assert shown_ids(html) == [later.pk, root.pk, *(reply.pk for reply in replies[:3])]


def test_the_whole_thread_shows_every_reply(client, open_thread, five_replies):
    _root, replies = five_replies
    CommentFactory(thread=open_thread, parent=replies[0], body="Nested")

    html = article_html(client, open_thread, cpage="all")

    assert len(shown_ids(html)) == 7
    assert "comment-more" not in html


def test_a_deleted_top_level_comment_keeps_its_place_and_its_more_replies(
    client, open_thread, five_replies
):
    root, _ = five_replies
    services.delete_own_comment(root, by=root.author)

    html = article_html(client, open_thread)

    assert "[comment deleted]" in html
    assert ">2 more replies</a>" in html


def test_a_deleted_reply_takes_no_place_and_is_not_counted(client, open_thread, five_replies):
    _, replies = five_replies
    services.delete_own_comment(replies[1], by=replies[1].author)

    html = article_html(client, open_thread)

    assert "<p>Reply 4</p>" in html  # takes the deleted one's place
    assert "[comment deleted]" not in html
    assert ">1 more reply</a>" in html


def test_hidden_replies_are_neither_shown_nor_counted(client, open_thread, five_replies, moderator):
    _, replies = five_replies
    services.remove(replies[3], by=moderator)
    CommentFactory(thread=open_thread, parent=replies[0], status=Comment.Status.SPAM, reason="x")

    assert ">1 more reply</a>" in article_html(client, open_thread)


def test_a_readers_own_waiting_reply_is_counted_for_them_alone(
    client, open_thread, five_replies, reader
):
    _root, replies = five_replies
    CommentFactory(
        thread=open_thread, parent=replies[4], author=reader, status="pending", reason="first"
    )

    assert ">2 more replies</a>" in article_html(client, open_thread)
    client.force_login(reader)
    assert ">3 more replies</a>" in article_html(client, open_thread)


# Bounded, whatever the thread


@pytest.fixture
def uniform_tree(settings):
    """An article with 600 comments in a uniformly random reply tree (bench/generate.py's
    "uniform" shape): the early threads gather most of the replies."""
    from bench.generate import generate

    return generate(600, shape="uniform", authors=20)


def test_the_first_page_of_a_uniform_tree_holds_a_bounded_number_of_comments(
    client, settings, uniform_tree
):
    settings.FORUM_THREADS_PER_PAGE = 10
    settings.FORUM_REPLIES_PER_LEVEL = 2
    settings.FORUM_REPLY_LEVELS = 2
    thread = uniform_tree.thread

    html = article_html(client, thread)
    whole = article_html(client, thread, cpage="all")

    top_level = shown_ids(html)
    assert len(top_level) <= 10 * (1 + 2 + 2**2)  # threads x (1 + budget + budget²)
    # The first ten threads hold many more than that.
    opened = set()
    for root_id in re.findall(r'data-comment-id="(\d+)" data-fragment', html):
        response = client.get(reverse("forum:comment-replies-fragment", args=[root_id]))
        opened |= set(shown_ids(response.content.decode()))
    assert len(opened | set(top_level)) > 10 * (1 + 2 + 2**2)
    assert set(top_level) < set(shown_ids(whole))


@pytest.mark.parametrize("size", [60, 600])
def test_the_first_page_costs_the_same_queries_whatever_the_thread_size(
    client, settings, django_assert_max_num_queries, size
):
    from bench.generate import generate

    settings.FORUM_SECTION_CACHE_SECONDS = 0
    thread = generate(size, shape="uniform", authors=20).thread
    article_html(client, thread)  # the site settings are in the cache now

    # The article, the thread, the top-level comments, their first replies, which of
    # those have replies of their own, the counts.
    with django_assert_max_num_queries(6):
        article_html(client, thread)


def test_a_second_level_of_replies_costs_one_query_more(
    client, settings, django_assert_max_num_queries, uniform_tree
):
    settings.FORUM_SECTION_CACHE_SECONDS = 0
    settings.FORUM_REPLY_LEVELS = 2
    article_html(client, uniform_tree.thread)

    with django_assert_max_num_queries(7):
        article_html(client, uniform_tree.thread)


def test_the_api_still_pages_whole_threads(client, open_thread, five_replies):
    root, replies = five_replies

    answer = client.get(reverse("forum:api-article-comments", args=[open_thread.article.slug]))

    assert [comment["id"] for comment in answer.json()["comments"]] == [
        root.pk,
        *(reply.pk for reply in replies),
    ]


# The fragment that "N more replies" puts in place


def test_the_fragment_holds_the_whole_reply_tree_as_a_reply_list(client, open_thread, five_replies):
    root, replies = five_replies
    nested = CommentFactory(thread=open_thread, parent=replies[4], body="Nested")

    response = fragment(client, root)

    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert html.startswith('<ol class="children" role="list">') and html.endswith("</ol>")
    assert "<html" not in html and "<p>The top comment</p>" not in html
    assert shown_ids(html) == [*(reply.pk for reply in replies), nested.pk]
    assert f'<li id="comment-{nested.pk}" class="comment depth-3">' in html


def test_the_fragments_replies_say_whom_they_answer(client, open_thread, five_replies):
    root, replies = five_replies
    html = fragment(client, root).content.decode()

    labels = re.findall(r'<article class="comment-body" aria-label="([^"]*)">', html)
    expected = f"Reply to {root.author.public_name}, by {replies[0].author.public_name}"
    assert labels[0] == escape(expected)


def test_the_fragment_of_a_reply_holds_its_own_replies(client, open_thread, five_replies):
    _, replies = five_replies
    nested = CommentFactory(thread=open_thread, parent=replies[1])

    assert shown_ids(fragment(client, replies[1]).content.decode()) == [nested.pk]


def test_the_fragments_reply_links_work_with_or_without_the_script(
    client, reader, open_thread, five_replies
):
    root, replies = five_replies
    client.force_login(reader)

    html = fragment(client, root).content.decode()

    assert (
        f'<a class="comment-reply-link" href="/articles/harbour-reopens/?replyto={replies[3].pk}'
        f'#respond" data-comment-id="{replies[3].pk}"'
    ) in html


def test_a_readers_own_waiting_reply_is_in_their_fragment_only(
    client, open_thread, five_replies, reader
):
    root, replies = five_replies
    mine = CommentFactory(
        thread=open_thread, parent=replies[4], author=reader, status="pending", reason="first"
    )

    assert mine.pk not in shown_ids(fragment(client, root).content.decode())
    client.force_login(reader)
    html = fragment(client, root).content.decode()
    assert mine.pk in shown_ids(html)
    assert "Your comment is awaiting moderation." in html
    assert f'href="/c/{mine.pk}/delete/"' in html
    client.force_login(UserFactory())
    assert mine.pk not in shown_ids(fragment(client, root).content.decode())


def test_removed_replies_stay_out_of_the_fragment(client, open_thread, five_replies, moderator):
    root, replies = five_replies
    services.remove(replies[4], by=moderator)

    assert replies[4].pk not in shown_ids(fragment(client, root).content.decode())


@pytest.mark.parametrize("status", ["removed", "spam"])
def test_the_fragment_of_a_hidden_comment_is_not_found(client, open_thread, status):
    hidden = CommentFactory(thread=open_thread, status=status, reason="x")

    assert fragment(client, hidden).status_code == 404


def test_the_fragment_under_a_draft_is_not_found(client, open_thread, five_replies):
    root, _ = five_replies
    Article.objects.filter(pk=open_thread.article_id).update(status=Article.Status.DRAFT)

    assert fragment(client, root).status_code == 404


def test_the_fragment_of_no_comment_is_not_found(client, db):
    assert client.get("/c/999999/replies/fragment/").status_code == 404
    assert client.get("/c/abc/replies/fragment/").status_code == 404


def test_the_fragment_is_read_only(client, open_thread, five_replies):
    root, _ = five_replies

    url = reverse("forum:comment-replies-fragment", args=[root.pk])
    assert client.post(url).status_code == 405


def test_a_visitors_fragment_is_cached_and_revalidated(
    client, django_assert_max_num_queries, open_thread, five_replies
):
    root, _ = five_replies
    first = fragment(client, root)

    with django_assert_max_num_queries(2):  # the comment, the thread
        again = fragment(client, root, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]


def test_a_new_reply_changes_the_fragment(client, open_thread, five_replies, trusted_reader):
    root, _ = five_replies
    first = fragment(client, root)

    services.post_comment(thread=open_thread, author=trusted_reader, body="Late", parent=root)

    again = fragment(client, root, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert "<p>Late</p>" in again.content.decode()


def test_a_readers_own_fragment_is_never_cached(client, open_thread, five_replies, reader):
    root, _replies = five_replies
    CommentFactory(thread=open_thread, parent=root, author=reader)
    client.force_login(reader)

    response = fragment(client, root)

    assert "ETag" not in response
    assert response.status_code == 200


# The thread's own page, without JavaScript


def test_the_threads_own_page_shows_the_comment_and_every_reply(client, open_thread, five_replies):
    root, replies = five_replies
    nested = CommentFactory(thread=open_thread, parent=replies[4])

    response = client.get(reverse("forum:comment-replies", args=[root.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>A thread on “Harbour reopens after storm” · News Forum</title>" in html
    assert shown_ids(html) == [root.pk, *(reply.pk for reply in replies), nested.pk]
    assert f'href="/c/{root.pk}/">Back to “Harbour reopens after storm”</a>' in html
    assert "comment-more" not in html


def test_the_page_of_a_reply_starts_at_that_reply(client, open_thread, five_replies):
    _, replies = five_replies
    nested = CommentFactory(thread=open_thread, parent=replies[1])

    html = client.get(reverse("forum:comment-replies", args=[replies[1].pk])).content.decode()

    assert shown_ids(html) == [replies[1].pk, nested.pk]
    assert f'<li id="comment-{nested.pk}" class="comment depth-3">' in html


def test_the_threads_page_of_a_hidden_comment_is_not_found(client, open_thread):
    hidden = CommentFactory(thread=open_thread, status="removed", reason="x")

    assert client.get(reverse("forum:comment-replies", args=[hidden.pk])).status_code == 404


# Permalinks open what is collapsed around their comment


def test_the_permalink_of_the_fifth_reply_lands_on_it(client, open_thread, five_replies):
    root, replies = five_replies
    assert f'id="comment-{replies[4].pk}"' not in article_html(client, open_thread)

    response = client.get(reverse("forum:comment-permalink", args=[replies[4].pk]))

    assert response.url == f"/articles/harbour-reopens/?expand={root.pk}#comment-{replies[4].pk}"
    html = client.get(response.url).content.decode()
    assert f'<li id="comment-{replies[4].pk}" class="comment depth-2">' in html
    assert "comment-more" not in html


def test_the_permalink_of_a_nested_reply_lands_on_it(client, open_thread, five_replies):
    _root, replies = five_replies
    nested = CommentFactory(thread=open_thread, parent=replies[4])
    deeper = CommentFactory(thread=open_thread, parent=nested)

    response = client.get(reverse("forum:comment-permalink", args=[deeper.pk]))

    html = client.get(response.url).content.decode()
    assert f'<li id="comment-{deeper.pk}" class="comment depth-4">' in html


def test_a_permalinks_page_opens_only_its_thread(client, open_thread, five_replies):
    root, replies = five_replies
    other = CommentFactory(thread=open_thread)
    CommentFactory.create_batch(4, thread=open_thread, parent=other)

    html = article_html(client, open_thread, expand=root.pk)

    assert replies[4].pk in shown_ids(html)
    assert f'data-comment-id="{other.pk}" data-fragment' in html
    assert f'data-comment-id="{root.pk}" data-fragment' not in html


@pytest.mark.parametrize("raw", ["abc", "-1", "0", "99999999999999999999999", "²"])
def test_what_is_not_a_top_level_comment_of_the_page_expands_nothing(
    client, open_thread, five_replies, raw
):
    html = article_html(client, open_thread, expand=raw)

    assert ">2 more replies</a>" in html


def test_posting_a_reply_lands_on_it_however_deep_in_the_thread(
    client, open_thread, five_replies, trusted_reader
):
    _root, replies = five_replies
    client.force_login(trusted_reader)

    response = client.post(
        reverse("forum:post-comment", args=[open_thread.pk]),
        {"body": "My late reply", "parent": replies[4].pk},
        follow=True,
    )

    assert "<p>My late reply</p>" in response.content.decode()
