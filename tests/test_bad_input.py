"""Bad input, a catalogue: each case is a test.

Whatever a browser, a script or an attacker sends, the answer is a clear message with the
right status, and never a 500: the test client raises the exception of a view that fails,
so such a case fails here. A refused request changes nothing stored (``stored()`` is the
same before and after). Run on SQLite and on PostgreSQL: NUL characters and numbers past
a bigint are refused by PostgreSQL itself, and must not reach it.

Who may do what is tests/test_permissions.py's; here every request is one the actor may
make, with a bad value in it.
"""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from forum import notifications
from forum.admin_site import DAMAGED_SELECTION
from forum.middleware import NUL_IN_ADDRESS
from forum.models import Comment, CommentRevision, ModerationEvent, Report, Subscription
from forum.moderation import COMMENTS_CLOSED, NOTHING_TO_FOLLOW, PARENT_UNAVAILABLE

from .factories import ArticleFactory, CommentFactory, ModeratorFactory, UserFactory

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999999"
PAST_BIGINT = str(2**63)  # one more than PostgreSQL's largest bigint
MEGABYTE = 2**20
NOT_FOUND = "The requested resource was not found on this server."
CSRF_FAILED = "CSRF verification failed. Request aborted."
REQUIRED = "Please write a comment before posting."
TOO_LONG = "Comments can be at most 5000 characters long (this one has {})."
NUL_REFUSED = "Null characters are not allowed."
CONTROL_REFUSED = "This text contains a control character (U+{})"
PASSWORD = "correct horse battery staple"  # the factories' password
EVIL_NEXTS = [
    "//evil.example/",
    "https://evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "https:evil.example",
    "javascript:alert(1)",
    " //evil.example/",
]


def stored():
    """Everything a reader's or a moderator's request may write."""
    return {
        "comments": list(
            Comment.objects.order_by("pk").values_list(
                "pk", "body", "status", "parent_id", "deleted_at", "edited_at"
            )
        ),
        "revisions": CommentRevision.objects.count(),
        "reports": Report.objects.count(),
        "subscriptions": Subscription.objects.count(),
        "events": ModerationEvent.objects.count(),
        "users": list(
            get_user_model()
            .objects.order_by("pk")
            .values_list(
                "pk",
                "username",
                "display_name",
                "email",
                "password",
                "banned",
                "suspended_until",
                "premoderated",
                "email_confirmed_at",
                "mail_on_reply",
                "mail_on_decision",
                "mail_on_queue",
            )
        ),
        "mails": len(mail.outbox),
    }


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def signed_in(client, trusted_reader):
    client.force_login(trusted_reader)
    return client


def post_url(thread) -> str:
    return reverse("forum:post-comment", args=[thread.pk])


# The comment form: posting, replying and editing


def send_body(client, how: str, body: str, *, thread, comment):
    if how == "post":
        return client.post(post_url(thread), {"body": body})
    if how == "reply":
        return client.post(post_url(thread), {"body": body, "parent": comment.pk})
    return client.post(reverse("forum:edit-comment", args=[comment.pk]), {"body": body})


BAD_BODIES = {
    "empty": ("", REQUIRED),
    "whitespace only": (" \t\r\n  \n", REQUIRED),
    "invisible characters only": ("\u00a0\u200b\u2028\ufeff", REQUIRED),
    "5,001 characters": ("x" * 5001, TOO_LONG.format(5001)),
    "1 MB": ("x" * MEGABYTE, TOO_LONG.format(MEGABYTE)),
    "a NUL byte": ("Before\x00after", NUL_REFUSED),
    "only NUL bytes": ("\x00\x00", REQUIRED),
    "a bell": ("Ring\x07ring", CONTROL_REFUSED.format("0007")),
    "an escape sequence": ("\x1b[31mred\x1b[0m", CONTROL_REFUSED.format("001B")),
    "a vertical tab": ("one\x0btwo", CONTROL_REFUSED.format("000B")),
}


@pytest.mark.parametrize("how", ["post", "reply", "edit"])
@pytest.mark.parametrize("case", list(BAD_BODIES))
def test_a_bad_comment_body_is_refused_with_a_message(
    signed_in, open_thread, own_comment, how, case
):
    body, message = BAD_BODIES[case]
    before = stored()

    response = send_body(signed_in, how, body, thread=open_thread, comment=own_comment)

    assert response.status_code == 400
    assert message in page(response)
    assert stored() == before


@pytest.mark.parametrize("how", ["post", "reply", "edit"])
def test_tabs_and_line_breaks_are_not_control_characters_to_refuse(
    signed_in, open_thread, own_comment, how
):
    response = send_body(
        signed_in, how, "Line one\r\n\tLine two", thread=open_thread, comment=own_comment
    )

    assert response.status_code == 302
    assert Comment.objects.filter(body="Line one\r\n\tLine two").exists()


def test_a_form_too_large_to_read_is_413(signed_in, open_thread):
    before = stored()

    response = signed_in.post(post_url(open_thread), {"body": "x" * 3 * MEGABYTE})

    assert response.status_code == 413
    assert "This request is too large to be read." in page(response)
    assert stored() == before


# Replies: what the parent may not be


def parent_from_another_article(thread, reader):
    return CommentFactory(body="Elsewhere.").pk


def removed_parent(thread, reader):
    return CommentFactory(thread=thread, status=Comment.Status.REMOVED, reason="removed").pk


def parent_deleted_by_its_author(thread, reader):
    return CommentFactory(thread=thread, deleted_at=timezone.now()).pk


def pending_parent_of_someone_else(thread, reader):
    return CommentFactory(thread=thread, status=Comment.Status.PENDING, reason="first").pk


def spam_parent(thread, reader):
    return CommentFactory(thread=thread, status=Comment.Status.SPAM, reason="spam").pk


BAD_PARENTS = {
    "from another article": (parent_from_another_article, PARENT_UNAVAILABLE),
    "removed": (removed_parent, PARENT_UNAVAILABLE),
    "deleted by its author": (parent_deleted_by_its_author, PARENT_UNAVAILABLE),
    "pending, someone else's": (pending_parent_of_someone_else, PARENT_UNAVAILABLE),
    "spam": (spam_parent, PARENT_UNAVAILABLE),
    "missing": (lambda thread, reader: 987654321, PARENT_UNAVAILABLE),
    "negative": (lambda thread, reader: "-1", PARENT_UNAVAILABLE),
    "zero": (lambda thread, reader: "0", PARENT_UNAVAILABLE),
    "past a bigint": (lambda thread, reader: PAST_BIGINT, PARENT_UNAVAILABLE),
    "huge": (lambda thread, reader: HUGE, PARENT_UNAVAILABLE),
    "not a number": (lambda thread, reader: "abc", "Enter a whole number."),
    "a fraction": (lambda thread, reader: "1.5", "Enter a whole number."),
    "an exponent": (lambda thread, reader: "1e30", "Enter a whole number."),
    "a NUL byte": (lambda thread, reader: "\x00", "Enter a whole number."),
}


@pytest.mark.parametrize("case", list(BAD_PARENTS))
def test_a_reply_to_a_parent_that_cannot_be_answered_is_refused(
    signed_in, open_thread, trusted_reader, case
):
    make_parent, message = BAD_PARENTS[case]
    parent = make_parent(open_thread, trusted_reader)
    before = stored()

    response = signed_in.post(post_url(open_thread), {"body": "A reply.", "parent": parent})

    assert response.status_code == 400
    assert message in page(response)
    assert stored() == before


# Ids in addresses: not numbers, negative, past what the database holds


ADDRESSES_WITH_IDS = [
    ("get", "/c/{}/"),
    ("get", "/c/{}/report/"),
    ("post", "/c/{}/report/"),
    ("get", "/c/{}/edit/"),
    ("post", "/c/{}/edit/"),
    ("get", "/c/{}/delete/"),
    ("post", "/c/{}/delete/"),
    ("post", "/threads/{}/follow/"),
    ("post", "/threads/{}/comments/"),
]
BAD_IDS = ["abc", "-1", "0", "1.5", "0x10", HUGE, PAST_BIGINT, "%ff", "%e2%82", "1%20"]


@pytest.mark.parametrize("method, address", ADDRESSES_WITH_IDS)
@pytest.mark.parametrize("bad_id", BAD_IDS)
def test_an_id_that_cannot_exist_is_not_found(signed_in, own_comment, method, address, bad_id):
    before = stored()
    data = {"body": "Hello.", "reason": "spam"} if method == "post" else {}

    response = getattr(signed_in, method)(address.format(bad_id), data)

    assert response.status_code == 404
    assert NOT_FOUND in page(response)
    assert stored() == before


# Drafts, stories scheduled for later, stories that do not exist


def draft():
    return ArticleFactory(status=Article.Status.DRAFT)


def scheduled():
    return ArticleFactory(published_at=timezone.now() + timedelta(days=1))


HIDDEN_ARTICLE_REQUESTS = {
    "article page": lambda article, comment: ("get", article.get_absolute_url(), {}),
    "post": lambda article, comment: ("post", post_url(article.thread), {"body": "Hi."}),
    "reply": lambda article, comment: (
        "post",
        post_url(article.thread),
        {"body": "Hi.", "parent": comment.pk},
    ),
    "permalink": lambda article, comment: ("get", f"/c/{comment.pk}/", {}),
    "report form": lambda article, comment: ("get", f"/c/{comment.pk}/report/", {}),
    "report": lambda article, comment: ("post", f"/c/{comment.pk}/report/", {"reason": "spam"}),
    "edit": lambda article, comment: ("post", f"/c/{comment.pk}/edit/", {"body": "New."}),
    "delete": lambda article, comment: ("post", f"/c/{comment.pk}/delete/", {}),
    "follow": lambda article, comment: ("post", f"/threads/{article.thread.pk}/follow/", {}),
    "feed": lambda article, comment: ("get", f"/articles/{article.slug}/comments/feed/", {}),
    "api": lambda article, comment: ("get", f"/api/articles/{article.slug}/comments/", {}),
}


@pytest.mark.parametrize("hidden", [draft, scheduled])
@pytest.mark.parametrize("request_to", list(HIDDEN_ARTICLE_REQUESTS))
def test_a_story_readers_cannot_see_is_not_found(signed_in, trusted_reader, hidden, request_to):
    article = hidden()
    # Their own comment, so that editing and deleting would otherwise be allowed.
    comment = CommentFactory(
        thread=article.thread, author=trusted_reader, created_at=timezone.now()
    )
    method, address, data = HIDDEN_ARTICLE_REQUESTS[request_to](article, comment)
    before = stored()

    response = getattr(signed_in, method)(address, data)

    assert response.status_code == 404
    assert stored() == before


@pytest.mark.parametrize(
    "address",
    [
        "/articles/no-such-story/",
        "/articles/no-such-story/comments/feed/",
        "/api/articles/no-such-story/comments/",
    ],
)
def test_a_story_that_does_not_exist_is_not_found(client, address):
    assert client.get(address).status_code == 404


# Closed threads


def test_posting_in_a_closed_thread_is_refused(signed_in, closed_thread):
    before = stored()

    response = signed_in.post(post_url(closed_thread), {"body": "Still here?"})

    assert response.status_code == 403
    assert COMMENTS_CLOSED in page(response)
    assert stored() == before


def test_replying_in_a_closed_thread_is_refused(signed_in, closed_thread):
    parent = CommentFactory(thread=closed_thread)
    before = stored()

    response = signed_in.post(post_url(closed_thread), {"body": "Reply.", "parent": parent.pk})

    assert response.status_code == 403
    assert COMMENTS_CLOSED in page(response)
    assert stored() == before


def test_editing_in_a_closed_thread_is_refused(signed_in, trusted_reader, closed_thread):
    comment = CommentFactory(thread=closed_thread, author=trusted_reader, created_at=timezone.now())
    before = stored()

    response = signed_in.post(reverse("forum:edit-comment", args=[comment.pk]), {"body": "New."})

    assert response.status_code == 403
    assert COMMENTS_CLOSED in page(response)
    assert stored() == before


def test_following_a_closed_thread_is_refused(signed_in, closed_thread):
    before = stored()

    response = signed_in.post(reverse("forum:follow", args=[closed_thread.pk]))

    assert response.status_code == 403
    assert NOTHING_TO_FOLLOW in page(response)
    assert stored() == before


# Reports


BAD_REPORTS = {
    "no reason": ({"details": "x"}, "This field is required."),
    "a reason not offered": ({"reason": "nonsense"}, "Select a valid choice."),
    "a NUL reason": ({"reason": "\x00"}, "Select a valid choice."),
    "NUL in the details": ({"reason": "spam", "details": "a\x00b"}, NUL_REFUSED),
    "1 MB of details": (
        {"reason": "spam", "details": "x" * MEGABYTE},
        "Ensure this value has at most 500 characters",
    ),
    "something else, said with spaces": (
        {"reason": "other", "details": "   "},
        "Please say what is wrong with the comment.",
    ),
}


@pytest.mark.parametrize("case", list(BAD_REPORTS))
def test_a_bad_report_is_refused_with_a_message(client, reader, published_comment, case):
    data, message = BAD_REPORTS[case]
    client.force_login(reader)
    before = stored()

    response = client.post(reverse("forum:report-comment", args=[published_comment.pk]), data)

    assert response.status_code == 400
    assert message in page(response)
    assert stored() == before


# Links from mails: unsubscribe, confirm the address, reset the password


def damaged(token: str) -> str:
    return token[:-2] + ("aa" if not token.endswith("aa") else "bb")


@pytest.fixture
def unsubscribe_token(trusted_reader):
    return notifications.unsubscribe_token(trusted_reader, notifications.REPLIES)


BAD_TOKENS = {
    "garbage": lambda token: "garbage",
    "damaged": damaged,
    "cut short": lambda token: token[: len(token) // 2],
    "invalid UTF-8": lambda token: "%ff%fe",
    "1 MB": lambda token: "x" * MEGABYTE,
}


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("case", list(BAD_TOKENS))
def test_a_bad_unsubscribe_link_is_refused(client, unsubscribe_token, method, case):
    address = f"/mail/unsubscribe/{BAD_TOKENS[case](unsubscribe_token)}/"
    before = stored()

    response = getattr(client, method)(address)

    assert response.status_code == 400
    assert "The unsubscribe link is damaged or no longer valid." in page(response)
    assert stored() == before


def test_an_unsubscribe_link_of_an_erased_account_is_refused(client, reader):
    token = notifications.unsubscribe_token(reader, notifications.REPLIES)
    reader.delete()
    before = stored()

    response = client.post(reverse("forum:unsubscribe", args=[token]))

    assert response.status_code == 400
    assert "The unsubscribe link is damaged or no longer valid." in page(response)
    assert stored() == before


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("case", list(BAD_TOKENS))
def test_a_bad_confirmation_link_is_refused(client, reader, method, case):
    from forum.email_confirmation import DAMAGED, confirmation_token

    address = f"/accounts/confirm/{BAD_TOKENS[case](confirmation_token(reader))}/"
    before = stored()

    response = getattr(client, method)(address)

    assert response.status_code == 400
    assert DAMAGED in page(response)
    assert stored() == before


@pytest.mark.parametrize(
    "uid, token",
    [
        ("garbage", "garbage"),
        ("%ff", "%ff"),
        ("OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk", "x-y"),  # a huge id, in base 64
        ("LTE", "x-y"),  # "-1"
        ("YWJj", "x-y"),  # "abc"
        ("MQ", "x" * 5000),
    ],
)
def test_a_bad_password_reset_link_says_it_no_longer_works(client, reader, uid, token):
    before = stored()

    response = client.get(f"/accounts/reset/{uid}/{token}/", follow=True)

    assert response.status_code == 200
    assert "This link has expired or was already used." in page(response)
    assert 'name="new_password1"' not in page(response)
    assert stored() == before


@pytest.mark.parametrize(
    "email, message",
    [
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("not an address", "Enter a valid email address."),
        ("reader\x00@example.org", NUL_REFUSED),
        ("reader@example.org\x07", "Enter a valid email address."),
        ("x" * MEGABYTE + "@example.org", "Ensure this value has at most 254 characters"),
    ],
)
def test_a_bad_address_for_a_password_reset_is_refused(client, reader, email, message):
    before = stored()

    response = client.post(reverse("password_reset"), {"email": email})

    assert response.status_code == 200
    assert message in page(response)
    assert stored() == before


# Sign-up and log-in


def signup_data(**fields):
    return {
        "username": "newreader",
        "display_name": "New Reader",
        "email": "new@example.org",
        "password1": "a lighthouse in the fog",
        "password2": "a lighthouse in the fog",
        **fields,
    }


INVALID_USERNAME = "Enter a valid username."
BAD_SIGNUPS = {
    "empty username": ({"username": ""}, "This field is required."),
    "username of spaces": ({"username": "   "}, "This field is required."),
    "NUL in the username": ({"username": "new\x00reader"}, NUL_REFUSED),
    "a bell in the username": ({"username": "new\x07reader"}, INVALID_USERNAME),
    "markup as username": ({"username": "<script>alert(1)</script>"}, INVALID_USERNAME),
    "1 MB username": ({"username": "x" * MEGABYTE}, "at most 150 characters"),
    "NUL in the name": ({"display_name": "New\x00Reader"}, NUL_REFUSED),
    "escape in the name": ({"display_name": "New\x1b[2JReader"}, CONTROL_REFUSED.format("001B")),
    "5,001 character name": ({"display_name": "x" * 5001}, "at most 80 characters"),
    "NUL in the address": ({"email": "new\x00@example.org"}, NUL_REFUSED),
    "NUL in the password": (
        {"password1": "a lighthouse\x00", "password2": "a lighthouse\x00"},
        NUL_REFUSED,
    ),
}


@pytest.mark.parametrize("case", list(BAD_SIGNUPS))
def test_a_bad_sign_up_is_refused_with_a_message(client, case):
    fields, message = BAD_SIGNUPS[case]
    before = stored()

    response = client.post(reverse("forum:signup"), signup_data(**fields))

    assert response.status_code == 200  # Django's form page, shown again
    assert message in page(response)
    assert stored() == before


BAD_LOG_INS = {
    "NUL in the username": ({"username": "re\x00ader"}, NUL_REFUSED),
    "NUL in the password": ({"password": "pass\x00word"}, NUL_REFUSED),
    "empty": ({"username": "", "password": ""}, "This field is required."),
}


@pytest.mark.parametrize("address", ["/accounts/login/", "/admin/login/"])
@pytest.mark.parametrize("case", list(BAD_LOG_INS))
def test_a_bad_log_in_is_refused_with_a_message_and_counts_nothing(client, reader, address, case):
    fields, message = BAD_LOG_INS[case]
    before = stored()

    response = client.post(address, {"username": "reader", "password": PASSWORD, **fields})

    assert response.status_code == 200
    assert message in page(response)
    assert "_auth_user_id" not in client.session
    assert not AccessAttempt.objects.exists()
    assert stored() == before


@pytest.mark.parametrize(
    "fields",
    [
        {"username": "reader", "password": "x" * MEGABYTE},
        {"username": "x" * MEGABYTE, "password": PASSWORD},
        {"username": "rea\x07der", "password": PASSWORD},
    ],
)
def test_a_huge_or_odd_log_in_is_a_failed_log_in_like_any_other(client, reader, fields):
    before = stored()

    response = client.post("/accounts/login/", fields)

    assert response.status_code == 200
    assert "Please enter a correct username and password." in page(response)
    assert "_auth_user_id" not in client.session
    assert stored() == before
    # Counted towards a lockout, under a name cut to what the database holds.
    [attempt] = AccessAttempt.objects.all()
    assert len(attempt.username) <= 150


# Open redirects in ``next``


def assert_stays_on_the_site(response) -> None:
    assert response.status_code == 302
    assert response.url.startswith("/")
    assert not response.url.startswith(("//", "/\\"))
    assert "evil.example" not in response.url


@pytest.mark.parametrize("next_url", EVIL_NEXTS)
def test_log_in_does_not_follow_next_off_the_site(client, reader, next_url):
    response = client.post(
        "/accounts/login/", {"username": "reader", "password": PASSWORD, "next": next_url}
    )

    assert_stays_on_the_site(response)


@pytest.mark.parametrize("next_url", EVIL_NEXTS)
def test_the_admins_log_in_does_not_follow_next_off_the_site(client, moderator, next_url):
    response = client.post(
        "/admin/login/", {"username": "mod", "password": PASSWORD, "next": next_url}
    )

    assert_stays_on_the_site(response)


@pytest.mark.parametrize("next_url", EVIL_NEXTS)
def test_sign_up_does_not_follow_next_off_the_site(client, next_url):
    response = client.post(reverse("forum:signup"), signup_data(next=next_url))

    assert_stays_on_the_site(response)


@pytest.mark.parametrize("next_url", EVIL_NEXTS)
def test_sign_up_when_signed_in_does_not_follow_next_off_the_site(signed_in, next_url):
    response = signed_in.get(reverse("forum:signup"), {"next": next_url})

    assert_stays_on_the_site(response)


@pytest.mark.parametrize("next_url", EVIL_NEXTS)
def test_log_out_does_not_follow_next_off_the_site(signed_in, next_url):
    response = signed_in.post(reverse("logout"), {"next": next_url})

    assert_stays_on_the_site(response)


@pytest.mark.parametrize("next_url", EVIL_NEXTS)
def test_the_log_in_page_does_not_carry_next_off_the_site(client, next_url):
    html = page(client.get("/accounts/login/", {"next": next_url}))

    assert 'name="next"' not in html  # the hidden field that the form would send back
    assert '<a href="javascript:' not in html


# A missing CSRF token


def csrf_cases(thread, comment, someone_elses):
    return {
        "post": (post_url(thread), {"body": "Hello."}),
        "reply": (post_url(thread), {"body": "Hello.", "parent": comment.pk}),
        "edit": (reverse("forum:edit-comment", args=[comment.pk]), {"body": "New words."}),
        "delete": (reverse("forum:delete-comment", args=[comment.pk]), {}),
        "report": (reverse("forum:report-comment", args=[someone_elses.pk]), {"reason": "spam"}),
        "follow": (reverse("forum:follow", args=[thread.pk]), {}),
        "confirmation link": (reverse("forum:send-confirmation-link"), {}),
        "erase account": (reverse("forum:account-erase"), {"password": PASSWORD}),
        "log out": (reverse("logout"), {}),
        "password change": (
            reverse("password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": "a lighthouse in the fog",
                "new_password2": "a lighthouse in the fog",
            },
        ),
    }


CSRF_ACTIONS = [
    "post",
    "reply",
    "edit",
    "delete",
    "report",
    "follow",
    "confirmation link",
    "erase account",
    "log out",
    "password change",
]


@pytest.mark.parametrize("action", CSRF_ACTIONS)
def test_a_readers_request_without_a_csrf_token_is_refused(
    trusted_reader, open_thread, own_comment, action
):
    other = CommentFactory(thread=open_thread, body="Someone else's.")
    address, data = csrf_cases(open_thread, own_comment, other)[action]
    client = Client(enforce_csrf_checks=True)
    client.force_login(trusted_reader)
    before = stored()

    response = client.post(address, data)

    assert response.status_code == 403
    assert CSRF_FAILED in page(response)
    assert stored() == before
    assert "_auth_user_id" in client.session  # not even logged out


@pytest.mark.parametrize(
    "address, data",
    [
        ("/accounts/login/", {"username": "reader", "password": PASSWORD}),
        ("/admin/login/", {"username": "reader", "password": PASSWORD}),
        ("/accounts/signup/", signup_data()),
        ("/accounts/password_reset/", {"email": "reader@example.org"}),
    ],
)
def test_a_visitors_request_without_a_csrf_token_is_refused(reader, address, data):
    client = Client(enforce_csrf_checks=True)
    before = stored()

    response = client.post(address, data)

    assert response.status_code == 403
    assert CSRF_FAILED in page(response)
    assert stored() == before
    assert "_auth_user_id" not in client.session


def test_a_moderators_action_without_a_csrf_token_is_refused(moderator, pending_comment):
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    before = stored()

    response = client.post(
        reverse("admin:forum_comment_changelist"),
        {"action": "approve", "_selected_action": [pending_comment.pk]},
    )

    assert response.status_code == 403
    assert CSRF_FAILED in page(response)
    assert stored() == before


# Undecodable and NUL characters in addresses and query strings


@pytest.mark.parametrize(
    "address, status, text",
    [
        ("/c/%ff/", 404, NOT_FOUND),
        ("/%ff", 404, NOT_FOUND),
        ("/articles/%ff/", 404, NOT_FOUND),
        ("/articles/%ff%fe/comments/feed/", 404, NOT_FOUND),
        ("/articles/harbour-reopens/?cpage=%ff", 200, "Harbour reopens after storm"),
        ("/articles/harbour-reopens/?cpage=-1", 200, "Harbour reopens after storm"),
        ("/articles/harbour-reopens/?cpage=abc", 200, "Harbour reopens after storm"),
        ("/articles/harbour-reopens/?cpage=" + "9" * 5000, 200, "Harbour reopens after storm"),
        ("/articles/harbour-reopens/?corder=%ff", 200, "Harbour reopens after storm"),
        ("/articles/harbour-reopens/?%ff=%fe", 200, "Harbour reopens after storm"),
        ("/accounts/login/?next=%ff", 200, "Log in"),
        ("/api/articles/?page=%ff", 400, "page must be a whole number from 1."),
        ("/api/articles/?page=-1", 400, "page must be a whole number from 1."),
        ("/api/articles/?page=%d9%a3", 400, "page must be a whole number from 1."),  # Arabic 3
        ("/api/articles/?page=" + HUGE, 404, "There is no"),
        ("/api/articles/?page=" + "9" * 5000, 404, "There is no"),
        ("/api/articles/harbour-reopens/comments/?page=abc", 400, "page must be a whole"),
        ("/api/articles/harbour-reopens/comments/?page=" + HUGE, 404, "There is no"),
        ("/api/articles/%ff/comments/", 404, ""),
        ("/comments/feed/?page=%ff", 200, "News Forum: latest comments"),
        ("/mail/unsubscribe/%ff%fe/", 400, "The unsubscribe link is damaged"),
        ("/accounts/confirm/%ff%fe/", 400, "The link is damaged"),
        ("/accounts/reset/%ff/%fe/", 200, "This link has expired or was already used."),
    ],
)
def test_undecodable_and_odd_addresses_get_an_answer(client, article, address, status, text):
    response = client.get(address, follow=True)

    assert response.status_code == status
    assert text in page(response)


def test_a_page_number_past_the_last_page_redirects_to_the_last(client, article):
    response = client.get(article.get_absolute_url(), {"cpage": HUGE})

    assert response.status_code == 302
    assert response.url == article.get_absolute_url()


NUL_ADDRESSES = [
    "/c/%00/",
    "/articles/harbour-reopens/%00/",
    "/mail/unsubscribe/%00/",
    "/articles/harbour-reopens/?cpage=%00",
    "/articles/harbour-reopens/?corder=%00",
    "/articles/harbour-reopens/?%00=1",
    "/accounts/login/?next=%00",
    "/api/articles/?page=%00",
    "/api/articles/harbour-reopens/comments/?page=1%00",
    "/comments/feed/?x=%00",
    # Lookups the admin's list filters make: PostgreSQL cannot compare text with a NUL.
    "/admin/forum/comment/?q=%00",
    "/admin/forum/comment/?reason_code=%00",
    "/admin/forum/comment/?status__exact=%00",
    "/admin/forum/user/?q=a%00b",
    "/admin/forum/moderationevent/?q=%00",
    "/admin/axes/accessattempt/?q=%00",
    "/admin/forum/comment/%00/change/",
]


@pytest.mark.parametrize("address", NUL_ADDRESSES)
def test_a_nul_in_an_address_is_refused(client, article, address):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

    response = client.get(address)

    assert response.status_code == 400
    assert page(response) == NUL_IN_ADDRESS


def test_a_forged_session_cookie_is_no_session(client, article, reader):
    # In quotes, "\000" is what Python's cookie parser turns into a NUL.
    client.cookies["sessionid"] = "\x00" * 32

    response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    assert ">Log in</a>" in page(response)


# Markup and scripts come out as text


PAYLOAD = (
    '<script>alert("x")</script><img src=x onerror=alert(1)>'
    '<a href="javascript:alert(2)">click</a> javascript:alert(3)'
)


def assert_inert(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert '<a href="javascript:' not in html
    assert "&lt;script&gt;alert" in html


def test_markup_in_a_comment_is_text_on_the_page(client, trusted_reader, open_thread):
    client.force_login(trusted_reader)
    client.post(post_url(open_thread), {"body": PAYLOAD})
    assert Comment.objects.filter(body=PAYLOAD).exists()

    assert_inert(page(client.get(open_thread.article.get_absolute_url())))


def test_markup_in_a_name_is_text_on_the_page(client, open_thread):
    author = UserFactory(display_name='<b onmouseover="alert(1)">Bob</b>')
    CommentFactory(thread=open_thread, author=author)

    html = page(client.get(open_thread.article.get_absolute_url()))

    assert "<b onmouseover" not in html
    assert "&lt;b onmouseover=&quot;alert(1)&quot;&gt;Bob&lt;/b&gt;" in html


def test_markup_in_a_comment_is_text_in_the_feeds_and_the_api(client, open_thread):
    CommentFactory(thread=open_thread, body=PAYLOAD)

    for address in (
        "/comments/feed/",
        f"/articles/{open_thread.article.slug}/comments/feed/",
        f"/api/articles/{open_thread.article.slug}/comments/",
    ):
        content = page(client.get(address))
        assert "<script" not in content
        assert "<img" not in content
        assert '<a href="javascript:' not in content


def test_markup_in_a_reply_is_plain_text_in_the_mail(
    client, django_capture_on_commit_callbacks, trusted_reader, open_thread
):
    parent = CommentFactory(thread=open_thread, body="Parent.")
    client.force_login(trusted_reader)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(post_url(open_thread), {"body": PAYLOAD, "parent": parent.pk})

    [message] = mail.outbox
    assert message.to == [parent.author.email]
    # Plain text only, no HTML part: a mail program shows the markup as the reader
    # typed it and runs none of it.
    assert message.content_subtype == "plain"
    assert not getattr(message, "alternatives", None)
    assert PAYLOAD in message.body
    assert "\n" not in message.subject


def test_markup_in_a_report_is_text_in_the_admin(client, reader, moderator, published_comment):
    client.force_login(reader)
    client.post(
        reverse("forum:report-comment", args=[published_comment.pk]),
        {"reason": "other", "details": "<script>alert(1)</script>"},
    )
    client.force_login(moderator)

    html = page(client.get(reverse("admin:forum_comment_change", args=[published_comment.pk])))

    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# Control characters stored before the forms refused them, or typed in the admin


def test_control_characters_stored_earlier_do_not_break_the_feeds(client, open_thread):
    author = UserFactory(display_name="Bell\x07Name")
    CommentFactory(thread=open_thread, author=author, body="Escape \x1b[31mred")
    Article.objects.filter(pk=open_thread.article_id).update(title="Storm\x0b warning")

    for address in ("/comments/feed/", f"/articles/{open_thread.article.slug}/comments/feed/"):
        response = client.get(address)
        assert response.status_code == 200
        assert "Escape [31mred" in page(response)
        assert "BellName" in page(response)
        assert "Storm warning" in page(response)


# The admin: the intermediate forms and the selection


def suspend(client, user, **fields):
    return client.post(
        reverse("admin:forum_user_changelist"),
        {"action": "suspend", "_selected_action": [user.pk], "post": "yes", **fields},
    )


FUTURE = "2999-01-01T12:00"
BAD_SUSPENSIONS = {
    "no time": ("UTC", {"until": ""}, "This field is required."),
    "not a time": ("UTC", {"until": "next tuesday"}, "Enter a valid date/time."),
    "NUL as time": ("UTC", {"until": "\x00"}, "Enter a valid date/time."),
    "a time past": ("UTC", {"until": "2000-01-01T00:00"}, "Choose a time in the future."),
    "past the year 9999 in UTC": (
        "America/New_York",
        {"until": "9999-12-31T23:59"},
        "Choose a time between the years 1 and 9999.",
    ),
    "before the year 1 in UTC": (
        "Europe/Berlin",
        {"until": "0001-01-01T00:30"},
        "Choose a time between the years 1 and 9999.",
    ),
    "a note too long": ("UTC", {"until": FUTURE, "note": "x" * 501}, "at most 500 characters"),
    "NUL in the note": ("UTC", {"until": FUTURE, "note": "a\x00b"}, NUL_REFUSED),
}


@pytest.mark.parametrize("case", list(BAD_SUSPENSIONS))
def test_a_bad_suspension_is_asked_again_with_a_message(client, settings, moderator, reader, case):
    zone, fields, message = BAD_SUSPENSIONS[case]
    settings.TIME_ZONE = zone
    client.force_login(moderator)
    before = stored()

    response = suspend(client, reader, **fields)

    assert response.status_code == 200
    assert "Suspend users" in page(response)
    assert message in page(response)
    assert stored() == before


def test_a_suspension_past_the_year_9999_in_the_user_form_is_refused(
    client, settings, moderator, reader
):
    settings.TIME_ZONE = "America/New_York"
    client.force_login(moderator)
    before = stored()

    response = client.post(
        reverse("admin:forum_user_change", args=[reader.pk]),
        {
            "suspended_until_0": "9999-12-31",
            "suspended_until_1": "23:59:00",
            "moderator_note": "",
        },
    )

    assert response.status_code == 200
    assert "Choose a time between the years 1 and 9999." in page(response)
    assert stored() == before


@pytest.mark.parametrize(
    "fields, message",
    [
        ({}, "This field is required."),
        ({"reason_code": "nonsense"}, "Select a valid choice."),
        ({"reason_code": "\x00"}, "Select a valid choice."),
        ({"reason_code": "first_comment"}, "Select a valid choice."),  # a rule's, not a reason
    ],
)
def test_a_bad_rejection_reason_is_asked_again_with_a_message(
    client, moderator, pending_comment, fields, message
):
    client.force_login(moderator)
    before = stored()

    response = client.post(
        reverse("admin:forum_comment_changelist"),
        {
            "action": "reject_with_reason",
            "_selected_action": [pending_comment.pk],
            "post": "yes",
            **fields,
        },
    )

    assert response.status_code == 200
    assert "Reject comments with a reason" in page(response)
    assert message in page(response)
    assert stored() == before


@pytest.mark.parametrize(
    "changelist, action",
    [
        ("admin:forum_comment_changelist", "approve"),
        ("admin:forum_comment_changelist", "reject_with_reason"),
        ("admin:forum_user_changelist", "ban"),
        ("admin:forum_user_changelist", "suspend"),
        ("admin:axes_accessattempt_changelist", "delete_selected"),
    ],
)
@pytest.mark.parametrize("selected", ["abc", "\x00", "1.5", HUGE, PAST_BIGINT])
def test_a_selection_that_names_no_possible_row_is_refused(
    client, moderator, pending_comment, reader, changelist, action, selected
):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    before = stored()

    response = client.post(
        reverse(changelist),
        {"action": action, "_selected_action": [str(pending_comment.pk), selected]},
    )

    assert response.status_code == 400
    assert page(response) == DAMAGED_SELECTION
    assert stored() == before


@pytest.mark.parametrize(
    "search",
    ["x" * 201, "a " * 2500, "x" * MEGABYTE],
)
@pytest.mark.parametrize(
    "changelist", ["admin:forum_comment_changelist", "admin:forum_user_changelist"]
)
def test_a_search_too_long_is_refused_with_a_message(client, moderator, changelist, search):
    client.force_login(moderator)

    response = client.get(reverse(changelist), {"q": search})

    assert response.status_code == 200
    assert "A search can be at most 200 characters long." in page(response)


@pytest.mark.parametrize("search", ["%ff", "\x07", "<script>alert(1)</script>", "x" * 200])
def test_an_odd_search_finds_nothing_and_is_shown_as_text(client, moderator, search):
    client.force_login(moderator)

    response = client.get(reverse("admin:forum_comment_changelist"), {"q": search})

    assert response.status_code == 200
    assert "<script>alert(1)" not in page(response)


@pytest.mark.parametrize("object_id", ["abc", "-1", HUGE, PAST_BIGINT, "%ff"])
@pytest.mark.parametrize("model", ["comment", "user", "thread"])
def test_the_admin_says_an_object_that_cannot_exist_does_not(client, moderator, model, object_id):
    client.force_login(moderator)

    response = client.get(f"/admin/forum/{model}/{object_id}/change/", follow=True)

    assert response.status_code == 200
    assert "doesn’t exist. Perhaps it was deleted?" in page(response)


@pytest.mark.parametrize(
    "fields",
    [
        {"author": "\x00", "body": "x"},
        {"author": "mod", "thread": HUGE, "body": "x"},
        {"author": "mod", "thread": "abc", "body": "x"},
        {"author": "mod", "parent": HUGE, "body": "x"},
        {"author": "mod", "parent": "-1", "body": "x"},
        {"author": "mod", "body": "a\x00b"},
    ],
)
def test_why_held_with_bad_values_asks_again(client, moderator, open_thread, fields):
    client.force_login(moderator)
    before = stored()

    response = client.post(
        reverse("admin:forum_comment_why_held"), {"thread": open_thread.pk, **fields}
    )

    assert response.status_code == 200
    assert "errorlist" in page(response)
    assert stored() == before


def test_an_admin_selection_of_stored_rows_still_works(client, moderator, pending_comment):
    """The refusal above is for keys that cannot exist, not for every selection."""
    client.force_login(moderator)

    response = client.post(
        reverse("admin:forum_comment_changelist"),
        {"action": "approve", "_selected_action": [pending_comment.pk]},
    )

    assert response.status_code == 302
    pending_comment.refresh_from_db()
    assert pending_comment.status == Comment.Status.PUBLISHED


def test_a_moderator_sees_the_search_form_with_a_search_of_the_allowed_length(client, moderator):
    ModeratorFactory()  # something to list
    client.force_login(moderator)

    response = client.get(reverse("admin:forum_user_changelist"), {"q": "moderator"})

    assert response.status_code == 200
    assert "A search can be at most" not in page(response)
