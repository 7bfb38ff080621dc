"""Mail is queued, never sent inside a request, and survives a mail server that is down.

Most tests here switch to the database backend, as production runs it, and then play
the worker's part with ``manage.py db_worker --batch``.
"""

import io
import re
import signal

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from forum.mail import queue_mail
from forum.models import Comment, Subscription, Thread

from .factories import CommentFactory, UserFactory
from .mail_backends import DownMailBackend
from .test_project import run_manage

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:forum_comment_changelist")
THREADS = reverse("admin:forum_thread_changelist")
TASK_RESULTS = reverse("admin:django_tasks_database_dbtaskresult_changelist")


@pytest.fixture
def queued(settings):
    """Mail waits in the database for the worker, as in production."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def mail_server_down(settings):
    settings.EMAIL_BACKEND = "tests.mail_backends.DownMailBackend"
    DownMailBackend.tries.clear()
    return DownMailBackend.tries


@pytest.fixture
def mail_server_back(settings):
    """Call to bring the mail server back."""
    return lambda: setattr(
        settings, "EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend"
    )


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def run_worker(monkeypatch):
    """Run the database backend's worker until no task is ready, as cron or a restart would."""
    # The test runs inside a transaction, which the worker's connection check would drop.
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )

    def run():
        handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO())
        finally:
            for sig, handler in handlers.items():  # the worker installs its own
                signal.signal(sig, handler)

    return run


def let_time_pass():
    """Bring the tries queued for later forward to now."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())


def waiting_mails():
    return DBTaskResult.objects.filter(status="READY", task_path="forum.mail.send_mail_task")


@pytest.fixture
def replier(db):
    user = UserFactory(display_name="Rhea Replier")
    CommentFactory(author=user)  # a published comment before: the reply is published too
    return user


def post_reply(client, on_commit, replier, parent):
    client.force_login(replier)
    with on_commit():
        return client.post(
            f"/threads/{parent.thread_id}/comments/",
            {"body": "I disagree.", "parent": parent.pk},
        )


def run_action(client, url, action, objects):
    return client.post(
        url, {"action": action, "_selected_action": [obj.pk for obj in objects]}, follow=True
    )


def test_a_reply_is_posted_at_once_while_the_mail_server_is_down(
    queued, mail_server_down, client, on_commit, replier, published_comment
):
    response = post_reply(client, on_commit, replier, published_comment)

    assert response.status_code == 302
    assert client.get(response.url).status_code == 200
    assert Comment.objects.filter(body="I disagree.", status="published").exists()
    assert mail_server_down == []  # the request never called the mail server
    [announcement] = DBTaskResult.objects.filter(status="READY")
    assert announcement.task_path == "forum.notifications.announce_reply_task"
    assert not waiting_mails().exists()


def test_approving_answers_at_once_while_the_mail_server_is_down(
    queued, mail_server_down, client, on_commit, moderator, pending_comment
):
    client.force_login(moderator)

    with on_commit():
        response = run_action(client, QUEUE, "approve", [pending_comment])

    assert response.status_code == 200
    assert "1 comment was approved." in response.content.decode()
    pending_comment.refresh_from_db()
    assert pending_comment.status == Comment.Status.PUBLISHED
    assert mail_server_down == []
    [waiting] = waiting_mails()
    assert "is published" in waiting.args_kwargs["kwargs"]["message"]["subject"]


def test_closing_a_thread_answers_at_once_while_the_mail_server_is_down(
    queued, mail_server_down, client, on_commit, moderator, open_thread
):
    client.force_login(moderator)

    with on_commit():
        response = run_action(client, THREADS, "close_comments", [open_thread])

    assert "Comments were closed on 1 thread." in response.content.decode()
    assert Thread.objects.get(pk=open_thread.pk).status == Thread.Status.CLOSED
    assert mail_server_down == []


def test_the_worker_tells_each_follower_and_the_author_answered_of_a_reply(
    queued, run_worker, client, on_commit, replier, published_comment
):
    followers = UserFactory.create_batch(3)
    for follower in followers:
        Subscription.objects.create(user=follower, thread=published_comment.thread)
    Subscription.objects.create(user=replier, thread=published_comment.thread)

    post_reply(client, on_commit, replier, published_comment)
    assert mail.outbox == []  # the request only queued the announcement
    run_worker()

    sent = {message.to[0]: message for message in mail.outbox}
    expected = {published_comment.author.email} | {follower.email for follower in followers}
    assert set(sent) == expected  # the replier, who follows too, hears nothing of it
    assert "replied to your comment" in sent[published_comment.author.email].body
    assert "Rhea Replier replied on" in sent[followers[0].email].body


def test_a_reply_taken_down_before_the_worker_runs_is_announced_to_nobody(
    queued, run_worker, client, on_commit, replier, published_comment
):
    post_reply(client, on_commit, replier, published_comment)
    Comment.objects.filter(body="I disagree.").update(status=Comment.Status.REMOVED)

    run_worker()

    assert mail.outbox == []
    [announcement] = DBTaskResult.objects.filter(task_path__endswith="announce_reply_task")
    assert announcement.status == "SUCCESSFUL"


def test_reply_mails_are_written_in_the_language_of_the_page_the_reply_came_from(
    queued, run_worker, client, on_commit, replier, published_comment
):
    client.cookies["django_language"] = "es"
    post_reply(client, on_commit, replier, published_comment)
    run_worker()

    [message] = mail.outbox
    assert message.subject == "[News Forum] Nueva respuesta en «Harbour reopens after storm»"


def test_queued_mail_goes_out_once_the_mail_server_is_back(
    queued,
    mail_server_down,
    mail_server_back,
    run_worker,
    client,
    on_commit,
    replier,
    published_comment,
):
    post_reply(client, on_commit, replier, published_comment)
    run_worker()
    assert mail_server_down == [1]  # tried, and failed
    assert mail.outbox == []

    mail_server_back()
    let_time_pass()
    run_worker()

    [message] = mail.outbox
    assert message.to == [published_comment.author.email]
    assert message.subject == "[News Forum] New reply on “Harbour reopens after storm”"
    assert "Rhea Replier replied to your comment" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert not waiting_mails().exists()


def test_a_failing_send_is_tried_again_after_longer_and_longer_waits(
    queued, mail_server_down, run_worker, client, on_commit, replier, published_comment
):
    post_reply(client, on_commit, replier, published_comment)
    waits = []
    for _ in range(3):
        tried_at = timezone.now()
        run_worker()
        [retry] = waiting_mails()
        waits.append(round((retry.run_after - tried_at).total_seconds() / 60))
        let_time_pass()

    assert waits == [1, 5, 25]
    assert len(mail_server_down) == 3
    assert retry.args_kwargs["kwargs"]["attempt"] == 4
    assert not DBTaskResult.objects.filter(status="FAILED").exists()


def test_a_mail_not_sent_after_the_last_try_is_failed_for_moderators_to_see(
    settings,
    queued,
    mail_server_down,
    run_worker,
    client,
    on_commit,
    replier,
    published_comment,
    moderator,
):
    settings.FORUM_MAIL_ATTEMPTS = 3
    post_reply(client, on_commit, replier, published_comment)
    for _ in range(3):
        run_worker()
        let_time_pass()

    assert len(mail_server_down) == 3
    assert not waiting_mails().exists()
    [failed] = DBTaskResult.objects.filter(status="FAILED")
    assert failed.exception_class_path == "forum.mail.MailNotSent"
    assert "Gave up after try 3" in failed.traceback
    assert "SMTPServerDisconnected" in failed.traceback

    client.force_login(moderator)
    listing = client.get(TASK_RESULTS, {"status__exact": "FAILED"})
    assert listing.status_code == 200
    assert "send_mail_task" in listing.content.decode()
    detail = client.get(
        reverse("admin:django_tasks_database_dbtaskresult_change", args=[failed.pk])
    )
    assert "Gave up after try 3" in detail.content.decode()


def test_a_bug_in_a_mail_fails_at_once_without_retrying(
    queued, run_worker, on_commit, reader, settings
):
    settings.EMAIL_BACKEND = "tests.mail_backends.NoSuchBackend"

    with on_commit():
        queue_mail(mail.EmailMessage("Hello", "Body", to=[reader.email]))
    run_worker()

    assert not waiting_mails().exists()
    [failed] = DBTaskResult.objects.filter(status="FAILED")
    assert "NoSuchBackend" in failed.traceback


def test_password_reset_is_queued_without_its_link_and_the_worker_sends_a_working_one(
    queued, mail_server_down, mail_server_back, run_worker, client, reader
):
    response = client.post(reverse("password_reset"), {"email": reader.email})

    assert response.url == reverse("password_reset_done")
    assert mail_server_down == []
    [waiting] = DBTaskResult.objects.filter(status="READY")
    assert waiting.args_kwargs["kwargs"]["reset"]["user_id"] == reader.pk
    assert "token" not in str(waiting.args_kwargs)  # nothing in the queue opens the account

    mail_server_back()
    run_worker()

    [message] = mail.outbox
    assert message.to == [reader.email]
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)
    assert client.get(link, follow=True).context["validlink"]


def test_password_reset_is_mailed_at_once_with_the_immediate_backend(client, reader):
    client.post(reverse("password_reset"), {"email": reader.email})

    [message] = mail.outbox
    assert "/accounts/reset/" in message.body


def test_a_password_reset_for_an_unknown_address_queues_nothing(queued, client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})

    assert response.url == reverse("password_reset_done")
    assert not DBTaskResult.objects.exists()


def test_production_queues_mail_in_the_database():
    code = "from django_tasks import task_backends; print(type(task_backends['default']).__name__)"

    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="n7Qv-3kPz_w9Lx2RfT8yBcE4mHs6UaJd1oKiGqVZtXeN5bYpW0rS",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "DatabaseBackend"


def test_an_unknown_tasks_backend_stops_the_site_at_start_up():
    result = run_manage("check", FORUM_TASKS_BACKEND="celery")

    assert result.returncode != 0
    assert "FORUM_TASKS_BACKEND must be 'database' or 'immediate'" in result.stderr


def test_the_confirmation_link_is_made_by_the_worker_not_kept_in_the_queue(
    client, queued, on_commit, run_worker
):
    with on_commit():
        response = client.post(
            reverse("forum:signup"),
            {
                "username": "nina",
                "email": "nina@example.org",
                "password1": "a long enough passphrase",
                "password2": "a long enough passphrase",
            },
        )

    assert response.status_code == 302
    assert mail.outbox == []
    queued_task = DBTaskResult.objects.get()
    assert "nina@example.org" not in str(queued_task.args_kwargs)  # moderators can read it

    run_worker()

    assert mail.outbox[0].to == ["nina@example.org"]
    link = re.search(r"http://\S+/accounts/confirm/\S+/", mail.outbox[0].body).group()
    assert client.get(link).status_code == 200
