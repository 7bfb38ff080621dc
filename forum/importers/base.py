"""What every source hands to the writer: articles and comments as plain records, keyed
by where they came from, and the two ways an import can fail."""

import datetime as dt
import html
import re
from dataclasses import dataclass, field

import nh3
from django.utils.html import linebreaks, urlize

from forum.rendering import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, ALLOWED_URL_SCHEMES


class ImportFailed(Exception):
    """The file cannot be imported: a one-line message naming the file and line."""


class BadItem(ImportFailed):
    """One item of the file is wrong (an unknown status, a date that is not one)."""


@dataclass
class ImportedArticle:
    source_id: str
    source_url: str
    title: str
    slug: str  # wanted; made unique when stored
    body: str
    published: bool
    published_at: dt.datetime
    comments_open: bool = True
    note: str = ""  # what was assumed, for Article.source_note
    extra: dict = field(default_factory=dict)  # standfirst, credit, image_alt, ...
    closing_message: str = ""
    author_email: str = ""  # the writer's account is the one with this address, if any


@dataclass
class ImportedComment:
    source_id: str
    parent_source_id: str  # "" for a top-level comment
    status: str  # a Comment.Status
    created_at: dt.datetime
    # The text as the old system keeps it (HTML, or escaped plain text): turned into
    # our body and body_html by the writer, only for the comments it stores.
    content: str
    author_name: str = ""
    author_email: str = ""
    author_url: str = ""
    ip_address: str | None = None
    user_agent: str = ""
    kind: str = "comment"
    anonymous: bool = False  # never matched to an account
    deleted_at: dt.datetime | None = None
    edited_at: dt.datetime | None = None
    reason_code: str = ""
    reason: str = ""


TAG = re.compile(r"<[a-zA-Z/!?]")
BLOCK_TAGS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "li",
    "table", "tr", "figure", "figcaption", "hr", "section", "article", "header", "footer",
}  # fmt: skip
BLOCK = re.compile(r"</?(?:" + "|".join(sorted(BLOCK_TAGS)) + r")\s*/?>", re.IGNORECASE)
BREAK = re.compile(r"<br\s*/?>[ \t]*\n?", re.IGNORECASE)
BLANK_LINES = re.compile(r"\n[ \t]*\n")


def html_to_paragraphs(markup: str) -> str:
    """WordPress HTML as our plain text: paragraphs split by a blank line, a paragraph's
    own line breaks kept.

    Block tags and blank lines split paragraphs, ``<br>`` is a line break, every other
    tag goes (scripts and styles with what is inside them) and entities are decoded.
    """
    # nh3 parses like a browser: what it keeps are the block tags and breaks, with no
    # attributes; scripts, styles and comments go with their content.
    cleaned = nh3.clean(
        markup.replace("\r\n", "\n"), tags=BLOCK_TAGS | {"br"}, attributes={}, link_rel=None
    )
    cleaned = BREAK.sub("\n", cleaned)
    cleaned = BLOCK.sub("\n\n", cleaned)
    text = html.unescape(cleaned).replace("\xa0", " ")
    paragraphs = []
    for part in BLANK_LINES.split(text):
        lines = [line.strip() for line in part.split("\n")]
        paragraph = "\n".join(line for line in lines if line)
        if paragraph:
            paragraphs.append(paragraph)
    return "\n\n".join(paragraphs)


# What Django's urlize could turn into a link (its simple_url_re, simple_url_2_re and
# e-mail test), and how it splits words: anything else it only escapes.
LINK_LIKE = re.compile(r"https?://|www\.|@|\.(?:com|edu|gov|int|mil|net|org)", re.IGNORECASE)
URLIZE_WORDS = re.compile(r"""([\s<>"']+)""")


NEWLINES = re.compile(r"\r\n|\r")
PARAGRAPH_BREAKS = re.compile("\n{2,}")


def render_body(text: str) -> str:
    """``forum.rendering.render_comment_body(text)``: the same HTML (a test holds them
    together), made faster for archives of a hundred thousand comments.

    Django's urlize looks at every word and escapes those that are no link; here it is
    given only the words that could be links and the rest is escaped in one go. Then
    Django's linebreaks and the same nh3 allow-list.
    """
    text = text.replace("\r\n", "\n")
    if LINK_LIKE.search(text):
        pieces, plain = [], []
        for word in URLIZE_WORDS.split(text):
            if LINK_LIKE.search(word):
                pieces.append(html.escape("".join(plain)))
                pieces.append(urlize(word, nofollow=False, autoescape=True))
                plain = []
            else:
                plain.append(word)
        pieces.append(html.escape("".join(plain)))
        marked = "".join(pieces)
    else:
        marked = html.escape(text)
    paragraphs = PARAGRAPH_BREAKS.split(NEWLINES.sub("\n", marked))
    return nh3.clean(
        "\n\n".join(f"<p>{paragraph.replace(chr(10), '<br>')}</p>" for paragraph in paragraphs),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow ugc",
    )


def comment_text(content: str, *, render=render_body) -> tuple[str, str]:
    """A comment's (plain body, sanitised body_html) from the old system's HTML.

    Text without any tag is the reader's own text, escaped: it comes back exactly, and is
    rendered as a comment written here would be (``render_body``). HTML
    keeps its paragraphs, breaks and links, sanitised with the same allow-list.
    """
    if not TAG.search(content):
        body = html.unescape(content)
        return body, render(body)
    body = html_to_paragraphs(content)
    body_html = nh3.clean(
        linebreaks(content.replace("\r\n", "\n").strip(), autoescape=False),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow ugc",
    )
    return body, body_html
