"""What every source hands to the writer: articles and comments as plain records, keyed
by where they came from, and the two ways an import can fail."""

import datetime as dt
import html
import ipaddress
import re
from dataclasses import dataclass, field

import nh3
from django.utils.safestring import mark_safe

from forum.rendering import ALLOWED_URL_SCHEMES, render_comment_body, sanitise


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
    # A removed or spam comment's status before: what restoring it gives back.
    status_before_removal: str = ""


TAG = re.compile(r"<[a-zA-Z/!?]")
BLOCK_TAGS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "li",
    "table", "tr", "figure", "figcaption", "hr", "section", "article", "header", "footer",
}  # fmt: skip
BLOCK = re.compile(r"</?(?:" + "|".join(sorted(BLOCK_TAGS)) + r")\s*/?>", re.IGNORECASE)
BREAK = re.compile(r"<br\s*/?>[ \t]*\n?", re.IGNORECASE)
BLANK_LINES = re.compile(r"\n[ \t]*\n")
ADDRESSLESS_LINK = re.compile(r"<a>(.*?)</a>", re.DOTALL)


def html_to_text(markup: str) -> str:
    """A one-line HTML field (a title) as plain text: tags go, entities are decoded.

    WordPress keeps titles as HTML, so "&amp;" or "&#8217;" in one is a character, not
    what the newsroom typed. Tags go first, so that an escaped "&lt;b&gt;" stays text.
    """
    return html.unescape(nh3.clean(markup, tags=set(), attributes={}, link_rel=None)).strip()


def paragraph_lines(cleaned: str) -> list[list[str]]:
    """nh3's output as paragraphs, each a list of its lines, still HTML.

    Block tags and blank lines end a paragraph and ``<br>`` ends a line; blank lines
    and paragraphs are left out.
    """
    cleaned = BLOCK.sub("\n\n", BREAK.sub("\n", cleaned)).replace("&nbsp;", " ")
    paragraphs = []
    for part in BLANK_LINES.split(cleaned):
        lines = [line.strip() for line in part.split("\n")]
        lines = [line for line in lines if line]
        if lines:
            paragraphs.append(lines)
    return paragraphs


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
    return "\n\n".join(
        "\n".join(html.unescape(line) for line in lines) for lines in paragraph_lines(cleaned)
    )


def html_comment(markup: str) -> tuple[str, str]:
    """An HTML comment's (plain body, body_html), made of the same paragraphs and lines.

    Split as ``html_to_paragraphs`` splits an article; each paragraph keeps its links
    (sanitised) and line breaks, in a ``<p>``, and a line with no text is left out.
    """
    cleaned = nh3.clean(
        markup.replace("\r\n", "\n"),
        tags=BLOCK_TAGS | {"br", "a"},
        attributes={"a": {"href"}},
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=None,
    )
    # A link whose address was refused (javascript:, ...) is left as its text.
    cleaned = ADDRESSLESS_LINK.sub(r"\1", cleaned)
    texts, paragraphs = [], []
    for lines in paragraph_lines(cleaned):
        shown = [(html_to_text(line), line) for line in lines]
        shown = [(text, line) for text, line in shown if text]
        if shown:
            texts.append("\n".join(text for text, _ in shown))
            # One paragraph at a time, so that a link cut by a block tag is closed here.
            paragraphs.append(sanitise("<p>" + "<br>".join(line for _, line in shown) + "</p>"))
    return "\n\n".join(texts), mark_safe("\n\n".join(paragraphs))


def comment_text(content: str) -> tuple[str, str]:
    """A comment's (plain body, sanitised body_html) from the old system's text.

    Text without any tag is the reader's own text, escaped: it comes back exactly, and is
    rendered as a comment written here would be (``render_comment_body``). HTML keeps
    its paragraphs, line breaks and links (``html_comment``).
    """
    if not TAG.search(content):
        body = html.unescape(content)
        return body, render_comment_body(body)
    return html_comment(content)


def ip_address(text: str) -> str | None:
    """The address if it is one: the column takes nothing else."""
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def shortened(text: str, length: int = 30) -> str:
    """Enough of a value to recognise it in a one-line message."""
    return text if len(text) <= length else text[:length] + "…"
