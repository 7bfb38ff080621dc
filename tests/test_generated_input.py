"""Generated input (hypothesis) thrown at the comment form and at addresses with an id.

Whatever the text, a comment is stored as typed (less the spaces around it) or refused
with a 400, and never a 500: the test client raises the exception of a view that fails.
On PostgreSQL, which refuses NUL characters in text, a NUL is the form's error. Each
example is rolled back, so that it starts from the rows the test made and nothing
one example stores (a comment, a flood of them) changes the next one's answer.
"""

import re
from contextlib import contextmanager
from urllib.parse import quote, quote_from_bytes

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from forum.forms import is_invisible
from forum.middleware import recent_pages
from forum.models import Comment, Report

pytestmark = pytest.mark.django_db

generated = hypothesis_settings(
    max_examples=50,
    deadline=None,
    database=None,  # no example files written into the checkout
    # The fixtures are made once per test, not per example: each example undoes its own
    # changes instead (``each_example_undone``).
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# Any text (no surrogates: a request never carries them), with the characters that
# matter here more often than chance would bring them.
ODD_CHARACTERS = "\x00\x07\x0b\x1b\x7f\x85\t\r\n \u00a0\u200b\u2028\ufeff<>&\"'%"
texts = st.text(alphabet=st.one_of(st.characters(codec="utf-8"), st.sampled_from(ODD_CHARACTERS)))
long_texts = st.integers(min_value=4990, max_value=5010).map(lambda n: "é" * n)
bodies = st.one_of(texts, long_texts)
# Ids: small, negative, around PostgreSQL's largest bigint, and far past it.
ids = st.one_of(
    st.integers(min_value=-1000, max_value=1000),
    st.integers(min_value=2**63 - 3, max_value=2**63 + 3),
    st.integers(min_value=-(2**200), max_value=2**200),
)
# A path segment: anything but a slash, which would make it two.
segments = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="/"))

NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@contextmanager
def each_example_undone():
    cache.clear()
    recent_pages.pages.clear()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def acceptable(text: str) -> bool:
    """Whether the comment form takes ``text``: something to read, not too long, and
    none of the control characters that pages and feeds cannot carry."""
    text = text.strip()
    return (
        bool(text)
        and not is_invisible(text)
        and len(text) <= settings.FORUM_COMMENT_MAX_LENGTH
        and not NOT_IN_XML.search(text)
    )


def assert_answered(response, text: str) -> None:
    """302 for a text the form takes, else 400 with the form's message."""
    if acceptable(text):
        assert response.status_code == 302
    else:
        assert response.status_code == 400
        if "\x00" in text and not is_invisible(text.strip()):
            assert "Null characters are not allowed." in response.content.decode()


def new_comments(before: set[int]):
    return Comment.objects.exclude(pk__in=before)


def names_a_comment(segment: str) -> bool:
    """Whether the address's segment is the id of a comment (all are published here)."""
    digits = segment.isascii() and segment.isdigit()
    return digits and Comment.objects.filter(pk=int(segment)).exists()


@generated
@given(text=bodies)
def test_any_text_posted_is_stored_as_typed_or_refused(client, trusted_reader, open_thread, text):
    client.force_login(trusted_reader)
    with each_example_undone():
        before = set(Comment.objects.values_list("pk", flat=True))

        response = client.post(reverse("forum:post-comment", args=[open_thread.pk]), {"body": text})

        assert_answered(response, text)
        stored = list(new_comments(before).values_list("body", flat=True))
        assert stored == ([text.strip()] if acceptable(text) else [])


@generated
@given(raw=st.binary())
def test_any_bytes_posted_are_decoded_or_refused(client, trusted_reader, open_thread, raw):
    """Bytes that are not UTF-8 arrive as the replacement character, as Django decodes
    them: the same rules then apply."""
    client.force_login(trusted_reader)
    text = raw.decode("utf-8", errors="replace")
    with each_example_undone():
        before = set(Comment.objects.values_list("pk", flat=True))

        response = client.post(
            reverse("forum:post-comment", args=[open_thread.pk]),
            b"body=" + quote_from_bytes(raw).encode(),
            content_type="application/x-www-form-urlencoded",
        )

        assert_answered(response, text)
        stored = list(new_comments(before).values_list("body", flat=True))
        assert stored == ([text.strip()] if acceptable(text) else [])


@generated
@given(text=bodies)
def test_any_text_in_a_reply_is_stored_as_typed_or_refused(
    client, trusted_reader, open_thread, own_comment, text
):
    client.force_login(trusted_reader)
    with each_example_undone():
        before = set(Comment.objects.values_list("pk", flat=True))

        response = client.post(
            reverse("forum:post-comment", args=[open_thread.pk]),
            {"body": text, "parent": own_comment.pk},
        )

        assert_answered(response, text)
        stored = list(new_comments(before).values_list("body", "parent_id"))
        assert stored == ([(text.strip(), own_comment.pk)] if acceptable(text) else [])


@generated
@given(text=bodies)
def test_any_text_in_an_edit_is_stored_as_typed_or_refused(client, own_comment, text):
    client.force_login(own_comment.author)
    with each_example_undone():
        response = client.post(reverse("forum:edit-comment", args=[own_comment.pk]), {"body": text})

        assert_answered(response, text)
        own_comment.refresh_from_db()
        assert own_comment.body == (text.strip() if acceptable(text) else "My own words.")


@generated
@given(comment_id=ids)
def test_any_id_in_a_permalink_is_found_or_not(client, published_comment, comment_id):
    with each_example_undone():
        response = client.get(f"/c/{comment_id}/")

        found = comment_id in set(Comment.objects.values_list("pk", flat=True))
        assert response.status_code == (302 if found else 404)


@generated
@given(segment=segments)
def test_any_segment_in_a_permalink_is_found_or_not(client, published_comment, segment):
    with each_example_undone():
        response = client.get(f"/c/{quote(segment, safe='')}/")

        if "\x00" in segment:
            assert response.status_code == 400
        else:
            assert response.status_code == (302 if names_a_comment(segment) else 404)


@generated
@given(comment_id=ids)
def test_any_id_in_a_report_is_found_or_not(client, reader, published_comment, comment_id):
    client.force_login(reader)
    with each_example_undone():
        response = client.post(f"/c/{comment_id}/report/", {"reason": "spam"})

        found = comment_id in set(Comment.objects.values_list("pk", flat=True))
        assert response.status_code == (302 if found else 404)
        assert Report.objects.count() == (1 if found else 0)


@generated
@given(segment=segments)
def test_any_segment_in_a_report_is_found_or_not(client, reader, published_comment, segment):
    client.force_login(reader)
    with each_example_undone():
        response = client.post(f"/c/{quote(segment, safe='')}/report/", {"reason": "spam"})

        if "\x00" in segment:
            assert response.status_code == 400
        else:
            assert response.status_code == (302 if names_a_comment(segment) else 404)
        assert Report.objects.count() == (1 if response.status_code == 302 else 0)
