"""A reader's personal data: the account page, downloading it, erasing the account; and the
same two for moderators in the admin."""

import json

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import ProtectedError, RestrictedError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from forum import personal_data, services
from forum.models import Comment, CommentRevision, ModerationEvent, Report, Subscription, Thread

from .factories import ArticleFactory, CommentFactory, ModeratorFactory, UserFactory
from .test_project import run_manage

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
ACCOUNT = reverse("forum:account")
DOWNLOAD = reverse("forum:account-data")
ERASE = reverse("forum:account-erase")


@pytest.fixture
def reader_client(reader):
    client = Client()
    client.force_login(reader)
    return client


@pytest.fixture
def other_reader(db):
    return UserFactory(username="otto", display_name="Otto Other", email="otto@example.org")


@pytest.fixture
def readers_comment(open_thread, reader):
    """Rita's comment, edited once, with an IP address and what an import brought along."""
    comment = CommentFactory(
        thread=open_thread,
        author=reader,
        body="The harbour wall needs raising.",
        ip_address="127.0.0.1",
        author_email="rita@old-blog.example",
        author_url="https://rita.example/",
        user_agent="TestBrowser/1.0",
        edited_at=timezone.now(),
    )
    CommentRevision.objects.create(
        comment=comment, body="The harbour wall needs fixing.", written_at=comment.created_at
    )
    return comment


@pytest.fixture
def others_reply(readers_comment, other_reader):
    return CommentFactory(
        thread=readers_comment.thread,
        parent=readers_comment,
        author=other_reader,
        body="Otto agrees about the wall.",
    )


def erase(client, password=PASSWORD):
    return client.post(ERASE, {"password": password})


def superuser_client():
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def admin_url(name, user):
    return reverse(f"admin:forum_user_{name}", args=[user.pk])


# The account page


def test_account_page_shows_the_readers_name_email_and_what_they_can_do(reader_client):
    html = reader_client.get(ACCOUNT).content.decode()

    assert "Rita Reader" in html
    assert "reader@example.org" in html
    assert f'href="{reverse("password_change")}"' in html
    assert f'href="{DOWNLOAD}">Download my data</a>' in html
    assert f'href="{ERASE}">Erase my account</a>' in html


def test_header_links_to_the_account_page(reader_client, article):
    html = reader_client.get(article.get_absolute_url()).content.decode()

    assert f'<a href="{ACCOUNT}">Your account</a>' in html


@pytest.mark.parametrize("url", [ACCOUNT, DOWNLOAD, ERASE])
def test_account_pages_need_log_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# Download


def test_download_is_a_json_attachment_named_for_the_reader(reader_client):
    response = reader_client.get(DOWNLOAD)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="newsforum-data-reader.json"'
    assert "no-store" in response["Cache-Control"]


def test_download_holds_the_readers_comments_reports_and_subscriptions_and_nothing_of_others(
    reader_client, reader, readers_comment, others_reply, other_reader, open_thread
):
    services.report_comment(others_reply, reporter=reader, reason="abuse", details="Too rude.")
    services.follow_thread(open_thread, user=reader)
    # What the other reader has: none of it may show in Rita's file.
    other_thread = ArticleFactory(title="Otto's favourite story").thread
    CommentFactory(thread=other_thread, author=other_reader, body="Otto's own words.")
    services.report_comment(readers_comment, reporter=other_reader, reason="spam", details="Otto")
    services.follow_thread(other_thread, user=other_reader)

    content = reader_client.get(DOWNLOAD).content.decode()
    data = json.loads(content)

    assert data["profile"]["username"] == "reader"
    assert data["profile"]["email"] == "reader@example.org"
    assert data["profile"]["mail_preferences"]["replies_to_my_comments"] is True
    assert data["profile"]["restrictions"]["banned"] is False
    [comment] = data["comments"]
    assert comment["body"] == "The harbour wall needs raising."
    assert comment["article"]["title"] == "Harbour reopens after storm"
    assert comment["article"]["url"].endswith("/harbour-reopens/")
    assert comment["status"] == "published"
    assert comment["ip_address"] == "127.0.0.1"
    assert comment["edited_at"] is not None
    assert [text["body"] for text in comment["earlier_texts"]] == ["The harbour wall needs fixing."]
    [report] = data["reports"]
    assert (report["reason"], report["details"]) == ("abuse", "Too rude.")
    assert report["comment"]["id"] == others_reply.pk
    [subscription] = data["subscriptions"]
    assert subscription["article"]["title"] == "Harbour reopens after storm"
    for trace in ("Otto", "otto@example.org", "Otto agrees", "favourite story"):
        assert trace not in content


def test_download_makes_the_same_few_queries_however_many_comments(
    reader, open_thread, django_assert_max_num_queries
):
    for number in range(20):
        comment = CommentFactory(thread=ArticleFactory().thread, author=reader)
        CommentRevision.objects.create(
            comment=comment, body=f"v{number}", written_at=timezone.now()
        )
        services.follow_thread(comment.thread, user=reader)

    with django_assert_max_num_queries(4):
        data = personal_data.export_user_data(reader)

    assert len(data["comments"]) == len(data["subscriptions"]) == 20


# Erase by the reader


def test_erase_with_a_wrong_password_changes_nothing(
    reader_client, reader, readers_comment, open_thread
):
    services.follow_thread(open_thread, user=reader)

    response = erase(reader_client, password="not my password")

    assert response.status_code == 400
    assert "That is not your password. Nothing was erased." in response.content.decode()
    assert get_user_model().objects.filter(pk=reader.pk).exists()
    readers_comment.refresh_from_db()
    assert readers_comment.author == reader
    assert readers_comment.ip_address == "127.0.0.1"
    assert Subscription.objects.filter(user=reader).exists()
    assert not ModerationEvent.objects.filter(action=personal_data.ERASE_ACTION).exists()
    assert reader_client.get(ACCOUNT).status_code == 200  # still signed in


def test_erase_logs_the_reader_out_and_lands_on_the_home_page_with_a_message(reader_client, reader):
    response = erase(reader_client)

    assert response.status_code == 302
    assert response.url == reverse("articles:list")
    assert not get_user_model().objects.filter(username="reader").exists()
    home = reader_client.get(response.url).content.decode()
    assert "Your account is erased." in home
    assert ">Log in</a>" in home


def test_erase_anonymises_comments_even_on_a_page_cached_for_visitors(
    client, reader_client, readers_comment, others_reply, article
):
    assert "Rita Reader" in client.get(article.get_absolute_url()).content.decode()  # cached

    erase(reader_client)

    page = client.get(article.get_absolute_url()).content.decode()
    assert "[deleted user]" in page
    assert "The harbour wall needs raising." in page
    assert "Otto agrees about the wall." in page
    assert "Rita Reader" not in page
    assert ">reader<" not in page


def test_erase_clears_what_the_forum_knew_of_the_author_and_keeps_the_text(
    reader_client, reader, readers_comment, others_reply, other_reader, open_thread
):
    services.report_comment(others_reply, reporter=reader, reason="spam", details="Rita says")
    decided = CommentFactory(thread=open_thread, body="Already decided on.")
    services.report_comment(decided, reporter=reader, reason="spam")
    Report.objects.filter(comment=decided).update(resolved_at=timezone.now())
    services.follow_thread(open_thread, user=reader)
    services.report_comment(readers_comment, reporter=other_reader, reason="abuse")

    erase(reader_client)

    readers_comment.refresh_from_db()
    assert readers_comment.author is None
    assert readers_comment.author_display_name == "[deleted user]"
    assert readers_comment.ip_address is None
    assert (readers_comment.author_email, readers_comment.author_url) == ("", "")
    assert readers_comment.user_agent == ""
    assert readers_comment.body == "The harbour wall needs raising."
    assert readers_comment.revisions.count() == 1  # anonymised: the earlier text stays too
    # The open report stays in the moderators' queue, without who made it or their words.
    kept = Report.objects.get(comment=others_reply)
    assert (kept.reporter, kept.details, kept.reason) == (None, "", "spam")
    assert not Report.objects.filter(comment=decided).exists()
    assert not Subscription.objects.exists()
    # Another reader's report about the comment is theirs, and the moderators'.
    assert Report.objects.filter(comment=readers_comment, reporter=other_reader).exists()


def test_erase_keeps_the_thread_counts_when_anonymising(
    reader_client, readers_comment, others_reply, open_thread
):
    erase(reader_client)

    thread = Thread.objects.get(pk=open_thread.pk)
    assert (thread.published_count, thread.root_count) == (2, 1)


@pytest.fixture
def remove_mode(settings):
    settings.FORUM_ERASE_COMMENTS = "remove"


def test_remove_mode_deletes_the_text_and_leaves_comment_deleted_above_replies(
    client, remove_mode, reader, reader_client, readers_comment, others_reply, article
):
    lonely = CommentFactory(thread=article.thread, author=reader, body="Nobody answered this.")

    erase(reader_client)

    page = client.get(article.get_absolute_url()).content.decode()
    assert "[comment deleted]" in page
    assert "Otto agrees about the wall." in page
    assert "The harbour wall needs raising." not in page
    assert "Nobody answered this." not in page
    assert "[deleted user]" not in page  # nothing of theirs is left to sign
    readers_comment.refresh_from_db()
    assert (readers_comment.body, readers_comment.body_html) == ("", "")
    assert readers_comment.deleted_at is not None
    assert not CommentRevision.objects.exists()
    assert Comment.objects.filter(pk=lonely.pk).exists()  # rows stay: replies hang on them
    thread = Thread.objects.get(pk=article.thread.pk)
    assert thread.published_count == Comment.objects.counted().filter(thread=thread).count() == 1
    assert thread.root_count == 1


def test_remove_mode_takes_a_waiting_comment_out_of_the_queue(remove_mode, reader, open_thread):
    waiting = CommentFactory(thread=open_thread, author=reader, status=Comment.Status.PENDING)

    personal_data.erase_user(reader)

    waiting.refresh_from_db()
    assert waiting.status == Comment.Status.REMOVED
    assert not Comment.objects.awaiting_moderation().exists()


def test_audit_log_keeps_its_rows_without_the_name_or_the_notes_about_them(
    reader_client, reader, moderator, readers_comment, others_reply
):
    # Reported before the suspension: a suspended reader cannot report.
    services.report_comment(others_reply, reporter=reader, reason="spam")
    services.suspend(
        reader, by=moderator, until=timezone.now() + timezone.timedelta(days=1), note="Rita again"
    )
    services.remove(readers_comment, by=moderator)
    rows_before = ModerationEvent.objects.count()

    erase(reader_client)

    assert ModerationEvent.objects.count() == rows_before + 1
    suspension = ModerationEvent.objects.get(action__startswith="suspend until")
    assert (suspension.user, suspension.reason) == (None, "")
    assert suspension.actor_name == "mod"  # the moderator's own record stays theirs
    report = ModerationEvent.objects.get(action="report")
    assert (report.actor, report.actor_name) == (None, "[deleted user]")
    removal = ModerationEvent.objects.get(action="remove")
    assert (removal.from_status, removal.to_status) == ("published", "removed")
    assert removal.comment == readers_comment
    erased = ModerationEvent.objects.get(action="erase account")
    assert erased.actor_name == "[deleted user]"
    assert erased.reason == "by its owner; 1 comment anonymised"
    for event in ModerationEvent.objects.all():
        assert "reader" not in event.actor_name and "Rita" not in event.reason


def test_erase_drops_the_byline_of_an_editors_article_from_cached_pages(client):
    editor = UserFactory(username="editor", display_name="Edna Editor", is_staff=True)
    article = ArticleFactory(author=editor)
    assert "Edna Editor" in client.get(article.get_absolute_url()).content.decode()  # cached

    personal_data.erase_user(editor)

    assert "Edna Editor" not in client.get(article.get_absolute_url()).content.decode()


def test_erase_takes_the_name_out_of_the_admin_history_of_the_account(reader, moderator):
    LogEntry.objects.log_actions(
        user_id=moderator.pk, queryset=[reader], action_flag=CHANGE, change_message="Changed email."
    )

    personal_data.erase_user(reader)

    assert list(LogEntry.objects.values_list("object_repr", flat=True)) == ["[deleted user]"]


def test_erase_refreshes_every_thread_once(reader):
    threads = [ArticleFactory().thread for _ in range(3)]
    for thread in threads:
        CommentFactory.create_batch(2, thread=thread, author=reader)
    versions = {thread.pk: Thread.objects.get(pk=thread.pk).version for thread in threads}

    personal_data.erase_user(reader)

    for thread in Thread.objects.filter(pk__in=versions):
        assert thread.version == versions[thread.pk] + 1


def test_erase_refuses_an_unknown_comment_mode(reader):
    with pytest.raises(ValueError, match="anonymise, remove"):
        personal_data.erase_user(reader, comments="shred")

    assert get_user_model().objects.filter(pk=reader.pk).exists()


def test_a_bad_erase_setting_stops_the_site_from_starting():
    result = run_manage("check", FORUM_ERASE_COMMENTS="shred")

    assert result.returncode != 0
    assert "FORUM_ERASE_COMMENTS must be 'anonymise' or 'remove', not 'shred'." in result.stderr


# From the admin


def test_superuser_downloads_a_readers_data_and_the_log_says_so(reader, readers_comment):
    client = superuser_client()

    response = client.get(admin_url("personal_data", reader))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="newsforum-data-reader.json"'
    assert json.loads(response.content)["comments"][0]["body"] == readers_comment.body
    event = ModerationEvent.objects.get(action="download personal data")
    assert (event.actor_name, event.user) == ("root", reader)


def test_user_page_offers_the_personal_data_buttons_to_who_may_use_them(
    reader, mod_client, staff_client
):
    superuser_page = superuser_client().get(admin_url("change", reader)).content.decode()
    moderator_page = mod_client.get(admin_url("change", reader)).content.decode()
    staff_page = staff_client.get(admin_url("change", reader)).content.decode()

    for page in (superuser_page, moderator_page):
        assert ">Download personal data</a>" in page
        assert ">Erase account</a>" in page
    assert "Download personal data" not in staff_page
    assert "Erase account" not in staff_page


@pytest.fixture
def mod_client(moderator):
    client = Client()
    client.force_login(moderator)
    return client


@pytest.fixture
def staff_client():
    """Staff who may use the admin but not restrict readers (no Moderators group)."""
    client = Client()
    client.force_login(UserFactory(username="clerk", is_staff=True))
    return client


@pytest.mark.parametrize("name", ["personal_data", "erase"])
def test_staff_who_may_not_restrict_readers_get_403(staff_client, reader, name):
    assert staff_client.get(admin_url(name, reader)).status_code == 403
    assert staff_client.post(admin_url(name, reader), {"comments": "remove"}).status_code == 403

    assert get_user_model().objects.filter(pk=reader.pk).exists()


def test_moderator_downloads_and_erases_a_readers_account(mod_client, reader, readers_comment):
    download = mod_client.get(admin_url("personal_data", reader))
    erased = mod_client.post(admin_url("erase", reader), {"comments": "anonymise"})

    assert json.loads(download.content)["comments"][0]["body"] == readers_comment.body
    assert erased.status_code == 302
    assert not get_user_model().objects.filter(pk=reader.pk).exists()


def test_only_a_superuser_handles_a_staff_account(mod_client):
    colleague = ModeratorFactory(username="colleague")

    assert mod_client.get(admin_url("personal_data", colleague)).status_code == 403
    assert mod_client.post(admin_url("erase", colleague), {"comments": "remove"}).status_code == 403
    assert get_user_model().objects.filter(pk=colleague.pk).exists()
    assert superuser_client().get(admin_url("personal_data", colleague)).status_code == 200


@pytest.fixture
def editor_client():
    """A moderator who may also delete users, and so erase them."""
    editor = ModeratorFactory(username="editor")
    editor.user_permissions.add(Permission.objects.get(codename="delete_user"))
    client = Client()
    client.force_login(editor)
    return client


def test_erase_page_asks_which_way_and_defaults_to_the_setting(editor_client, reader):
    response = editor_client.get(admin_url("erase", reader))

    assert response.status_code == 200
    assert "Erase the account “reader”" in response.content.decode()
    assert 'value="remove"' in response.content.decode()
    assert response.context["form"]["comments"].value() == "anonymise"


def test_moderator_with_delete_user_erases_an_account_removing_its_comments(
    editor_client, reader, readers_comment, others_reply
):
    response = editor_client.post(admin_url("erase", reader), {"comments": "remove"}, follow=True)

    assert "The account “reader” was erased; 1 comment removed." in response.content.decode()
    assert not get_user_model().objects.filter(username="reader").exists()
    readers_comment.refresh_from_db()
    assert (readers_comment.body, readers_comment.author_name) == ("", "[deleted user]")
    erased = ModerationEvent.objects.get(action="erase account")
    assert (erased.actor_name, erased.reason) == ("editor", "by a moderator; 1 comment removed")


def test_erase_from_the_admin_without_a_choice_changes_nothing(editor_client, reader):
    response = editor_client.post(admin_url("erase", reader), {})

    assert response.status_code == 400
    assert get_user_model().objects.filter(pk=reader.pk).exists()


def test_moderator_cannot_erase_a_superuser_but_a_superuser_can(editor_client):
    boss = UserFactory(username="boss", is_staff=True, is_superuser=True)

    assert editor_client.post(admin_url("erase", boss), {"comments": "remove"}).status_code == 403
    assert editor_client.get(admin_url("personal_data", boss)).status_code == 403
    assert (
        superuser_client().post(admin_url("erase", boss), {"comments": "remove"}).status_code == 302
    )
    assert not get_user_model().objects.filter(username="boss").exists()


def test_nobody_erases_themselves_from_the_admin():
    client = Client()
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)

    response = client.post(admin_url("erase", root), {"comments": "remove"}, follow=True)

    assert get_user_model().objects.filter(pk=root.pk).exists()
    # Not a bare 403: the page says why, and where readers and staff erase their own.
    assert response.redirect_chain[-1][0] == reverse("admin:forum_user_change", args=[root.pk])
    assert "You cannot erase your own account here" in response.content.decode()


def test_deleting_a_user_in_the_admin_erases_them(editor_client, reader, readers_comment):
    response = editor_client.post(
        reverse("admin:forum_user_changelist"),
        {"action": "delete_selected", "_selected_action": [reader.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert not get_user_model().objects.filter(pk=reader.pk).exists()
    readers_comment.refresh_from_db()
    assert (readers_comment.author_name, readers_comment.ip_address) == ("[deleted user]", None)
    assert ModerationEvent.objects.filter(action="erase account", actor_name="editor").exists()


def test_the_admins_delete_keeps_the_erase_rules(editor_client):
    boss = UserFactory(username="boss", is_staff=True, is_superuser=True)

    response = editor_client.post(
        reverse("admin:forum_user_changelist"),
        {"action": "delete_selected", "_selected_action": [boss.pk], "post": "yes"},
    )

    assert response.status_code == 403
    assert get_user_model().objects.filter(pk=boss.pk).exists()


# Deleting an account, whichever way: the discussion stays


def erase_in_the_admin(reader):
    client = Client()
    editor = ModeratorFactory(username="editor")
    editor.user_permissions.add(Permission.objects.get(codename="delete_user"))
    client.force_login(editor)
    response = client.post(
        reverse("admin:forum_user_changelist"),
        {"action": "delete_selected", "_selected_action": [reader.pk], "post": "yes"},
    )
    assert response.status_code == 302


def delete_on_its_admin_page(reader):
    response = superuser_client().post(
        reverse("admin:forum_user_delete", args=[reader.pk]), {"post": "yes"}
    )
    assert response.status_code == 302


def erase_removing_the_text(reader):
    response = superuser_client().post(admin_url("erase", reader), {"comments": "remove"})
    assert response.status_code == 302


def erase_from_the_account_page(reader):
    client = Client()
    client.force_login(reader)
    assert erase(client).status_code == 302


@pytest.mark.parametrize(
    "delete_account",
    [
        erase_in_the_admin,
        delete_on_its_admin_page,
        erase_removing_the_text,
        erase_from_the_account_page,
    ],
)
def test_a_reply_outlives_its_parents_author_however_the_account_goes(
    client, reader, readers_comment, others_reply, article, delete_account
):
    delete_account(reader)

    assert not get_user_model().objects.filter(pk=reader.pk).exists()
    readers_comment.refresh_from_db()
    assert readers_comment.author_name == "[deleted user]"
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Otto agrees about the wall." in page
    assert "Otto Other" in page
    assert Comment.objects.get(pk=others_reply.pk).parent_id == readers_comment.pk


@pytest.mark.parametrize(
    "plain_delete",
    [
        lambda user: user.delete(),
        lambda user: get_user_model().objects.filter(pk=user.pk).delete(),
    ],
    ids=["instance", "queryset"],
)
def test_a_plain_delete_of_an_account_with_comments_is_refused(
    reader, readers_comment, others_reply, plain_delete
):
    # From the shell or a script: the comments would lose their "[deleted user]" and keep
    # the author's IP address, so only erasing deletes such an account.
    with pytest.raises(ProtectedError):
        plain_delete(reader)

    assert get_user_model().objects.filter(pk=reader.pk).exists()
    assert Comment.objects.filter(pk__in=[readers_comment.pk, others_reply.pk]).count() == 2


def test_an_account_without_comments_can_still_be_deleted_plainly(other_reader):
    other_reader.delete()

    assert not get_user_model().objects.filter(pk=other_reader.pk).exists()


def test_deleting_a_comment_with_replies_is_refused_and_keeps_the_replies(
    readers_comment, others_reply
):
    with pytest.raises(RestrictedError):
        readers_comment.delete()

    assert Comment.objects.filter(pk=others_reply.pk).exists()


def test_deleting_an_article_still_deletes_its_whole_discussion(
    article, readers_comment, others_reply
):
    article.delete()

    assert not Comment.objects.exists()
