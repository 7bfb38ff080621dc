"""Proving that a reader owns their e-mail address, and giving them their imported
comments once they have.

Sign-up checks nothing about the address typed in, and the importers hand archived
comments to the account with their author's address: without a proof, whoever registers
a journalist's or a reader's address first would get their comments (and, in the
personal-data download, their IP addresses). So sign-up mails a signed link; opening it
shows a button (mail scanners open links, so a GET changes nothing), and pressing it
marks the address confirmed. Only then do imports match the address to the account
(forum/importers/writer.py), and the imported comments already stored under it without
an account become the reader's, as Disqus does for its guests' comments.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tasks import task

from .links import absolute
from .mail import send_or_retry
from .models import Comment, Thread
from .notifications import mail_to
from .services import after_commit

SALT = "forum.email-confirmation"
VALID_FOR = timedelta(days=3)
# At most one link a minute for each account, so that the button cannot be used to
# flood someone's mailbox.
RESEND_SECONDS = 60

# Why a link confirms nothing, in English; LinkRefused carries them in the reader's language.
DAMAGED = gettext_noop("The link is damaged: copy the whole link from the mail.")
EXPIRED = gettext_noop("The link has expired: links work for %(days)d days.")
STALE = gettext_noop("The link is for an address this account no longer uses.")


class LinkRefused(Exception):
    """The link confirms nothing; ``reason`` says why, in words for the reader."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Confirmed:
    user: object
    claimed: int  # imported comments that became the reader's
    already: bool  # the address was confirmed before


def confirmation_token(user) -> str:
    """A link's token: the account and its address, signed and dated. A change of
    address makes it stale."""
    return signing.dumps({"user": user.pk, "email": user.email}, salt=SALT)


def confirmation_url(user) -> str:
    return absolute(reverse("forum:confirm-email", args=[confirmation_token(user)]))


def send_link(user) -> bool:
    """Have the worker mail ``user`` the link, once the transaction commits; False (and
    no mail) when a link went to them less than ``RESEND_SECONDS`` ago."""
    if not user.email or not cache.add(f"forum:confirmation-sent:{user.pk}", True, RESEND_SECONDS):
        return False
    # Only the account goes into the queue, which moderators can read: the worker makes
    # the link when it sends, as for password resets (forum/mail.py).
    # The worker writes it in the language of the page that asked for it.
    language = translation.get_language()
    after_commit(lambda: send_link_task.enqueue(user_id=user.pk, language=language))
    return True


@task()
def send_link_task(user_id: int, attempt: int = 1, language: str | None = None) -> str:
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return "Nothing sent: the account is gone, inactive or without an address."
    with translation.override(language or settings.LANGUAGE_CODE):
        message = mail_to(
            user,
            _("Confirm your email address"),
            "forum/email/confirm_email.txt",
            {"confirm_url": confirmation_url(user), "valid_days": VALID_FOR.days},
            None,
        )
    return send_or_retry(message, send_link_task, attempt, user_id=user_id, language=language)


def account_for(token: str, *, lock: bool = False):
    """The account a token confirms; raises ``LinkRefused`` when it confirms nothing."""
    try:
        data = signing.loads(token, salt=SALT, max_age=VALID_FOR)
    except signing.SignatureExpired:
        raise LinkRefused(_(EXPIRED) % {"days": VALID_FOR.days}) from None
    except signing.BadSignature:
        raise LinkRefused(_(DAMAGED)) from None
    accounts = get_user_model().objects.filter(pk=data["user"])
    user = (accounts.select_for_update() if lock else accounts).first()
    if user is None or not user.email or user.email != data["email"]:
        raise LinkRefused(_(STALE))
    return user


@transaction.atomic
def confirm(token: str) -> Confirmed:
    """Mark the token's address confirmed and claim its imported comments."""
    # Locked, so that the address cannot change between the check and the claim.
    user = account_for(token, lock=True)
    already = user.email_confirmed_at is not None
    if not already:
        user.email_confirmed_at = timezone.now()
        user.save(update_fields=["email_confirmed_at"])
    return Confirmed(user=user, claimed=claim_imported_comments(user), already=already)


def claim_imported_comments(user) -> int:
    """Give ``user`` the imported comments written under their (confirmed) address that
    no account has; returns how many. Anonymous Disqus posts stay as they are: nobody
    checked their address, so it proves nothing (nor do those whose anonymity is not
    known)."""
    if not user.email or not settings.FORUM_CLAIM_IMPORTED_COMMENTS:
        return 0
    claimable = Comment.objects.filter(
        author__isnull=True, author_anonymous=False, author_email__iexact=user.email
    ).exclude(source_id="")
    threads = set(claimable.values_list("thread_id", flat=True))
    claimed = claimable.update(author=user)
    if claimed:
        # The pages of those threads now show the reader's name: cached copies are stale.
        Thread.objects.filter(pk__in=threads).update(version=F("version") + 1)
    return claimed
