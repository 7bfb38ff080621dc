"""The moderators' tools in the admin beyond the basic queue: the queues and their
counts, the comment page, every moderation action with its audit row, the "why held"
page, users, threads, words, site settings, reports and the audit log."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from forum import services
from forum.models import (
    Comment,
    CommentRevision,
    ModerationEvent,
    ModerationWord,
    ReasonCode,
    Report,
    SiteSettings,
    Thread,
)

from .factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:forum_comment_changelist")
WHY_HELD = reverse("admin:forum_comment_why_held")
USERS = reverse("admin:forum_user_changelist")
THREADS = reverse("admin:forum_thread_changelist")
EVENTS = reverse("admin:forum_moderationevent_changelist")


@pytest.fixture
def mod_client(client, moderator):
    client.force_login(moderator)
    return client


@pytest.fixture
def super_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def run_action(client, url, action, objects, query="", **data):
    return client.post(
        url + query,
        {"action": action, "_selected_action": [obj.pk for obj in objects], **data},
        follow=True,
    )


def held(thread, **fields):
    fields.setdefault("reason", "first comment")
    return CommentFactory(thread=thread, status=Comment.Status.PENDING, **fields)


def report(comment, **fields):
    return Report.objects.create(
        comment=comment, reporter=UserFactory(), reason=Report.Reason.ABUSE, **fields
    )


def staff_with(*codenames):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def the_event(**filters):
    return ModerationEvent.objects.get(**filters)


# The queues


def test_queue_labels_count_each_queue(mod_client, open_thread, published_comment):
    # published_comment and the trusted reader's first comment were posted an hour ago.
    held(open_thread)
    held(open_thread)
    CommentFactory(thread=open_thread, status=Comment.Status.SPAM, reason="spam")
    removed = CommentFactory(thread=open_thread, status=Comment.Status.REMOVED, reason="x")
    report(removed)
    CommentFactory(created_at=timezone.now() - timedelta(days=2))  # not recent

    html = mod_client.get(QUEUE).content.decode()

    assert "Pending (2)" in html
    assert "Reported (1)" in html
    assert "Spam (1)" in html
    assert "Removed (1)" in html
    assert "Recently published (2)" in html


def test_queue_counts_follow_the_article_filter(mod_client, open_thread):
    held(open_thread)
    other = ArticleFactory()
    held(other.thread)
    held(other.thread)

    html = mod_client.get(QUEUE, {"article": other.pk}).content.decode()

    assert "Pending (2)" in html


def test_reported_queue_shows_comments_with_open_reports_whatever_their_status(
    mod_client, open_thread
):
    published = CommentFactory(thread=open_thread, body="Reported and published")
    report(published)
    removed = CommentFactory(thread=open_thread, body="Reported and removed", status="removed")
    report(removed)
    settled = CommentFactory(thread=open_thread, body="Report already settled")
    report(settled, resolved_at=timezone.now())

    html = mod_client.get(QUEUE, {"status": "reported"}).content.decode()

    assert "Reported and published" in html
    assert "Reported and removed" in html
    assert "Report already settled" not in html


def test_recently_published_queue_leaves_out_older_comments(mod_client, open_thread):
    CommentFactory(thread=open_thread, body="Said this morning")
    CommentFactory(
        thread=open_thread, body="Said last week", created_at=timezone.now() - timedelta(days=7)
    )

    html = mod_client.get(QUEUE, {"status": "recent"}).content.decode()

    assert "Said this morning" in html
    assert "Said last week" not in html


def test_queue_filters_by_article(mod_client, open_thread):
    held(open_thread, body="On the harbour")
    other = ArticleFactory(title="Budget passes")
    held(other.thread, body="On the budget")

    html = mod_client.get(QUEUE, {"article": other.pk}).content.decode()

    assert "On the budget" in html
    assert "On the harbour" not in html
    assert "Budget passes (1 pending)" in html  # offered in the filter


def test_queue_filters_by_reason_code(mod_client, open_thread):
    held(open_thread, body="Too many links here", reason_code=ReasonCode.LINKS, reason="2 links")
    held(open_thread, body="My first", reason_code=ReasonCode.FIRST_COMMENT)

    html = mod_client.get(QUEUE, {"reason_code__exact": "links"}).content.decode()

    assert "Too many links here" in html
    assert "My first" not in html


def test_queue_gives_each_reason_in_the_moderators_language_with_what_was_stored(
    mod_client, open_thread
):
    held(open_thread, reason_code=ReasonCode.HELD_WORD, reason="held word: ferry")
    held(open_thread, reason_code=ReasonCode.FIRST_COMMENT, reason="first comment")
    held(open_thread, reason_code=ReasonCode.LINKS, reason="3 links")

    english = mod_client.get(QUEUE).content.decode()
    spanish = mod_client.get(QUEUE, headers={"accept-language": "es"}).content.decode()

    assert '<td class="field-why">held word: ferry</td>' in english
    assert '<td class="field-why">first comment</td>' in english
    assert '<td class="field-why">too many links (3 links)</td>' in english
    assert '<td class="field-why">palabra retenida: ferry</td>' in spanish
    assert '<td class="field-why">primer comentario</td>' in spanish
    assert '<td class="field-why">demasiados enlaces (3 links)</td>' in spanish


def test_queue_rows_show_the_first_three_replies_and_open_reports(mod_client, open_thread):
    comment = held(open_thread, body="The held one")
    for number in range(1, 5):
        CommentFactory(
            thread=open_thread,
            parent=comment,
            body=f"Reply number {number}",
            created_at=timezone.now() - timedelta(minutes=10 - number),
        )
    report(comment)
    report(comment)

    html = mod_client.get(QUEUE).content.decode()

    assert "Reply number 1" in html
    assert "Reply number 3" in html
    assert "Reply number 4" not in html
    assert '<td class="field-open_reports">2</td>' in html


def test_queue_links_to_the_why_held_page(mod_client):
    assert WHY_HELD in mod_client.get(QUEUE).content.decode()


def fill_queue(count):
    """Held comments, each answering a published one, with replies and reports."""
    for _ in range(count):
        thread = ArticleFactory().thread
        parent = CommentFactory(thread=thread)
        comment = held(thread, parent=parent)
        CommentFactory(thread=thread, parent=comment)
        report(comment)


@pytest.mark.parametrize("comments", [10, 60])
def test_queue_makes_the_same_number_of_queries_however_long(
    mod_client, django_assert_max_num_queries, comments
):
    fill_queue(comments)

    # Session, user and permissions, the page, the queue sizes (two queries), the
    # articles filter, the replies of the page's comments, ...: never one per row.
    with django_assert_max_num_queries(12):
        response = mod_client.get(QUEUE)

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == min(comments, 50)


# The comment page


def test_comment_page_shows_the_conversation_around_the_comment(mod_client, open_thread):
    top = CommentFactory(thread=open_thread, body="Top of the thread")
    middle = CommentFactory(thread=open_thread, parent=top, body="The answer to the top")
    comment = held(open_thread, parent=middle, body="The comment under review")
    CommentFactory(thread=open_thread, parent=comment, body="A reply to it")
    CommentFactory(thread=open_thread, body="Elsewhere in the thread")

    response = mod_client.get(reverse("admin:forum_comment_change", args=[comment.pk]))

    html = response.content.decode()
    rows = [row["comment"] for row in response.context["conversation"]]
    assert [c.body for c in rows] == [
        "Top of the thread",
        "The answer to the top",
        "The comment under review",
        "A reply to it",
    ]
    # Highlighted, and indented under the two it answers.
    assert f'class="conversation-comment depth-2 current" id="conversation-{comment.pk}"' in html
    assert "Elsewhere in the thread" not in html


def test_comment_page_shows_earlier_versions_reports_and_audit_log(
    mod_client, moderator, pending_comment
):
    CommentRevision.objects.create(
        comment=pending_comment, body="What I first wrote", written_at=timezone.now()
    )
    report(pending_comment, details="Rude to me")
    services.mark_spam(pending_comment, by=moderator)

    html = mod_client.get(
        reverse("admin:forum_comment_change", args=[pending_comment.pk])
    ).content.decode()

    assert "What I first wrote" in html
    assert "Rude to me" in html
    assert "mark spam" in html


def test_comment_page_cannot_change_the_comment(mod_client, pending_comment):
    url = reverse("admin:forum_comment_change", args=[pending_comment.pk])

    response = mod_client.post(url, {"body": "Rewritten", "status": "published"})

    assert response.status_code == 403
    pending_comment.refresh_from_db()
    assert pending_comment.body == "Hello, first time here."


def test_comments_cannot_be_deleted_from_the_admin(super_client, pending_comment):
    url = reverse("admin:forum_comment_delete", args=[pending_comment.pk])

    assert super_client.post(url, {"post": "yes"}).status_code == 403
    assert Comment.objects.filter(pk=pending_comment.pk).exists()


# Comment actions


@pytest.mark.parametrize(
    ("action", "before", "after", "message", "logged"),
    [
        ("approve", "pending", "published", "1 comment was approved.", "approve"),
        ("mark_spam", "pending", "spam", "1 comment was marked as spam.", "mark spam"),
        ("remove", "published", "removed", "1 comment was removed.", "remove"),
        # Marked spam as it was posted: nothing earlier to go back to, so it waits.
        ("restore", "spam", "pending", "1 comment was restored.", "restore"),
    ],
)
def test_comment_action_stores_says_and_logs(
    mod_client, moderator, open_thread, action, before, after, message, logged
):
    comment = CommentFactory(
        thread=open_thread, status=before, reason="" if before == "published" else "x"
    )

    response = run_action(mod_client, QUEUE, action, [comment], query="?status=all")

    assert message in response.content.decode()
    comment.refresh_from_db()
    assert comment.status == after
    assert comment.moderated_by == moderator
    event = the_event(comment=comment, action=logged)
    assert (event.actor, event.from_status, event.to_status) == (moderator, before, after)


def test_comment_action_warns_about_comments_left_as_they_were(mod_client, open_thread):
    spam = CommentFactory.create_batch(2, thread=open_thread, status="spam", reason="spam")

    response = run_action(mod_client, QUEUE, "mark_spam", spam, query="?status=spam")

    html = response.content.decode()
    assert "2 comments were left as they were: already spam." in html
    assert not ModerationEvent.objects.filter(action="mark spam").exists()


def test_remove_with_replies_removes_the_whole_branch(mod_client, moderator, open_thread):
    comment = held(open_thread)
    reply = CommentFactory(thread=open_thread, parent=comment)
    answer = CommentFactory(thread=open_thread, parent=reply)
    untouched = CommentFactory(thread=open_thread)

    response = run_action(mod_client, QUEUE, "remove_with_replies", [comment, reply])

    assert "1 comment was removed with its replies (3 comments in all)." in (
        response.content.decode()
    )
    for each in (comment, reply, answer):
        each.refresh_from_db()
        assert each.status == Comment.Status.REMOVED
        event = the_event(comment=each, action="remove")
        assert event.actor == moderator
        assert event.to_status == Comment.Status.REMOVED
    untouched.refresh_from_db()
    assert untouched.status == Comment.Status.PUBLISHED


def test_reject_with_reason_asks_for_the_reason_first(mod_client, pending_comment):
    response = run_action(mod_client, QUEUE, "reject_with_reason", [pending_comment])

    html = response.content.decode()
    assert "Reject comments with a reason" in html
    assert 'name="reason_code" value="off_topic"' in html
    assert f'name="_selected_action" value="{pending_comment.pk}"' in html
    assert 'name="post" value="yes"' in html
    pending_comment.refresh_from_db()
    assert pending_comment.status == Comment.Status.PENDING


def test_reject_with_reason_removes_logs_and_mails_the_author(
    mod_client, moderator, pending_comment, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(
            mod_client,
            QUEUE,
            "reject_with_reason",
            [pending_comment],
            post="yes",
            reason_code="off_topic",
        )

    assert "1 comment was rejected: off-topic." in response.content.decode()
    pending_comment.refresh_from_db()
    assert pending_comment.status == Comment.Status.REMOVED
    assert pending_comment.reason_code == ReasonCode.OFF_TOPIC
    event = the_event(comment=pending_comment, action="reject")
    assert (event.actor, event.from_status, event.to_status) == (moderator, "pending", "removed")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [pending_comment.author.email]
    assert "Reason: off-topic" in mail.outbox[0].body


def test_a_spanish_moderators_rejection_is_stored_in_english_and_shown_in_spanish(
    mod_client, pending_comment
):
    mod_client.cookies["django_language"] = "es"
    run_action(
        mod_client,
        QUEUE,
        "reject_with_reason",
        [pending_comment],
        post="yes",
        reason_code="off_topic",
    )

    pending_comment.refresh_from_db()
    assert pending_comment.reason == "off-topic"  # stored words stay in one language
    assert the_event(comment=pending_comment, action="reject").reason == "off-topic"
    queue = mod_client.get(QUEUE + "?status=removed").content.decode()
    assert '<td class="field-why">fuera de tema</td>' in queue


def test_reject_without_a_reason_shows_the_form_again(mod_client, pending_comment):
    response = run_action(mod_client, QUEUE, "reject_with_reason", [pending_comment], post="yes")

    assert "This field is required." in response.content.decode()
    pending_comment.refresh_from_db()
    assert pending_comment.status == Comment.Status.PENDING


def test_reject_needs_the_moderate_permission(client, pending_comment):
    client.force_login(staff_with("view_comment"))

    run_action(
        client, QUEUE, "reject_with_reason", [pending_comment], post="yes", reason_code="spam"
    )

    pending_comment.refresh_from_db()
    assert pending_comment.status == Comment.Status.PENDING


# Why would this be held?


def why_held(client, author, thread, body, parent=""):
    return client.post(
        WHY_HELD, {"author": author.username, "thread": thread.pk, "body": body, "parent": parent}
    )


def test_why_held_says_first_comment_for_a_new_user_and_stores_nothing(
    mod_client, reader, open_thread
):
    comments, events = Comment.objects.count(), ModerationEvent.objects.count()

    response = why_held(mod_client, reader, open_thread, "Hello there.")

    html = response.content.decode()
    assert "first comment" in html
    assert "Result: held for a moderator" in html
    assert (Comment.objects.count(), ModerationEvent.objects.count()) == (comments, events)


def test_why_held_names_a_held_word(mod_client, trusted_reader, open_thread):
    ModerationWord.objects.create(phrase="casino", kind=ModerationWord.Kind.HOLD)

    html = why_held(mod_client, trusted_reader, open_thread, "Visit my Casino.").content.decode()

    assert "held word: casino" in html
    assert "Result: held for a moderator" in html


def test_why_held_shows_a_publishable_text_as_published(mod_client, trusted_reader, open_thread):
    html = why_held(mod_client, trusted_reader, open_thread, "A fair point.").content.decode()

    assert "Result: published" in html
    assert "No rule fires" in html


def test_why_held_shows_a_refusal(mod_client, trusted_reader, closed_thread):
    html = why_held(mod_client, trusted_reader, closed_thread, "Too late?").content.decode()

    assert "Result: refused" in html
    assert "Comments are closed." in html


def test_why_held_reports_an_unknown_user(mod_client, open_thread):
    response = mod_client.post(
        WHY_HELD, {"author": "nobody", "thread": open_thread.pk, "body": "x"}
    )

    assert "There is no user with this username." in response.content.decode()


def test_why_held_needs_the_moderate_permission(client):
    client.force_login(staff_with("view_comment"))

    assert client.get(WHY_HELD).status_code == 403


# Users


def user_page(user):
    return reverse("admin:forum_user_change", args=[user.pk])


def moderator_form(user, **changes):
    """What the user page posts for a moderator: only the moderation fields."""
    data = {
        "premoderated": "on" if user.premoderated else "",
        "suspended_until_0": "",
        "suspended_until_1": "",
        "banned": "on" if user.banned else "",
        "moderator_note": user.moderator_note,
        **changes,
    }
    return {name: value for name, value in data.items() if value != "" or "until" in name}


@pytest.mark.parametrize(
    ("action", "field", "value", "logged", "message"),
    [
        ("premoderate", "premoderated", True, "pre-moderate", "1 user is now pre-moderated."),
        ("ban", "banned", True, "ban", "1 user was banned."),
    ],
)
def test_user_action_restricts_and_logs(
    mod_client, moderator, reader, action, field, value, logged, message
):
    response = run_action(mod_client, USERS, action, [reader])

    assert message in response.content.decode()
    reader.refresh_from_db()
    assert getattr(reader, field) is value
    assert the_event(user=reader, action=logged).actor == moderator


def test_ban_and_remove_comments_removes_each_comment(mod_client, moderator, reader, open_thread):
    comments = CommentFactory.create_batch(2, thread=open_thread, author=reader)

    response = run_action(mod_client, USERS, "ban_and_remove_comments", [reader])

    assert "1 user was banned and their comments removed." in response.content.decode()
    reader.refresh_from_db()
    assert reader.banned
    for comment in comments:
        comment.refresh_from_db()
        assert comment.status == Comment.Status.REMOVED
        assert the_event(comment=comment, action="remove").actor == moderator


def test_suspend_asks_until_when_then_suspends(mod_client, moderator, reader):
    page = run_action(mod_client, USERS, "suspend", [reader]).content.decode()
    assert 'name="until"' in page
    assert 'name="post" value="yes"' in page

    until = timezone.localtime() + timedelta(days=3)
    response = run_action(
        mod_client,
        USERS,
        "suspend",
        [reader],
        post="yes",
        until=until.strftime("%Y-%m-%dT%H:%M"),
        note="Cooling off",
    )

    assert "1 user was suspended." in response.content.decode()
    reader.refresh_from_db()
    assert reader.is_suspended()
    assert reader.moderator_note == "Cooling off"
    event = the_event(user=reader, action__startswith="suspend until")
    assert (event.actor, event.reason) == (moderator, "Cooling off")


def test_suspend_refuses_a_time_in_the_past(mod_client, reader):
    past = timezone.localtime() - timedelta(days=1)

    response = run_action(
        mod_client, USERS, "suspend", [reader], post="yes", until=past.strftime("%Y-%m-%dT%H:%M")
    )

    assert "Choose a time in the future." in response.content.decode()
    reader.refresh_from_db()
    assert reader.suspended_until is None


def test_lift_restrictions_action(mod_client, moderator, reader):
    services.ban(reader, by=moderator)

    response = run_action(mod_client, USERS, "lift_restrictions", [reader])

    assert "1 user may comment again." in response.content.decode()
    reader.refresh_from_db()
    assert not reader.banned
    assert the_event(user=reader, action="lift ban and suspension").actor == moderator


def test_moderator_bans_from_the_user_form_through_the_service(mod_client, moderator, reader):
    response = mod_client.post(
        user_page(reader), moderator_form(reader, banned="on", moderator_note="Spammer")
    )

    assert response.status_code == 302
    reader.refresh_from_db()
    assert reader.banned
    assert reader.moderator_note == "Spammer"
    event = the_event(user=reader, action="ban")
    assert (event.actor, event.reason) == (moderator, "Spammer")


def test_moderator_suspends_and_premoderates_from_the_user_form(mod_client, moderator, reader):
    until = timezone.localtime() + timedelta(days=2)

    mod_client.post(
        user_page(reader),
        moderator_form(
            reader,
            premoderated="on",
            suspended_until_0=until.strftime("%Y-%m-%d"),
            suspended_until_1=until.strftime("%H:%M:%S"),
        ),
    )

    reader.refresh_from_db()
    assert reader.premoderated
    assert reader.is_suspended()
    assert the_event(user=reader, action="pre-moderate").actor == moderator
    assert the_event(user=reader, action__startswith="suspend until").actor == moderator


def test_unbanning_from_the_user_form_keeps_a_suspension(mod_client, moderator, reader):
    until = timezone.now() + timedelta(days=2)
    services.suspend(reader, by=moderator, until=until)
    services.ban(reader, by=moderator)
    local = timezone.localtime(until)

    mod_client.post(
        user_page(reader),
        moderator_form(
            reader,
            banned="",
            suspended_until_0=local.strftime("%Y-%m-%d"),
            suspended_until_1=local.strftime("%H:%M:%S"),
        ),
    )

    reader.refresh_from_db()
    assert not reader.banned
    assert reader.is_suspended()
    assert the_event(user=reader, action="unban").actor == moderator
    assert not ModerationEvent.objects.filter(user=reader, action="end suspension").exists()


def test_saving_the_user_form_unchanged_logs_nothing(mod_client, reader):
    mod_client.post(user_page(reader), moderator_form(reader))

    assert not ModerationEvent.objects.filter(user=reader).exists()


def test_moderator_cannot_change_a_username_or_grant_superuser(mod_client, reader):
    mod_client.post(
        user_page(reader),
        moderator_form(reader, username="renamed", is_superuser="on", is_staff="on"),
    )

    reader.refresh_from_db()
    assert reader.username == "reader"
    assert not reader.is_superuser
    assert not reader.is_staff


def test_moderator_cannot_set_a_password(mod_client, reader):
    url = reverse("admin:auth_user_password_change", args=[reader.pk])

    assert mod_client.get(url).status_code == 403


def test_moderator_user_page_shows_no_password_hash(mod_client, reader):
    html = mod_client.get(user_page(reader)).content.decode()

    assert reader.password not in html
    assert 'name="banned"' in html
    assert 'name="username"' not in html


def test_staff_without_moderate_user_cannot_ban(client, reader):
    client.force_login(staff_with("view_user", "change_user"))

    html = client.get(USERS).content.decode()
    assert 'value="ban"' not in html
    run_action(client, USERS, "ban", [reader])
    client.post(user_page(reader), {"banned": "on"})

    reader.refresh_from_db()
    assert not reader.banned
    assert not ModerationEvent.objects.filter(user=reader).exists()


def test_user_page_shows_comment_history_and_counts(mod_client, reader, open_thread):
    CommentFactory(thread=open_thread, author=reader, body="My published words")
    held(open_thread, author=reader, body="My held words")
    CommentFactory(thread=open_thread, author=reader, status="spam", reason="spam")

    html = mod_client.get(user_page(reader)).content.decode()

    assert "My published words" in html
    assert "My held words" in html
    assert "Pending: <strong>1</strong>" in html
    assert "Published: <strong>1</strong>" in html
    assert "Spam: <strong>1</strong>" in html
    assert "Removed: <strong>0</strong>" in html


def test_users_filter_by_banned(mod_client, moderator, reader):
    banned = UserFactory(username="troll")
    services.ban(banned, by=moderator)

    html = mod_client.get(USERS, {"banned__exact": "1"}).content.decode()

    assert "troll" in html
    assert ">reader<" not in html


# Threads


def test_keep_open_from_the_thread_form_goes_through_the_service(
    mod_client, moderator, open_thread
):
    url = reverse("admin:forum_thread_change", args=[open_thread.pk])

    mod_client.post(url, {"status": "open", "closing_message": "", "keep_open": "on"})

    open_thread.refresh_from_db()
    assert open_thread.keep_open
    assert the_event(thread=open_thread, action="keep open").actor == moderator


def test_thread_list_shows_when_comments_close_by_themselves(mod_client, settings):
    settings.FORUM_AUTO_CLOSE_DAYS = 30
    old = ArticleFactory(
        title="News from last year", published_at=timezone.now() - timedelta(days=60)
    )
    fresh = ArticleFactory(title="News from today")

    closed = mod_client.get(THREADS, {"comments": "closed"}).content.decode()
    opened = mod_client.get(THREADS, {"comments": "open"}).content.decode()

    assert "News from last year" in closed
    assert "News from today" not in closed
    assert "News from today" in opened
    assert fresh.thread.closes_automatically_at is not None
    assert old.thread.is_open is False


def test_keep_open_action(mod_client, moderator, open_thread):
    response = run_action(mod_client, THREADS, "keep_open_action", [open_thread])

    assert "1 thread is kept open on older articles." in response.content.decode()
    assert Thread.objects.get(pk=open_thread.pk).keep_open


# Words and site settings


def test_moderator_adds_a_moderation_word(mod_client):
    mod_client.post(reverse("admin:forum_moderationword_add"), {"phrase": "casino", "kind": "hold"})

    assert ModerationWord.objects.filter(phrase="casino", kind="hold").exists()


def test_site_settings_list_opens_the_single_row(mod_client):
    response = mod_client.get(reverse("admin:forum_sitesettings_changelist"))

    assert response.status_code == 302
    assert response.url == reverse("admin:forum_sitesettings_change", args=[1])
    assert mod_client.get(response.url).status_code == 200


def test_site_settings_are_saved_through_the_service(mod_client, moderator):
    url = reverse("admin:forum_sitesettings_change", args=[1])

    mod_client.post(url, {"read_only": "on"})

    assert SiteSettings.objects.get(pk=1).read_only
    assert the_event(action="site read-only").actor == moderator


def test_site_settings_cannot_be_added_or_deleted(super_client, moderator):
    services.update_site_settings(by=moderator, read_only=False, approve_all_manually=True)

    add = super_client.get(reverse("admin:forum_sitesettings_add"))
    delete = super_client.post(
        reverse("admin:forum_sitesettings_delete", args=[1]), {"post": "yes"}
    )

    assert (add.status_code, delete.status_code) == (403, 403)
    assert SiteSettings.objects.filter(pk=1).exists()


# Reports and the audit log


def test_reports_list_shows_each_report_read_only(mod_client, published_comment):
    report(published_comment, details="Name-calling")
    url = reverse("admin:forum_report_changelist")

    html = mod_client.get(url).content.decode()

    assert "Name-calling" in html
    assert "The first word." in html
    assert mod_client.get(reverse("admin:forum_report_add")).status_code == 403


def test_audit_log_lists_who_did_what(mod_client, moderator, pending_comment):
    services.approve(pending_comment, by=moderator)

    html = mod_client.get(EVENTS, {"action": "approve"}).content.decode()

    assert "Mo Moderator" in html or "mod" in html
    assert "Hello, first time here." in html


def test_audit_log_cannot_be_added_changed_or_deleted_even_by_a_superuser(
    super_client, moderator, pending_comment
):
    services.approve(pending_comment, by=moderator)
    event = ModerationEvent.objects.get(action="approve")

    add = super_client.get(reverse("admin:forum_moderationevent_add"))
    change = super_client.post(
        reverse("admin:forum_moderationevent_change", args=[event.pk]), {"action": "forged"}
    )
    delete = super_client.post(
        reverse("admin:forum_moderationevent_delete", args=[event.pk]), {"post": "yes"}
    )
    bulk = super_client.post(
        EVENTS, {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"}
    )

    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert "delete_selected" not in super_client.get(EVENTS).content.decode()
    assert bulk.status_code in (200, 302)
    event.refresh_from_db()
    assert event.action == "approve"


# The admin index


def test_admin_index_links_to_the_pending_and_reported_queues(mod_client, open_thread):
    held(open_thread)
    held(open_thread)
    report(CommentFactory(thread=open_thread))

    html = mod_client.get(reverse("admin:index")).content.decode()

    assert f'href="{QUEUE}?status=pending"><strong>2</strong> comments awaiting' in html
    assert f'href="{QUEUE}?status=reported"><strong>1</strong> reported comment to review' in html
