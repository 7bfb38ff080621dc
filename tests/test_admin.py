"""The moderation queue and thread controls in Django's admin, as a moderator uses them."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from forum import services
from forum.models import Comment, Thread

from .factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:forum_comment_changelist")
THREADS = reverse("admin:forum_thread_changelist")


@pytest.fixture
def mod_client(client, moderator):
    client.force_login(moderator)
    return client


def run_action(client, url, action, objects, **filters):
    return client.post(
        url + ("?" + "&".join(f"{k}={v}" for k, v in filters.items()) if filters else ""),
        {"action": action, "_selected_action": [obj.pk for obj in objects]},
        follow=True,
    )


def test_moderator_who_is_not_superuser_can_open_the_queue(mod_client, moderator):
    assert not moderator.is_superuser

    assert mod_client.get(QUEUE).status_code == 200


def test_staff_outside_the_moderators_group_cannot_open_the_queue(client):
    client.force_login(UserFactory(is_staff=True))

    assert client.get(QUEUE).status_code == 403


def test_queue_opens_on_pending_comments(mod_client, pending_comment, published_comment):
    html = mod_client.get(QUEUE).content.decode()

    assert "Hello, first time here." in html
    assert "The first word." not in html


@pytest.mark.parametrize(
    ("status", "shown", "hidden"),
    [
        ("recent", "The first word.", "Hello, first time here."),
        ("all", "The first word.", None),
    ],
)
def test_queue_filters_by_status(
    mod_client, pending_comment, published_comment, status, shown, hidden
):
    html = mod_client.get(QUEUE, {"status": status}).content.decode()

    assert shown in html
    if hidden:
        assert hidden not in html
    else:
        assert "Hello, first time here." in html


def test_queue_rows_show_author_article_parent_age_and_reason(mod_client, published_comment):
    CommentFactory(
        thread=published_comment.thread,
        parent=published_comment,
        author=UserFactory(display_name="Nadia New"),
        body="Held reply",
        status=Comment.Status.PENDING,
        reason="first comment",
    )

    html = mod_client.get(QUEUE).content.decode()

    assert "Held reply" in html
    assert "Nadia New" in html
    assert "Harbour reopens after storm" in html
    assert "The first word." in html  # the parent's excerpt
    assert "first comment" in html
    assert " ago" in html


@pytest.mark.parametrize(
    ("query", "found"),
    [("first time", True), ("Nina", True), ("Harbour", True), ("nothing like this", False)],
)
def test_queue_search_by_text_author_and_article(mod_client, pending_comment, query, found):
    html = mod_client.get(QUEUE, {"q": query}).content.decode()

    assert ("Hello, first time here." in html) is found


def test_queue_does_not_show_ip_addresses_in_rows_but_the_change_page_does(mod_client, open_thread):
    comment = CommentFactory(
        thread=open_thread, status=Comment.Status.PENDING, reason="x", ip_address="127.0.0.7"
    )

    assert "127.0.0.7" not in mod_client.get(QUEUE).content.decode()
    change = reverse("admin:forum_comment_change", args=[comment.pk])
    assert "127.0.0.7" in mod_client.get(change).content.decode()


def test_approve_action_publishes_and_says_so(mod_client, moderator, open_thread):
    held = CommentFactory.create_batch(2, thread=open_thread, status="pending", reason="x")

    response = run_action(mod_client, QUEUE, "approve", held)

    assert "2 comments were approved." in response.content.decode()
    for comment in held:
        comment.refresh_from_db()
        assert comment.status == Comment.Status.PUBLISHED
        assert comment.moderated_by == moderator


def test_approve_action_message_is_singular_for_one(mod_client, pending_comment):
    response = run_action(mod_client, QUEUE, "approve", [pending_comment])

    assert "1 comment was approved." in response.content.decode()


def test_approve_action_leaves_non_pending_comments_and_says_so(
    mod_client, pending_comment, published_comment
):
    response = run_action(
        mod_client, QUEUE, "approve", [pending_comment, published_comment], status="all"
    )

    html = response.content.decode()
    assert "1 comment was approved." in html
    assert "1 comment was left as it was: only pending comments can be approved." in html


@pytest.mark.parametrize(
    ("action", "status", "message"),
    [
        ("mark_spam", Comment.Status.SPAM, "1 comment was marked as spam."),
        ("remove", Comment.Status.REMOVED, "1 comment was removed."),
    ],
)
def test_reject_actions(mod_client, pending_comment, action, status, message):
    response = run_action(mod_client, QUEUE, action, [pending_comment])

    assert message in response.content.decode()
    pending_comment.refresh_from_db()
    assert pending_comment.status == status


def test_restore_action_publishes_a_removed_comment(mod_client, moderator, published_comment):
    services.remove(published_comment, by=moderator)

    response = run_action(mod_client, QUEUE, "restore", [published_comment], status="removed")

    assert "1 comment was restored." in response.content.decode()
    published_comment.refresh_from_db()
    assert published_comment.status == Comment.Status.PUBLISHED


def test_restore_action_sends_a_removed_held_comment_back_to_the_queue(
    mod_client, moderator, pending_comment
):
    run_action(mod_client, QUEUE, "remove", [pending_comment])

    response = run_action(mod_client, QUEUE, "restore", [pending_comment], status="removed")

    assert "1 comment was restored." in response.content.decode()
    pending_comment.refresh_from_db()
    assert pending_comment.status == Comment.Status.PENDING
    assert "Hello, first time here." in mod_client.get(QUEUE).content.decode()


def test_actions_need_the_moderate_permission(client, pending_comment):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_comment"))
    client.force_login(viewer)

    html = client.get(QUEUE).content.decode()
    assert 'value="approve"' not in html
    run_action(client, QUEUE, "approve", [pending_comment])

    pending_comment.refresh_from_db()
    assert pending_comment.status == Comment.Status.PENDING


def test_comments_cannot_be_added_from_the_admin(mod_client):
    assert mod_client.get(reverse("admin:forum_comment_add")).status_code == 403


def test_admin_index_shows_how_many_comments_are_pending(mod_client, open_thread):
    CommentFactory.create_batch(3, thread=open_thread, status="pending", reason="x")

    html = mod_client.get(reverse("admin:index")).content.decode()

    assert "<strong>3</strong> comments awaiting moderation" in html


def test_threads_filter_by_open_and_closed(mod_client, open_thread, closed_thread):
    html = mod_client.get(THREADS, {"status__exact": "closed"}).content.decode()

    assert "An old story" in html
    assert "Harbour reopens after storm" not in html


def test_close_action_records_who_and_when(mod_client, moderator, open_thread):
    response = run_action(mod_client, THREADS, "close_comments", [open_thread])

    assert "Comments were closed on 1 thread." in response.content.decode()
    open_thread.refresh_from_db()
    assert open_thread.status == Thread.Status.CLOSED
    assert open_thread.status_changed_by == moderator
    assert open_thread.status_changed_at is not None


def test_reopen_action_pluralises(mod_client, moderator):
    threads = [ArticleFactory().thread for _ in range(2)]
    run_action(mod_client, THREADS, "close_comments", threads)

    response = run_action(mod_client, THREADS, "reopen_comments", threads)

    assert "Comments were reopened on 2 threads." in response.content.decode()
    assert all(Thread.objects.get(pk=t.pk).is_open for t in threads)


def test_closing_from_the_thread_form_keeps_the_message_and_records_who(
    mod_client, moderator, open_thread
):
    url = reverse("admin:forum_thread_change", args=[open_thread.pk])

    mod_client.post(url, {"status": "closed", "closing_message": "Enough said."})

    open_thread.refresh_from_db()
    assert open_thread.status == Thread.Status.CLOSED
    assert open_thread.closing_message == "Enough said."
    assert open_thread.status_changed_by == moderator
