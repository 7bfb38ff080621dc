"""Mail leaves from a background task, never from inside a reader's request.

Whatever causes a mail only queues it (``queue_mail``), once its transaction has
committed; a worker sends it, one task per mail. In production the tasks wait in the
database until ``manage.py db_worker`` picks them up; in development and tests the
immediate backend sends at once (settings: ``TASKS``, ``FORUM_TASKS_BACKEND``).

When the mail server cannot be reached or refuses (``OSError``, which covers
``smtplib.SMTPException`` and timeouts), the task queues itself again for later: after
1, 5, 25, 125 and 625 minutes, ``FORUM_MAIL_ATTEMPTS`` tries in all. An attempt that
queued the next one is recorded as successful, its result saying so; the last one fails,
and stays "Failed" in the admin's task results, with the error, for moderators to see.
Any other error is a bug: it fails at once, also visible there. The immediate backend
cannot wait, so in development a failed send is logged and not tried again.

Task arguments are stored as JSON in the queue, which moderators can read in the admin:
nothing secret goes in them. That is why a password reset is queued as "who and where",
and its one-use link is made by the worker when it sends.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.template import loader
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task


class MailNotSent(Exception):
    """The mail server refused the mail, or could not be reached, on every try."""


def queue_mail(message: EmailMessage) -> None:
    """Have the worker send ``message``. Call it once the transaction that caused the mail
    has committed (the services use ``after_commit``), so that a rolled-back change mails
    nobody. Plain text and HTML alternatives only: attachments are not queued."""
    if message.attachments:
        raise ValueError("Queued mails cannot carry attachments.")
    stored = {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "alternatives": [
            [content, mimetype] for content, mimetype in getattr(message, "alternatives", [])
        ],
    }
    send_mail_task.enqueue(message=stored)


def queue_password_reset(
    *,
    user,
    domain: str,
    site_name: str,
    protocol: str,
    subject_template_name: str,
    email_template_name: str,
    html_email_template_name: str | None = None,
    from_email: str | None = None,
) -> None:
    """Have the worker send a password reset link to ``user``."""
    reset = {
        "user_id": user.pk,
        "domain": domain,
        "site_name": site_name,
        "protocol": protocol,
        "subject_template_name": subject_template_name,
        "email_template_name": email_template_name,
        "html_email_template_name": html_email_template_name,
        "from_email": from_email,
        # The worker writes the mail in the language of the page that asked for it.
        "language": translation.get_language(),
    }
    send_password_reset_task.enqueue(reset=reset)


def retry_delay(attempt: int) -> timedelta:
    """How long to wait after failed try number ``attempt``: 1, 5, 25, 125... minutes."""
    return timedelta(minutes=5 ** (attempt - 1))


def _try_again_later(task, error: OSError, attempt: int, **arguments) -> str:
    if attempt >= settings.FORUM_MAIL_ATTEMPTS or not task.get_backend().supports_defer:
        raise MailNotSent(f"Gave up after try {attempt}: {error!r}") from error
    when = timezone.now() + retry_delay(attempt)
    task.using(run_after=when).enqueue(attempt=attempt + 1, **arguments)
    return (
        f"Try {attempt} failed ({error!r}); "
        f"try {attempt + 1} is queued for {when:%Y-%m-%d %H:%M} UTC."
    )


def send_or_retry(email: EmailMessage, task, attempt: int, **arguments) -> str:
    """Send ``email``; if the server fails, queue ``task`` with ``arguments`` for later."""
    try:
        email.send()
    except OSError as error:
        return _try_again_later(task, error, attempt, **arguments)
    return f"Sent to {', '.join(email.recipients())}."


@task()
def send_mail_task(message: dict, attempt: int = 1) -> str:
    """Send a mail that ``queue_mail`` stored."""
    email = EmailMultiAlternatives(
        subject=message["subject"],
        body=message["body"],
        from_email=message["from_email"],
        to=message["to"],
        cc=message["cc"],
        bcc=message["bcc"],
        reply_to=message["reply_to"],
        headers=message["headers"],
        alternatives=[tuple(alternative) for alternative in message["alternatives"]],
    )
    return send_or_retry(email, send_mail_task, attempt, message=message)


@task()
def send_password_reset_task(reset: dict, attempt: int = 1) -> str:
    """Make a fresh one-use link and mail it, as Django's ``PasswordResetForm`` would."""
    user = get_user_model().objects.filter(pk=reset["user_id"], is_active=True).first()
    if user is None or not user.email or not user.has_usable_password():
        return "Nothing sent: the account is gone, inactive or without a password."
    context = {
        "email": user.email,
        "domain": reset["domain"],
        "site_name": reset["site_name"],
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": reset["protocol"],
    }
    render = loader.render_to_string
    with translation.override(reset.get("language") or settings.LANGUAGE_CODE):
        subject = "".join(render(reset["subject_template_name"], context).splitlines())
        body = render(reset["email_template_name"], context)
        html = reset["html_email_template_name"] and render(
            reset["html_email_template_name"], context
        )
    email = EmailMultiAlternatives(subject, body, reset["from_email"], [user.email])
    if html:
        email.attach_alternative(html, "text/html")
    return send_or_retry(email, send_password_reset_task, attempt, reset=reset)
