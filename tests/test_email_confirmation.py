"""Confirming a reader's address: the mail sent at sign-up, the link and its button, the
links that do not work, sending it again, and the imported comments claimed on the way."""

import datetime as dt
import importlib
import re
import time

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from forum import email_confirmation
from forum.models import Comment

from .factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

MIGRATION_0011 = importlib.import_module(
    "forum.migrations.0013_email_confirmed_at_author_anonymous"
)

SIGNUP = reverse("forum:signup")
ACCOUNT = reverse("forum:account")
SEND_AGAIN = reverse("forum:send-confirmation-link")


def link_path(user) -> str:
    return reverse("forum:confirm-email", args=[email_confirmation.confirmation_token(user)])


def path_in(mail) -> str:
    """The path of the confirmation link in a mail."""
    return re.search(r"https?://[^/\s]+(/accounts/confirm/\S+/)", mail.body).group(1)


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Mails go out once the transaction commits, which a test's never does by itself."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def confirmed_at(user):
    return get_user_model().objects.get(pk=user.pk).email_confirmed_at


# Sign-up


def sign_up(client, on_commit):
    with on_commit():
        return client.post(
            SIGNUP,
            {
                "username": "newreader",
                "display_name": "New Reader",
                "email": "new@example.org",
                "password1": "a quiet harbour at dawn",
                "password2": "a quiet harbour at dawn",
            },
            follow=True,
        )


def send_again(client, on_commit, **options):
    with on_commit():
        return client.post(SEND_AGAIN, **options)


def test_sign_up_mails_a_link_to_confirm_the_address(client, mailoutbox, on_commit):
    sign_up(client, on_commit)

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["new@example.org"]
    assert mail.subject == "[News Forum] Confirm your email address"
    assert "List-Unsubscribe" not in mail.extra_headers
    user = get_user_model().objects.get(username="newreader")
    assert path_in(mail) == link_path(user)


def test_sign_up_signs_the_reader_in_at_once_with_the_address_unconfirmed(client, on_commit):
    response = sign_up(client, on_commit)

    assert response.context["user"].username == "newreader"
    assert "open the link we sent to new@example.org" in response.content.decode()
    assert get_user_model().objects.get(username="newreader").email_confirmed_at is None


# The link


def test_opening_the_link_shows_a_button_and_confirms_nothing(client, reader):
    response = client.get(link_path(reader))

    assert response.status_code == 200
    html = response.content.decode()
    assert "reader@example.org" in html and "Confirm my address" in html
    assert '<form method="post">' in html
    assert confirmed_at(reader) is None


def test_pressing_the_button_confirms_the_address_even_when_signed_out(client, reader):
    response = client.post(link_path(reader))

    assert response.status_code == 200
    assert "reader@example.org is confirmed" in response.content.decode()
    assert confirmed_at(reader) is not None


def test_pressing_the_button_again_keeps_the_first_confirmation(client, reader):
    client.post(link_path(reader))
    first = confirmed_at(reader)

    response = client.post(link_path(reader))

    assert "was confirmed already" in response.content.decode()
    assert confirmed_at(reader) == first


def test_link_of_the_mail_sent_at_sign_up_confirms(client, mailoutbox, on_commit):
    sign_up(client, on_commit)

    client.post(path_in(mailoutbox[0]))

    assert get_user_model().objects.get(username="newreader").email_confirmed_at is not None


def refused(response, reason: str):
    html = response.content.decode()
    assert response.status_code == 400
    assert reason in html
    assert f'href="{ACCOUNT}"' in html and "Send the link again" in html


@pytest.mark.parametrize("method", ["get", "post"])
def test_damaged_link_is_refused_with_400_and_a_way_to_a_new_one(client, reader, method):
    path = link_path(reader)
    damaged = path[:-2] + ("A/" if path[-2] != "A" else "B/")

    refused(getattr(client, method)(damaged), email_confirmation.DAMAGED)
    assert confirmed_at(reader) is None


def test_link_signed_for_another_purpose_is_refused(client, reader):
    token = signing.dumps({"user": reader.pk, "email": reader.email}, salt="forum.unsubscribe")

    refused(client.post(reverse("forum:confirm-email", args=[token])), email_confirmation.DAMAGED)
    assert confirmed_at(reader) is None


@pytest.mark.parametrize("method", ["get", "post"])
def test_expired_link_is_refused_with_400(client, reader, monkeypatch, method):
    days_ago = time.time() - (email_confirmation.VALID_FOR.days + 1) * 24 * 3600
    monkeypatch.setattr(
        signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(int(days_ago))
    )
    path = link_path(reader)
    monkeypatch.undo()

    refused(getattr(client, method)(path), "The link has expired: links work for 3 days.")
    assert confirmed_at(reader) is None


def test_link_for_an_address_changed_since_is_refused(client, reader):
    path = link_path(reader)
    reader.email = "rita@elsewhere.example"
    reader.save()

    refused(client.post(path), email_confirmation.STALE)
    assert confirmed_at(reader) is None


def test_link_of_an_erased_account_is_refused(client, reader):
    path = link_path(reader)
    reader.delete()

    refused(client.get(path), email_confirmation.STALE)


# The account page and sending the link again


def test_account_page_says_the_address_is_not_confirmed_and_offers_a_new_link(client, reader):
    client.force_login(reader)

    html = client.get(ACCOUNT).content.decode()

    assert "Not confirmed" in html
    assert f'action="{SEND_AGAIN}"' in html and "Send the link again" in html


def test_account_page_says_when_the_address_was_confirmed(client):
    reader = UserFactory(email_confirmed_at=dt.datetime(2025, 3, 9, 12, 0, tzinfo=dt.UTC))
    client.force_login(reader)

    html = client.get(ACCOUNT).content.decode()

    assert "Confirmed" in html and "March 9, 2025" in html
    assert "Send the link again" not in html


def test_send_again_mails_a_new_link_that_works(client, reader, mailoutbox, on_commit):
    client.force_login(reader)

    response = send_again(client, on_commit, follow=True)

    assert "A new link is on its way to reader@example.org." in response.content.decode()
    assert [mail.to for mail in mailoutbox] == [["reader@example.org"]]
    client.post(path_in(mailoutbox[0]))
    assert confirmed_at(reader) is not None


def test_send_again_twice_within_a_minute_is_refused_with_429(
    client, reader, mailoutbox, on_commit
):
    client.force_login(reader)
    send_again(client, on_commit)

    response = send_again(client, on_commit)

    assert response.status_code == 429
    assert "A link was sent less than a minute ago" in response.content.decode()
    assert len(mailoutbox) == 1


def test_send_again_right_after_sign_up_is_refused(client, mailoutbox, on_commit):
    sign_up(client, on_commit)

    assert send_again(client, on_commit).status_code == 429
    assert len(mailoutbox) == 1


def test_send_again_for_a_confirmed_address_sends_nothing(client, mailoutbox, on_commit):
    client.force_login(UserFactory(confirmed=True))

    response = send_again(client, on_commit, follow=True)

    assert "is confirmed already" in response.content.decode()
    assert mailoutbox == []


def test_send_again_is_a_post_for_signed_in_readers(client, reader, mailoutbox, on_commit):
    assert send_again(client, on_commit).status_code == 302  # to log in
    client.force_login(reader)
    with on_commit():
        assert client.get(SEND_AGAIN).status_code == 405
    assert mailoutbox == []


# Claiming imported comments


def imported_comment(**fields):
    fields = {
        "author": None,
        "author_name": "Rita (old site)",
        "author_email": "Reader@Example.ORG",
        "ip_address": "127.0.0.2",
        "source_id": f"wordpress:https://old.example:1:{Comment.objects.count() + 1}",
        **fields,
    }
    return CommentFactory(**fields)


def test_confirming_claims_the_imported_comments_of_the_address_and_says_how_many(client, reader):
    first, second = imported_comment(), imported_comment()

    response = client.post(link_path(reader))

    assert "2 comments you wrote under this address" in response.content.decode()
    assert set(Comment.objects.filter(author=reader)) == {first, second}


def test_confirming_leaves_comments_that_are_someone_elses_or_not_imported(client, reader):
    others = UserFactory(username="other", email="reader@example.org", confirmed=True)
    theirs = imported_comment(author=others)
    written_here = imported_comment(source_id="")
    disqus_guest = imported_comment(source_id="disqus:old:1", author_anonymous=True)
    unknown = imported_comment(source_id="disqus:old:2", author_anonymous=None)
    another_address = imported_comment(author_email="someone@example.org")

    response = client.post(link_path(reader))

    assert "comments you wrote" not in response.content.decode()
    assert not Comment.objects.filter(author=reader).exists()
    for comment in (theirs, written_here, disqus_guest, unknown, another_address):
        comment.refresh_from_db()
    assert theirs.author == others
    assert {written_here.author, disqus_guest.author, unknown.author} == {None}
    assert another_address.author is None


def test_disqus_posts_imported_before_anonymity_was_kept_are_never_claimed(client, reader):
    earlier = imported_comment(source_id="disqus:old:3", author_anonymous=False)
    wordpress = imported_comment()
    MIGRATION_0011.anonymity_of_earlier_disqus_posts_is_unknown(apps, None)

    client.post(link_path(reader))

    earlier.refresh_from_db()
    assert earlier.author is None and earlier.author_anonymous is None
    assert list(Comment.objects.filter(author=reader)) == [wordpress]


def test_claimed_comments_show_the_readers_name_even_on_a_page_cached_for_visitors(client, reader):
    article = ArticleFactory(slug="old-story")
    imported_comment(thread=article.thread, body="Said on the old site.")
    assert "Rita (old site)" in client.get(article.get_absolute_url()).content.decode()

    client.post(link_path(reader))

    page = client.get(article.get_absolute_url()).content.decode()
    assert "Rita Reader" in page and "Rita (old site)" not in page


def test_claimed_comments_are_in_the_readers_data_download(client, reader):
    imported_comment(body="Said on the old site.")
    client.post(link_path(reader))
    client.force_login(reader)

    data = client.get(reverse("forum:account-data")).json()

    assert [comment["body"] for comment in data["comments"]] == ["Said on the old site."]
    assert data["profile"]["email_confirmed_at"] is not None


# The user admin


def user_page(user):
    return reverse("admin:forum_user_change", args=[user.pk])


def superuser_form(user, **changes):
    """What a superuser's user page posts, unchanged but for ``changes``."""
    local = timezone.localtime

    def split(moment):
        return (local(moment).strftime("%Y-%m-%d"), local(moment).strftime("%H:%M:%S"))

    confirmed = split(user.email_confirmed_at) if user.email_confirmed_at else ("", "")
    data = {
        "username": user.username,
        "display_name": user.display_name,
        "first_name": "",
        "last_name": "",
        "email": user.email,
        "email_confirmed_at_0": confirmed[0],
        "email_confirmed_at_1": confirmed[1],
        "suspended_until_0": "",
        "suspended_until_1": "",
        "moderator_note": "",
        "is_active": "on",
        "date_joined_0": split(user.date_joined)[0],
        "date_joined_1": split(user.date_joined)[1],
        "last_login_0": "",
        "last_login_1": "",
        **changes,
    }
    return data


@pytest.fixture
def super_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_moderator_sees_when_the_address_was_confirmed_but_cannot_change_it(client, moderator):
    reader = UserFactory(email_confirmed_at=dt.datetime(2025, 3, 9, 12, 0, tzinfo=dt.UTC))
    client.force_login(moderator)

    html = client.get(user_page(reader)).content.decode()

    assert "Email confirmed at" in html and "March 9, 2025" in html
    assert 'name="email_confirmed_at_0"' not in html


def test_superuser_confirms_an_address_from_the_user_page(super_client, reader):
    response = super_client.post(
        user_page(reader),
        superuser_form(reader, email_confirmed_at_0="2025-03-09", email_confirmed_at_1="12:00:00"),
    )

    assert response.status_code == 302
    assert confirmed_at(reader) is not None


def test_changing_the_address_in_the_admin_forgets_the_confirmation(super_client):
    reader = UserFactory(confirmed=True)

    response = super_client.post(user_page(reader), superuser_form(reader, email="new@example.org"))

    assert response.status_code == 302
    reader.refresh_from_db()
    assert reader.email == "new@example.org"
    assert reader.email_confirmed_at is None
