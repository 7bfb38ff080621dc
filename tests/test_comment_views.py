"""The comment section of the article page, and posting to it through the browser's forms."""

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from forum.models import Comment, ModerationWord, SiteSettings, Subscription

from .factories import ArticleFactory, CommentFactory, UserFactory
from .test_export_wxr import comments_of, export, item_of

pytestmark = pytest.mark.django_db


def post_url(thread):
    return reverse("forum:post-comment", args=[thread.pk])


# Reading


def test_heading_counts_published_comments(client, open_thread, published_comment, pending_comment):
    CommentFactory(thread=open_thread, status=Comment.Status.REMOVED, reason="removed")

    response = client.get(open_thread.article.get_absolute_url())

    assert "1 thought on “Harbour reopens after storm”" in response.content.decode()


def test_heading_pluralises(client, open_thread):
    CommentFactory.create_batch(3, thread=open_thread)

    response = client.get(open_thread.article.get_absolute_url())

    assert "3 thoughts on “Harbour reopens after storm”" in response.content.decode()


def test_comment_shows_anchor_author_time_and_body(client, published_comment):
    response = client.get(published_comment.thread.article.get_absolute_url())

    html = response.content.decode()
    assert f'<li id="comment-{published_comment.pk}"' in html
    assert f'href="#comment-{published_comment.pk}"' in html
    assert "Tom Trusted" in html
    assert f'datetime="{published_comment.created_at.isoformat()}"' in html
    assert "<p>The first word.</p>" in html


@pytest.mark.parametrize("page", [{}, {"cpage": "all"}])
def test_comment_times_are_shown_in_the_sites_time_zone(client, settings, open_thread, page):
    settings.TIME_ZONE = "America/Havana"
    CommentFactory(
        thread=open_thread, created_at=datetime(2015, 1, 8, 17, 5, 30, 250000, tzinfo=UTC)
    )

    html = client.get(open_thread.article.get_absolute_url(), page).content.decode()

    assert (
        '<time datetime="2015-01-08T12:05:30.250000-05:00">January 8, 2015 at 12:05 p.m.</time>'
        in html
    )


def test_links_in_comments_are_nofollow_ugc_and_markup_is_escaped(client, open_thread):
    CommentFactory(thread=open_thread, body="Read https://example.org <b>now</b>")

    html = client.get(open_thread.article.get_absolute_url()).content.decode()

    assert '<a href="https://example.org" rel="nofollow ugc">https://example.org</a>' in html
    assert "&lt;b&gt;now&lt;/b&gt;" in html


def test_ip_address_is_not_on_the_page(client, open_thread):
    CommentFactory(thread=open_thread, ip_address="127.0.0.42")

    assert "127.0.0.42" not in client.get(open_thread.article.get_absolute_url()).content.decode()


def test_removed_spam_and_others_pending_comments_are_hidden(client, reader, open_thread):
    for status in (Comment.Status.REMOVED, Comment.Status.SPAM, Comment.Status.PENDING):
        CommentFactory(thread=open_thread, body=f"A {status} comment", status=status, reason="x")
    client.force_login(reader)

    html = client.get(open_thread.article.get_absolute_url()).content.decode()

    assert "comment-list" not in html
    assert "A removed comment" not in html
    assert "A spam comment" not in html
    assert "A pending comment" not in html


def test_author_sees_own_pending_comment_marked(client, pending_comment):
    client.force_login(pending_comment.author)

    html = client.get(pending_comment.thread.article.get_absolute_url()).content.decode()

    assert "Hello, first time here." in html
    assert "Your comment is awaiting moderation." in html


@pytest.mark.parametrize("viewer", ["anonymous", "other reader"])
def test_nobody_else_sees_a_pending_comment(client, pending_comment, viewer):
    if viewer == "other reader":
        client.force_login(UserFactory())

    html = client.get(pending_comment.thread.article.get_absolute_url()).content.decode()

    assert "Hello, first time here." not in html
    assert "awaiting moderation" not in html


def test_comments_are_oldest_first_and_replies_nest_under_parents(client, open_thread):
    first = CommentFactory(thread=open_thread, body="First")
    second = CommentFactory(thread=open_thread, body="Second")
    reply = CommentFactory(thread=open_thread, parent=first, body="Reply to first")

    html = client.get(open_thread.article.get_absolute_url()).content.decode()

    # The reply sits in the first comment's list of children, before the second comment.
    nested = re.search(
        rf'<li id="comment-{first.pk}".*?<ol class="children" role="list">\s*'
        rf'<li id="comment-{reply.pk}" class="comment depth-2">.*?</li>\s*</ol>\s*</li>\s*'
        rf'<li id="comment-{second.pk}" class="comment depth-1">',
        html,
        re.DOTALL,
    )
    assert nested


def test_each_comment_is_labelled_with_whom_it_answers(client, open_thread):
    """What a screen reader announces of each comment: its author, and for a reply the
    author it answers."""
    tom = UserFactory(username="tom", display_name="Tom Trusted")
    ray = UserFactory(username="ray", display_name="Ray O'Replier")
    first = CommentFactory(thread=open_thread, author=tom, body="First")
    reply = CommentFactory(thread=open_thread, parent=first, author=ray, body="Reply")
    gone = CommentFactory(thread=open_thread, parent=reply, deleted_at=timezone.now())
    CommentFactory(thread=open_thread, parent=gone, author=tom, body="Still here")

    html = client.get(open_thread.article.get_absolute_url() + "?cpage=all").content.decode()

    labels = re.findall(r'<article class="comment-body" aria-label="([^"]*)">', html)
    assert labels == [
        "Comment by Tom Trusted",
        "Reply to Tom Trusted, by Ray O&#x27;Replier",
        "Deleted reply to Ray O&#x27;Replier",
        "Reply to a deleted comment, by Tom Trusted",
    ]


def test_replies_deeper_than_five_are_shown_at_depth_five_without_reply_link(
    client, open_thread, reader
):
    parent = None
    chain = []
    for level in range(1, 8):
        parent = CommentFactory(thread=open_thread, parent=parent, body=f"Level {level}")
        chain.append(parent)
    client.force_login(reader)

    # The whole thread: the article page shows only the first replies of each thread.
    html = client.get(open_thread.article.get_absolute_url(), {"cpage": "all"}).content.decode()

    for level, comment in enumerate(chain, start=1):
        shown = min(level, 5)
        assert f'<li id="comment-{comment.pk}" class="comment depth-{shown}">' in html
    assert f'data-comment-id="{chain[3].pk}"' in html  # depth 4 can be answered
    assert f'data-comment-id="{chain[4].pk}"' not in html  # depth 5 cannot
    assert f'data-comment-id="{chain[6].pk}"' not in html


def test_reply_to_a_removed_comment_is_not_shown(client, open_thread):
    removed = CommentFactory(thread=open_thread, status=Comment.Status.REMOVED, reason="x")
    CommentFactory(thread=open_thread, parent=removed, body="Orphaned reply")

    html = client.get(open_thread.article.get_absolute_url()).content.decode()

    assert "Orphaned reply" not in html


@pytest.mark.parametrize("size", [50, 500])
@pytest.mark.parametrize("page", ["1", "all"])
def test_article_page_makes_the_same_few_queries_whatever_the_thread_size(
    client, django_assert_max_num_queries, open_thread, trusted_reader, size, page
):
    roots = CommentFactory.create_batch(size // 2, thread=open_thread)
    for root in roots:
        CommentFactory(thread=open_thread, parent=root)
    client.force_login(trusted_reader)

    # Session, user, article, thread (with what is the reader's own), then the whole
    # tree, or page 1's top-level comments, their first replies, which of those have
    # replies of their own and the counts: whatever the size.
    with django_assert_max_num_queries(9):
        response = client.get(open_thread.article.get_absolute_url(), {"cpage": page})

    shown = size if page == "all" else min(size, 2 * 50)
    assert response.content.decode().count('class="comment depth-') == shown


# The form


def test_anonymous_visitor_sees_log_in_to_reply_with_next(client, open_thread):
    html = client.get(open_thread.article.get_absolute_url()).content.decode()

    assert (
        '<a href="/accounts/login/?next=/articles/harbour-reopens/%23respond">Log in to reply</a>'
        in html
    )
    assert 'id="commentform"' not in html


def test_reader_sees_the_form(client, reader, open_thread):
    client.force_login(reader)

    html = client.get(open_thread.article.get_absolute_url()).content.decode()

    assert f'action="{post_url(open_thread)}"' in html
    assert "Leave a reply" in html


def test_replyto_sets_the_form_to_answer_that_comment(client, reader, published_comment):
    client.force_login(reader)
    url = published_comment.thread.article.get_absolute_url()

    response = client.get(url, {"replyto": published_comment.pk})

    html = response.content.decode()
    assert "Reply to Tom Trusted" in html
    assert f'name="parent" value="{published_comment.pk}"' in html


@pytest.mark.parametrize("replyto", ["abc", "999999", ""])
def test_unusable_replyto_falls_back_to_a_new_comment(client, reader, published_comment, replyto):
    client.force_login(reader)
    url = published_comment.thread.article.get_absolute_url()

    response = client.get(url, {"replyto": replyto})

    assert response.status_code == 200
    assert "Leave a reply" in response.content.decode()


def test_closed_thread_shows_comments_are_closed_and_no_form(client, reader, closed_thread):
    client.force_login(reader)

    html = client.get(closed_thread.article.get_absolute_url()).content.decode()

    assert "Comments are closed." in html
    assert "Archived after a year." in html
    assert 'id="commentform"' not in html
    assert "comment-reply-link" not in html


# Posting


def test_first_comment_is_held_and_author_lands_on_it(client, reader, open_thread):
    client.force_login(reader)

    response = client.post(post_url(open_thread), {"body": "My first comment"}, follow=True)

    comment = Comment.objects.get(body="My first comment")
    assert comment.status == Comment.Status.PENDING
    assert comment.author == reader
    assert response.redirect_chain == [(f"/articles/harbour-reopens/#comment-{comment.pk}", 302)]
    assert "Your comment is awaiting moderation." in response.content.decode()


def test_trusted_reader_comment_is_published_for_everyone(client, trusted_reader, open_thread):
    client.force_login(trusted_reader)
    client.post(post_url(open_thread), {"body": "Published straight away"})
    client.logout()

    html = client.get(open_thread.article.get_absolute_url()).content.decode()

    assert "Published straight away" in html


def test_reply_is_stored_under_its_parent(client, trusted_reader, published_comment):
    client.force_login(trusted_reader)

    client.post(
        post_url(published_comment.thread), {"body": "A reply", "parent": published_comment.pk}
    )

    assert Comment.objects.get(body="A reply").parent == published_comment


def test_reply_to_a_depth_five_comment_is_stored_beside_it(client, trusted_reader, open_thread):
    chain = []
    for _ in range(5):
        chain.append(CommentFactory(thread=open_thread, parent=chain[-1] if chain else None))
    client.force_login(trusted_reader)

    client.post(post_url(open_thread), {"body": "Deep reply", "parent": chain[-1].pk})

    reply = Comment.objects.get(body="Deep reply")
    assert (reply.parent, reply.root) == (chain[3], chain[0])


def test_with_the_limit_lowered_a_reply_to_a_deeper_comment_goes_at_the_new_limit(
    client, settings, trusted_reader, open_thread
):
    chain = []
    for _ in range(5):
        chain.append(CommentFactory(thread=open_thread, parent=chain[-1] if chain else None))
    settings.FORUM_MAX_THREAD_DEPTH = 3
    client.force_login(trusted_reader)

    client.post(post_url(open_thread), {"body": "Deep reply", "parent": chain[-1].pk})

    reply = Comment.objects.get(body="Deep reply")
    assert (reply.parent, reply.root) == (chain[1], chain[0])  # at the third level


def test_the_same_reply_twice_to_a_comment_at_the_cap_is_a_duplicate(
    client, settings, trusted_reader, open_thread
):
    settings.FORUM_FLOOD_SECONDS = 0
    chain = []
    for _ in range(5):
        chain.append(CommentFactory(thread=open_thread, parent=chain[-1] if chain else None))
    client.force_login(trusted_reader)
    client.post(post_url(open_thread), {"body": "Me too", "parent": chain[-1].pk})

    response = client.post(post_url(open_thread), {"body": "Me too", "parent": chain[-1].pk})

    assert response.status_code == 409
    assert Comment.objects.filter(body="Me too").count() == 1


def depths_from_parents(parents: dict) -> dict:
    """{id: parent id} in, {id: depth} out (1 at the top)."""
    depths = {}
    for pk in parents:
        depth, current = 1, parents[pk]
        while current is not None:
            depth, current = depth + 1, parents[current]
        depths[pk] = depth
    return depths


def test_a_chain_of_replies_eight_deep_is_stored_shown_served_and_exported_alike(
    client, settings, trusted_reader, open_thread
):
    settings.FORUM_FLOOD_SECONDS = 0
    client.force_login(trusted_reader)
    parent = ""
    for level in range(1, 9):
        client.post(post_url(open_thread), {"body": f"Level {level}", "parent": parent})
        parent = Comment.objects.get(body=f"Level {level}").pk
    ids = [Comment.objects.get(body=f"Level {level}").pk for level in range(1, 9)]

    in_thread = Comment.objects.filter(thread=open_thread)
    stored = depths_from_parents(dict(in_thread.values_list("pk", "parent_id")))
    page = client.get(open_thread.article.get_absolute_url(), {"cpage": "all"}).content.decode()
    shown = {
        int(pk): int(depth)
        for pk, depth in re.findall(r'id="comment-(\d+)" class="comment depth-(\d+)"', page)
    }
    api = client.get(reverse("forum:api-article-comments", args=[open_thread.article.slug])).json()
    served = {comment["id"]: comment["depth"] for comment in api["comments"]}
    served_parents = {comment["id"]: comment["parent"] for comment in api["comments"]}
    exported = comments_of(item_of(export(), open_thread.article.slug))
    exported_parents = {
        int(comment["comment_id"]): int(comment["comment_parent"]) or None for comment in exported
    }

    assert stored == shown == served == depths_from_parents(served_parents)
    assert depths_from_parents(exported_parents) == stored
    assert [stored[pk] for pk in ids] == [1, 2, 3, 4, 5, 5, 5, 5]
    assert api["thread"]["comment_count"] == 8 and "8 thoughts on" in page


def test_author_ip_is_recorded(client, reader, open_thread):
    client.force_login(reader)

    client.post(post_url(open_thread), {"body": "Hi"}, REMOTE_ADDR="127.0.0.9")

    assert Comment.objects.get(body="Hi").ip_address == "127.0.0.9"


def test_behind_a_proxy_the_address_it_forwards_is_recorded(client, reader, open_thread, settings):
    settings.FORUM_PROXY_COUNT = 1
    client.force_login(reader)

    client.post(
        post_url(open_thread),
        {"body": "Hi"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="127.0.0.66, 127.0.0.9",  # the first entry is the client's own
    )

    assert Comment.objects.get(body="Hi").ip_address == "127.0.0.9"


# Bodies nobody would see on the page.
INVISIBLE_BODIES = {
    "no-break spaces": "\u00a0\u00a0",
    "zero-width space": "\u200b",
    "line and paragraph separators": "\u2028\u2029",
    "byte order mark": "\ufeff",
    "ideographic space and joiners": "\u3000\u200d\u2060\u200e",
    "mixed with spaces and line breaks": " \u200b\r\n\u00a0\t\u200b ",
    "hangul filler": "\u3164",
}


@pytest.mark.parametrize(
    "body", ["", "   \n  ", *INVISIBLE_BODIES.values()], ids=["empty", "spaces", *INVISIBLE_BODIES]
)
def test_empty_comment_is_refused_with_a_message(client, reader, open_thread, body):
    client.force_login(reader)

    response = client.post(post_url(open_thread), {"body": body})

    assert response.status_code == 400
    assert "Please write a comment before posting." in response.content.decode()
    assert not Comment.objects.exists()


@pytest.mark.parametrize("body", INVISIBLE_BODIES.values(), ids=INVISIBLE_BODIES)
def test_invisible_reply_is_refused_with_a_message(client, trusted_reader, published_comment, body):
    client.force_login(trusted_reader)

    response = client.post(
        post_url(published_comment.thread), {"body": body, "parent": published_comment.pk}
    )

    assert response.status_code == 400
    assert "Please write a comment before posting." in response.content.decode()
    assert not published_comment.replies.exists()


def test_refused_comment_gets_an_error_summary_linking_to_the_field(client, reader, open_thread):
    """One alert above the form, that the page focuses (static/js/comment-focus.js),
    with a link to the field to put right."""
    client.force_login(reader)

    response = client.post(post_url(open_thread), {"body": ""})

    html = response.content.decode()
    summary = re.search(r'<div id="comment-errors"[^>]*>(.*?)</div>', html, re.DOTALL)
    assert summary
    assert 'role="alert" tabindex="-1"' in summary[0]
    assert re.search(
        r'<a class="alert-link" href="#id_body">Please write a comment before posting.</a>',
        summary[1],
    )
    assert 'id="id_body"' in html
    # The browser leaves the check to the server, so an empty reply gets this summary too.
    assert re.search(r'<form [^>]*id="commentform"[^>]*novalidate>', html)


def test_visible_text_between_invisible_characters_is_accepted(client, trusted_reader, open_thread):
    client.force_login(trusted_reader)

    client.post(post_url(open_thread), {"body": "\u200bYes\u00a0indeed\u200b"})

    assert Comment.objects.filter(author=trusted_reader, body__contains="Yes").exists()


def test_comment_over_5000_characters_is_refused_and_kept_in_the_form(client, reader, open_thread):
    client.force_login(reader)
    body = "x" * 5001

    response = client.post(post_url(open_thread), {"body": body})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Comments can be at most 5000 characters long (this one has 5001)." in html
    assert body in html  # the reader's text is not lost
    assert not Comment.objects.exists()


def test_comment_of_exactly_5000_characters_is_accepted(client, reader, open_thread):
    client.force_login(reader)

    response = client.post(post_url(open_thread), {"body": "x" * 5000})

    assert response.status_code == 302
    assert Comment.objects.count() == 1


def test_reply_to_comment_in_another_thread_is_refused(client, trusted_reader, open_thread):
    elsewhere = CommentFactory(thread=ArticleFactory().thread)
    client.force_login(trusted_reader)

    response = client.post(post_url(open_thread), {"body": "Reply", "parent": elsewhere.pk})

    assert response.status_code == 400
    assert "The comment you are replying to is not available." in response.content.decode()
    assert not Comment.objects.filter(thread=open_thread).exists()


@pytest.mark.parametrize("status", [Comment.Status.PENDING, Comment.Status.REMOVED])
def test_reply_to_hidden_comment_is_refused(client, trusted_reader, open_thread, status):
    hidden = CommentFactory(thread=open_thread, status=status, reason="x")
    client.force_login(trusted_reader)

    response = client.post(post_url(open_thread), {"body": "Reply", "parent": hidden.pk})

    assert response.status_code == 400
    assert "The comment you are replying to is not available." in response.content.decode()
    assert not Comment.objects.filter(body="Reply").exists()


def test_forged_post_to_closed_thread_gets_403_and_stores_nothing(
    client, trusted_reader, closed_thread
):
    client.force_login(trusted_reader)

    response = client.post(post_url(closed_thread), {"body": "Sneaking in"})

    assert response.status_code == 403
    assert "Comments are closed." in response.content.decode()
    assert not Comment.objects.filter(thread=closed_thread).exists()


def test_anonymous_post_is_sent_to_log_in_and_stores_nothing(client, open_thread):
    response = client.post(post_url(open_thread), {"body": "Anonymous"})

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert not Comment.objects.exists()


def test_get_on_the_post_url_is_not_allowed(client, reader, open_thread):
    client.force_login(reader)

    assert client.get(post_url(open_thread)).status_code == 405


def test_post_to_unknown_thread_is_not_found(client, reader):
    client.force_login(reader)

    assert client.post("/threads/999999/comments/", {"body": "Hi"}).status_code == 404


def test_post_to_a_draft_articles_thread_is_not_found(client, trusted_reader):
    draft = ArticleFactory(status="draft")
    client.force_login(trusted_reader)

    response = client.post(post_url(draft.thread), {"body": "Hi"})

    assert response.status_code == 404
    assert not Comment.objects.filter(thread=draft.thread).exists()


@pytest.mark.parametrize("size", [50, 500])
def test_posting_makes_the_same_few_queries_whatever_the_thread_size(
    client, django_assert_max_num_queries, open_thread, trusted_reader, size
):
    CommentFactory.create_batch(size, thread=open_thread)
    client.force_login(trusted_reader)

    with django_assert_max_num_queries(15):
        response = client.post(post_url(open_thread), {"body": "One more"})

    assert response.status_code == 302


@pytest.mark.parametrize(
    ("size", "followers", "depth"), [(50, 1, 2), (500, 20, 2), (50, 1, 4), (50, 1, 5)]
)
def test_replying_makes_the_same_few_queries_however_many_follow_the_thread(
    client,
    settings,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
    open_thread,
    trusted_reader,
    size,
    followers,
    depth,
):
    # As in production: the mails wait in the database for the worker.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    CommentFactory.create_batch(size, thread=open_thread)
    parent = None  # the comment answered, at ``depth``
    for _ in range(depth):
        parent = CommentFactory(thread=open_thread, parent=parent)
    for follower in UserFactory.create_batch(followers):
        Subscription.objects.create(user=follower, thread=open_thread)
    client.force_login(trusted_reader)
    # A running site has these in its cache already.
    SiteSettings.load()
    ModerationWord.listed()

    # What a real request does after its commit (queueing the mails) counts too.
    with django_assert_max_num_queries(15), django_capture_on_commit_callbacks(execute=True):
        response = client.post(post_url(open_thread), {"body": "A reply", "parent": parent.pk})

    assert response.status_code == 302
    # One task tells them all: the worker finds the followers and queues their mails.
    [task] = DBTaskResult.objects.all()
    assert task.task_path == "forum.notifications.announce_reply_task"
