"""Turning a comment's plain text into safe HTML for the page."""

import nh3
from django.utils.html import linebreaks, urlize
from django.utils.safestring import SafeString, mark_safe

# What survives sanitising: paragraphs, line breaks and links, nothing else.
ALLOWED_TAGS = {"p", "br", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
ALLOWED_URL_SCHEMES = {"http", "https"}


def render_comment_body(text: str) -> SafeString:
    """Escape the text, link its web addresses and keep its paragraphs and line breaks.

    Links get rel="nofollow ugc" so that spam gains nothing from search engines, and
    only http and https addresses become links. nh3 has the last word on what is
    allowed, whatever the steps before it produced.
    """
    html = linebreaks(urlize(text.replace("\r\n", "\n"), nofollow=False, autoescape=True))
    return mark_safe(
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes=ALLOWED_URL_SCHEMES,
            link_rel="nofollow ugc",
        )
    )
