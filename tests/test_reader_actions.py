"""What readers do to comments after posting: report, edit, delete, follow; permalinks."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from forum import services
from forum.models import Comment, CommentRevision, ModerationEvent, Report, Subscription

from .factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(name, comment):
    return reverse(f"forum:{name}", args=[comment.pk])


def page(client, thread):
    return client.get(thread.article.get_absolute_url()).content.decode()


# Reporting


def test_reader_reports_a_comment_with_a_reason(client, reader, published_comment):
    client.force_login(reader)

    response = client.post(
        url("report-comment", published_comment), {"reason": "abuse", "details": "Insults"}
    )

    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.comment, report.reporter, report.reason) == (published_comment, reader, "abuse")
    assert "Reported" in page(client, published_comment.thread)


def test_report_page_shows_the_comment_and_reasons(client, reader, published_comment):
    client.force_login(reader)

    html = client.get(url("report-comment", published_comment)).content.decode()

    assert "The first word." in html
    for label in ("Spam", "Abusive or a personal attack", "Off-topic", "Something else"):
        assert label in html
    assert "---------" not in html


def test_other_reason_needs_details(client, reader, published_comment):
    client.force_login(reader)

    response = client.post(url("report-comment", published_comment), {"reason": "other"})

    assert response.status_code == 400
    assert "Please say what is wrong with the comment." in response.content.decode()
    assert not Report.objects.exists()


def test_a_reader_reports_a_comment_only_once(client, reader, published_comment):
    client.force_login(reader)
    client.post(url("report-comment", published_comment), {"reason": "spam"})

    response = client.post(url("report-comment", published_comment), {"reason": "abuse"})

    assert response.status_code == 409
    assert "You have already reported this comment." in response.content.decode()
    assert Report.objects.count() == 1


def test_own_comment_cannot_be_reported(client, published_comment):
    client.force_login(published_comment.author)

    response = client.post(url("report-comment", published_comment), {"reason": "spam"})

    assert response.status_code == 403
    assert not Report.objects.exists()


def test_three_reports_from_distinct_readers_hide_the_comment(client, published_comment):
    for _ in range(3):
        services.report_comment(published_comment, reporter=UserFactory(), reason="abuse")

    published_comment.refresh_from_db()
    assert published_comment.status == Comment.Status.PENDING
    assert published_comment.reason_code == "reported"
    assert published_comment.reason == "reported by 3 readers"
    assert "The first word." not in page(client, published_comment.thread)


def test_two_reports_do_not_hide_the_comment(published_comment):
    for _ in range(2):
        services.report_comment(published_comment, reporter=UserFactory(), reason="spam")

    published_comment.refresh_from_db()
    assert published_comment.status == Comment.Status.PUBLISHED


def test_report_needs_log_in(client, published_comment):
    response = client.post(url("report-comment", published_comment), {"reason": "spam"})

    assert response.url.startswith(reverse("login"))
    assert not Report.objects.exists()


def test_reports_of_hidden_comments_are_not_found(client, reader, pending_comment):
    client.force_login(reader)

    response = client.post(url("report-comment", pending_comment), {"reason": "spam"})

    assert response.status_code == 404


# Editing


def test_author_edits_within_the_window_and_readers_see_edited(client, published_comment):
    client.force_login(published_comment.author)
    published_comment.created_at = timezone.now() - timezone.timedelta(minutes=5)
    published_comment.save()

    response = client.post(url("edit-comment", published_comment), {"body": "Better words."})

    assert response.status_code == 302
    published_comment.refresh_from_db()
    assert published_comment.body == "Better words."
    assert published_comment.edited_at is not None
    assert list(CommentRevision.objects.values_list("body", flat=True)) == ["The first word."]
    client.logout()
    html = page(client, published_comment.thread)
    assert "Better words." in html
    assert "The first word." not in html
    assert ">edited</span>" in html


def test_edit_link_is_shown_to_the_author_within_the_window(client, published_comment):
    published_comment.created_at = timezone.now()
    published_comment.save()
    client.force_login(published_comment.author)

    assert url("edit-comment", published_comment) in page(client, published_comment.thread)


@pytest.mark.parametrize("minutes_ago, shown", [(14, True), (16, False)])
def test_edit_link_follows_the_window_in_any_time_zone(
    client, settings, published_comment, minutes_ago, shown
):
    settings.TIME_ZONE = "Asia/Kolkata"
    published_comment.created_at = timezone.now() - timezone.timedelta(minutes=minutes_ago)
    published_comment.save()
    client.force_login(published_comment.author)

    html = page(client, published_comment.thread)

    assert (url("edit-comment", published_comment) in html) is shown


def test_edit_after_15_minutes_is_refused(client, published_comment):
    published_comment.created_at = timezone.now() - timezone.timedelta(minutes=16)
    published_comment.save()
    client.force_login(published_comment.author)

    response = client.post(url("edit-comment", published_comment), {"body": "Too late"})

    assert response.status_code == 403
    assert "The time to edit this comment has passed." in response.content.decode()
    published_comment.refresh_from_db()
    assert published_comment.body == "The first word."
    assert url("edit-comment", published_comment) not in page(client, published_comment.thread)


def test_edit_goes_through_the_rules_again(client, published_comment):
    published_comment.created_at = timezone.now()
    published_comment.save()
    client.force_login(published_comment.author)

    client.post(
        url("edit-comment", published_comment),
        {"body": "Now with https://a.example and https://b.example"},
    )

    published_comment.refresh_from_db()
    assert published_comment.status == Comment.Status.PENDING
    assert published_comment.reason == "2 links"


def test_editing_a_held_comment_keeps_it_held(pending_comment):
    pending_comment.created_at = timezone.now()
    pending_comment.save()

    services.edit_comment(pending_comment, by=pending_comment.author, body="Kinder words")

    pending_comment.refresh_from_db()
    assert pending_comment.status == Comment.Status.PENDING


@pytest.mark.parametrize("body", [" ", "\u00a0\u200b\u2028\ufeff"], ids=["space", "invisible"])
def test_empty_edit_is_refused_and_keeps_the_text(client, published_comment, body):
    published_comment.created_at = timezone.now()
    published_comment.save()
    client.force_login(published_comment.author)

    response = client.post(url("edit-comment", published_comment), {"body": body})

    assert response.status_code == 400
    assert "Please write a comment before posting." in response.content.decode()
    published_comment.refresh_from_db()
    assert published_comment.body == "The first word."


def test_nobody_else_can_edit_a_comment(client, reader, published_comment):
    published_comment.created_at = timezone.now()
    published_comment.save()
    client.force_login(reader)

    response = client.post(url("edit-comment", published_comment), {"body": "Hijacked"})

    assert response.status_code == 404
    published_comment.refresh_from_db()
    assert published_comment.body == "The first word."


# Deleting


def test_deleting_a_comment_without_replies_removes_it_from_the_page(client, published_comment):
    client.force_login(published_comment.author)

    response = client.post(url("delete-comment", published_comment))

    assert response.status_code == 302
    html = page(client, published_comment.thread)
    assert "The first word." not in html
    assert "[comment deleted]" not in html
    published_comment.refresh_from_db()
    assert published_comment.body == "The first word."  # moderators still see it
    assert published_comment.deleted_at is not None


def test_deleting_a_comment_with_replies_keeps_its_place(client, published_comment):
    reply = CommentFactory(
        thread=published_comment.thread, parent=published_comment, body="A reply"
    )
    client.force_login(published_comment.author)

    client.post(url("delete-comment", published_comment))

    html = page(client, published_comment.thread)
    assert "[comment deleted]" in html
    assert "The first word." not in html
    assert f'<li id="comment-{reply.pk}" class="comment depth-2">' in html
    assert "1 thought on" in html  # the deleted comment no longer counts


def test_delete_asks_for_confirmation_first(client, published_comment):
    client.force_login(published_comment.author)

    html = client.get(url("delete-comment", published_comment)).content.decode()

    assert "Delete your comment?" in html
    published_comment.refresh_from_db()
    assert published_comment.deleted_at is None


def test_nobody_else_can_delete_a_comment(client, reader, published_comment):
    client.force_login(reader)

    assert client.post(url("delete-comment", published_comment)).status_code == 404
    published_comment.refresh_from_db()
    assert published_comment.deleted_at is None


def test_deleted_comment_cannot_be_answered(client, trusted_reader, published_comment):
    services.delete_own_comment(published_comment, by=published_comment.author)
    client.force_login(trusted_reader)

    response = client.post(
        reverse("forum:post-comment", args=[published_comment.thread.pk]),
        {"body": "Reply", "parent": published_comment.pk},
    )

    assert response.status_code == 400


def test_actions_are_in_the_audit_log(published_comment):
    author = published_comment.author
    services.report_comment(published_comment, reporter=UserFactory(), reason="spam")
    services.delete_own_comment(published_comment, by=author)

    actions = list(ModerationEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["report", "delete by author"]


# Following and permalinks


def test_follow_and_unfollow_a_thread(client, reader, open_thread):
    client.force_login(reader)
    follow_url = reverse("forum:follow", args=[open_thread.pk])

    client.post(follow_url)
    assert Subscription.objects.filter(user=reader, thread=open_thread).exists()
    assert "Stop following" in page(client, open_thread)

    client.post(follow_url, {"follow": "off"})
    assert not Subscription.objects.exists()


def test_a_closed_thread_offers_no_following_but_lets_followers_stop(client, reader, closed_thread):
    client.force_login(reader)
    assert "Follow this discussion" not in page(client, closed_thread)

    Subscription.objects.create(user=reader, thread=closed_thread)

    assert "Stop following" in page(client, closed_thread)


def test_follow_when_posting(client, trusted_reader, open_thread):
    client.force_login(trusted_reader)

    client.post(
        reverse("forum:post-comment", args=[open_thread.pk]), {"body": "Hi", "follow": "on"}
    )

    assert Subscription.objects.filter(user=trusted_reader, thread=open_thread).exists()


def test_permalink_redirects_to_the_comment_on_its_article(client, published_comment):
    response = client.get(url("comment-permalink", published_comment))

    assert response.url == f"/articles/harbour-reopens/#comment-{published_comment.pk}"


def test_permalink_of_a_hidden_comment_is_not_found(client, pending_comment):
    assert client.get(url("comment-permalink", pending_comment)).status_code == 404


# Refusals over HTTP


def test_flood_over_http_answers_429(client, trusted_reader, open_thread):
    client.force_login(trusted_reader)
    post = reverse("forum:post-comment", args=[open_thread.pk])
    client.post(post, {"body": "One"})

    response = client.post(post, {"body": "Two"})

    assert response.status_code == 429
    assert "You are posting comments too quickly. Slow down." in response.content.decode()
    assert "Two" in response.content.decode()  # the text stays in the form


def test_duplicate_over_http_answers_409(client, trusted_reader, open_thread):
    CommentFactory(thread=open_thread, author=trusted_reader, body="Same thing")
    client.force_login(trusted_reader)

    response = client.post(
        reverse("forum:post-comment", args=[open_thread.pk]), {"body": "Same thing"}
    )

    assert response.status_code == 409
    assert "Duplicate comment detected" in response.content.decode()


def test_banned_reader_sees_why_instead_of_the_form(client, trusted_reader, moderator, open_thread):
    services.ban(trusted_reader, by=moderator)
    client.force_login(trusted_reader)

    html = page(client, open_thread)

    assert "You have been banned from commenting." in html
    assert 'id="commentform"' not in html


def test_banned_reader_is_told_so(client, trusted_reader, moderator, open_thread):
    services.ban(trusted_reader, by=moderator)
    client.force_login(trusted_reader)

    response = client.post(reverse("forum:post-comment", args=[open_thread.pk]), {"body": "Hi"})

    assert response.status_code == 403
    assert "You have been banned from commenting." in response.content.decode()


# What a visitor cannot see, no reader action reaches


def make_draft(article):
    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)


def schedule_for_tomorrow(article):
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now() + timedelta(days=1))


def stored_state():
    """What any of the actions below would change."""
    return (
        list(Comment.objects.values_list("pk", "body", "status", "deleted_at")),
        Report.objects.count(),
        Subscription.objects.count(),
    )


# (name, method, URL of the comment or its thread, data, who acts)
ACTIONS = [
    ("report page", "get", "report-comment", None, "other"),
    ("report", "post", "report-comment", {"reason": "abuse", "details": "x"}, "other"),
    ("permalink", "get", "comment-permalink", None, "other"),
    ("edit page", "get", "edit-comment", None, "author"),
    ("edit", "post", "edit-comment", {"body": "Rewritten"}, "author"),
    ("delete page", "get", "delete-comment", None, "author"),
    ("delete", "post", "delete-comment", {}, "author"),
    ("follow", "post", "follow", {}, "other"),
    ("unfollow", "post", "follow", {"follow": "off"}, "author"),
    ("post", "post", "post-comment", {"body": "A new comment"}, "other"),
    ("reply", "post", "post-comment", {"body": "A reply", "parent": None}, "other"),
]


@pytest.mark.parametrize("hide", [make_draft, schedule_for_tomorrow], ids=["draft", "future"])
@pytest.mark.parametrize(
    ("method", "name", "data", "actor"),
    [action[1:] for action in ACTIONS],
    ids=[action[0] for action in ACTIONS],
)
def test_reader_actions_on_an_article_visitors_cannot_see_are_not_found(
    client, trusted_reader, published_comment, hide, method, name, data, actor
):
    thread = published_comment.thread
    Subscription.objects.create(user=published_comment.author, thread=thread)
    hide(thread.article)
    target = thread if name in ("follow", "post-comment") else published_comment
    if data and "parent" in data:  # answering the comment
        data = {**data, "parent": published_comment.pk}
    client.force_login(published_comment.author if actor == "author" else trusted_reader)
    before = stored_state()

    response = getattr(client, method)(reverse(f"forum:{name}", args=[target.pk]), data)

    assert response.status_code == 404
    assert thread.article.title not in response.content.decode()
    assert stored_state() == before


def test_following_a_closed_thread_is_refused_with_a_message(client, reader, closed_thread):
    client.force_login(reader)

    response = client.post(reverse("forum:follow", args=[closed_thread.pk]))

    assert response.status_code == 403
    assert "Comments are closed here, so there are no new replies to follow." in (
        response.content.decode()
    )
    assert not Subscription.objects.exists()


def test_a_follower_of_a_closed_thread_can_still_stop(client, reader, closed_thread):
    Subscription.objects.create(user=reader, thread=closed_thread)
    client.force_login(reader)

    response = client.post(reverse("forum:follow", args=[closed_thread.pk]), {"follow": "off"})

    assert response.status_code == 302
    assert not Subscription.objects.exists()
