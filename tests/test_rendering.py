import re

import nh3
import pytest
from django.utils.html import linebreaks, urlize

from forum.rendering import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    ALLOWED_URL_SCHEMES,
    initials,
    render_comment_body,
)

from .factories import CommentFactory, UserFactory


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("Plain words.", "<p>Plain words.</p>"),
        ("One line\nnext line", "<p>One line<br>next line</p>"),
        ("First paragraph.\n\nSecond.", "<p>First paragraph.</p>\n\n<p>Second.</p>"),
        ("Windows\r\n\r\nbreaks", "<p>Windows</p>\n\n<p>breaks</p>"),
        ("“Curly” quotes – kept", "<p>“Curly” quotes – kept</p>"),
    ],
)
def test_paragraphs_and_line_breaks_are_kept(text, html):
    assert render_comment_body(text) == html


def test_html_is_escaped_not_interpreted():
    html = render_comment_body('<script>alert("x")</script><b>bold</b>')

    assert "<script>" not in html
    assert "<b>" not in html
    assert "&lt;script&gt;" in html


def test_web_addresses_become_nofollow_ugc_links():
    html = render_comment_body("See https://example.org/report?id=1 for more.")

    assert '<a href="https://example.org/report?id=1" rel="nofollow ugc">' in html


def test_javascript_urls_never_become_links():
    html = render_comment_body('javascript:alert(1) and <a href="javascript:alert(1)">x</a>')

    assert "<a" not in html


def test_email_addresses_are_not_linked():
    html = render_comment_body("write to editor@example.org")

    assert "mailto:" not in html
    assert "editor@example.org" in html


@pytest.mark.parametrize(
    "text",
    [
        "See https://example.org/x, and www.example.com/bar. Mail me@example.org!",
        "a < b & \"c\" 'd'\r\n\r\nnew paragraph\nline\rcarriage",
        "(http://127.0.0.1/a) [www.example.net] <https://example.org/>",
        "example.com. EXAMPLE.ORG, ftp://example.org javascript:alert(1)",
        "nothing to link here.\n\n\n\n  spaced  out ",
        "x" * 40 + ".net/path?q=1&r=2",
        "<b>bold</b> &amp; &lt;script&gt; \u202eRTL مرحبا e\u0301 🎉",
        "",
    ],
)
def test_bodies_render_as_django_urlize_and_linebreaks_would(text):
    """render_comment_body hands urlize only the words that could be links, for speed;
    the HTML must be what urlize on the whole text gives."""
    reference = nh3.clean(
        linebreaks(urlize(text.replace("\r\n", "\n"), nofollow=False, autoescape=True)),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow ugc",
    )

    assert render_comment_body(text) == reference


@pytest.mark.parametrize(
    ("name", "letters"),
    [
        ("Tess Talker", "TT"),
        ("rita", "R"),
        ("Ana María de la Vega", "AM"),
        ("@ann o'neil", "AO"),
        ("Ñandú Ésteban", "ÑÉ"),
        ("— —", "?"),
    ],
)
def test_initials_of_a_name(name, letters):
    assert initials(name) == letters


@pytest.mark.django_db
def test_each_comment_shows_its_authors_initials_hidden_from_screen_readers(client, open_thread):
    CommentFactory(thread=open_thread, author=UserFactory(display_name="Tess Talker"))
    CommentFactory(thread=open_thread, author=UserFactory(display_name="<b>Bold</b> Ben"))

    html = client.get(open_thread.article.get_absolute_url()).content.decode()

    circle = r'<span class="comment-avatar comment-avatar-[0-5]" aria-hidden="true">%s</span>'
    assert re.search(circle % "TT" + '<span class="comment-author">Tess Talker</span>', html)
    assert re.search(circle % "BB", html)  # the name's markup is text, not tags
    assert "<b>Bold" not in html
