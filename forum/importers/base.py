"""What every source hands to the writer: articles and comments as plain records, keyed
by where they came from, and the two ways an import can fail."""

import datetime as dt
import html
import ipaddress
import re
from dataclasses import dataclass, field

import nh3
from django.utils.html import linebreaks

from forum.rendering import render_comment_body, sanitise


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


def comment_text(content: str) -> tuple[str, str]:
    """A comment's (plain body, sanitised body_html) from the old system's HTML.

    Text without any tag is the reader's own text, escaped: it comes back exactly, and is
    rendered as a comment written here would be (``render_comment_body``). HTML
    keeps its paragraphs, breaks and links, sanitised with the same allow-list.
    """
    if not TAG.search(content):
        body = html.unescape(content)
        return body, render_comment_body(body)
    body = html_to_paragraphs(content)
    return body, sanitise(linebreaks(content.replace("\r\n", "\n").strip(), autoescape=False))


def ip_address(text: str) -> str | None:
    """The address if it is one: the column takes nothing else."""
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def shortened(text: str, length: int = 30) -> str:
    """Enough of a value to recognise it in a one-line message."""
    return text if len(text) <= length else text[:length] + "…"
