"""A deterministic WordPress export for the import benchmark: a WXR 1.2 file with posts
and comments in the shapes that make an importer slow or wrong.

The same seed and sizes give the same bytes. By default, 1,000 posts and pages (and the
attachments and menu items a real export carries, which the importer skips) with 100,000
comments, plus pingbacks and trackbacks on top:

- one post with a fifth of the comments (20,000), a few with a few thousand, and the
  rest spread unevenly over the published posts: many with a handful, many with none;
- in each post, a uniformly random reply tree: about a quarter of the comments are
  top-level, and each reply answers a comment chosen uniformly among the post's earlier
  ones (whatever its status), so threads go far deeper than the forum's cap;
- statuses as an archive has them: mostly approved (``1``), some pending (``0``),
  ``spam`` and ``trash``;
- bodies of one to several paragraphs with curly quotes, apostrophes, emoji, accents,
  right-to-left and combining marks, now and then a link, an ``<em>`` or a quote, HTML
  entities (``&amp;``, ``&#8230;``), mostly in CDATA sections and sometimes as escaped
  text; a few thousand commenters (regulars write most), emails sometimes empty, padded
  with spaces or in capitals, IPv4 and IPv6 addresses, GMT and local dates (the GMT one
  sometimes ``0000-00-00 00:00:00``), Akismet's comment meta;
- posts mostly published, some closed to comments, some drafts (no GMT date, no slug),
  pending, private, scheduled or password-protected, some pages; slugs that repeat.

The file is written as a stream with the standard library's XML writer: nothing holds
more than one post's comments. ``write_wxr`` returns what it wrote (``WxrSummary``), the
counts an import of the file must give; ``python -m bench.wxr`` writes the file and those
counts next to it (``FILE.json``)::

    .venv/bin/python -m bench.wxr /tmp/bench.xml            # 1,000 posts, 100,000 comments
    .venv/bin/python -m bench.wxr /tmp/small.xml --posts 100 --comments 10000
"""

import argparse
import bisect
import json
import random
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from itertools import accumulate
from pathlib import Path
from xml.sax.saxutils import XMLGenerator
from zoneinfo import ZoneInfo

from bench.generate import WORDS

SEED = 20160320
POSTS = 1_000
COMMENTS = 100_000
SITE = "https://news.example.org"
# The site's zone: local dates (wp:post_date, wp:comment_date) are in it. The benchmark
# imports with DJANGO_TIME_ZONE set to the same, as a newsroom would.
SITE_ZONE = "Europe/Madrid"
MAX_DEPTH = 5  # forum.settings.FORUM_MAX_THREAD_DEPTH, for the summary

HUGE_THREAD_SHARE = 0.2  # one post with a fifth of all comments
LARGE_THREADS_PER_1000_POSTS = 6
LARGE_THREAD_SHARE = (0.015, 0.04)  # each of a few thousand comments at 100,000
TOP_LEVEL_SHARE = 0.25
PINGBACK_SHARE = 0.006  # on top of the comments
COMMENTERS = 4_000
ATTACHMENTS_PER_POST = 0.15
MENU_ITEMS = 8
NO_GMT_DATE = "0000-00-00 00:00:00"
START = datetime(2016, 3, 20, 9, 0, tzinfo=UTC)

# wp:status of the posts (and what the forum makes of them): most are published.
POST_STATUSES = {"publish": 91, "draft": 4, "pending": 1, "private": 1, "future": 1}
PASSWORD_SHARE = 0.01  # published, but password-protected: imported as drafts
PAGE_SHARE = 0.03
CLOSED_SHARE = 0.12
# wp:comment_approved of the comments.
COMMENT_STATUSES = {"1": 89, "0": 3, "spam": 6, "trash": 2}
PINGBACK_STATUSES = {"1": 85, "spam": 10, "0": 5}
# What the forum stores for each (the import contract).
FORUM_STATUS = {"1": "published", "0": "pending", "spam": "spam", "trash": "removed"}

NAMESPACES = {
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "wp": "http://wordpress.org/export/1.2/",
}

FIRST_NAMES = """
Ana Luis María José Carmen Yusimí Dayana Ernesto Raúl Zoë Chloé François Søren Bjørn
Ngozi Aiyana Kenji Mei Priya Arjun Olga Dmitri Fatima Omar Siobhán Seán Ignacio Beatriz
Tom Sarah James Emily Michael Linda David Karen Paul Nancy Ahmed Layla Noa Yael
""".split()  # noqa: SIM905
LAST_NAMES = """
García Rodríguez Pérez Fernández López Díaz O’Brien D’Angelo Müller Schröder Nguyễn
Kowalski Smith Johnson Brown Taylor Wilson Okafor Tanaka Chen Singh Ivanova Haddad
Martí Castro Núñez Álvarez Ortiz Cabrera Hernández Cohen Levi
""".split()  # noqa: SIM905
# Names that do not come from first + last: scripts, marks and habits of real commenters.
OTHER_NAMES = [
    "علي حسن",
    "מרים לוי",
    "王芳",
    "김민준",
    "Zoe\u0308 Dupont",  # a combining diaeresis, not the precomposed ë
    "Jose\u0301 Martí",
    "Mar 🌊",
    "el_habanero",
    "Anonymous",
    "A reader from Miami",
    "Dr. K. & family",
    "<b>not bold</b>",
]
EMAIL_DOMAINS = ["example.com", "example.net", "example.org", "mail.example"]
CONTRACTIONS = ["don’t", "it’s", "I’m", "we’re", "can’t", "isn’t", "they’ve", "that’s"]
EMOJI = ["😀", "👍", "🙏", "🇨🇺", "❤️", "🤔", "😢", "🔥", "👏🏽", "🤷‍♀️"]
FOREIGN_SENTENCES = [
    "¿Y quién paga la cuenta? Nadie lo sabe todavía.",
    "La situación en La Habana es más difícil cada día.",
    "هذا صحيح تماما، شكرا على المقال.",
    "זה נכון, תודה.",
    "这是真的吗？",
    "Ça dépend du ministère, évidemment.",
    "Tôi đồng ý với bạn.",
]
ENTITY_PHRASES = [
    "Q&amp;A",
    "AT&amp;T",
    "rock &amp; roll",
    "and so on&#8230;",
    "wait&hellip;",
    "&#8220;so-called&#8221;",
    "it&#8217;s true",
    "&lt;3",
    "5 &gt; 3",
    "&nbsp;&nbsp;really",
]
CATEGORIES = [("news", "News"), ("world", "World"), ("opinion", "Opinion"), ("sport", "Sport")]
SLUG_THAT_REPEATS = "live-updates"


@dataclass
class WxrSummary:
    """What a file holds: the counts an import of it must give."""

    path: str
    seed: int
    site: str
    site_zone: str
    posts: int  # items that become articles: posts and pages
    articles: dict[str, int]  # by the forum's status: published, draft
    closed_threads: int
    skipped_items: dict[str, int]  # by wp:post_type: attachment, nav_menu_item
    comments: int  # real comments, not counting pingbacks and trackbacks
    comments_by_wordpress_status: dict[str, int]  # "1", "0", "spam", "trash"
    pingbacks: dict[str, int]  # by wp:comment_type: pingback, trackback
    largest_threads: list[int]  # comments in the largest posts, largest first
    posts_with_comments: int
    top_level: int  # comments without a parent
    max_depth: int  # in the file's reply trees; top-level comments are at depth 1
    comments_past_cap: int  # deeper than MAX_DEPTH
    bytes: int = 0
    seconds: float = 0.0
    # Ordered as written, for a test to read back.
    thread_sizes: list[int] = field(default_factory=list, repr=False)

    @property
    def comments_by_forum_status(self) -> dict[str, int]:
        """The comments an import stores, by Comment.status (pingbacks skipped)."""
        counts = dict.fromkeys(FORUM_STATUS.values(), 0)
        for status, count in self.comments_by_wordpress_status.items():
            counts[FORUM_STATUS[status]] += count
        return counts

    def as_json(self) -> dict:
        data = asdict(self)
        data["comments_by_forum_status"] = self.comments_by_forum_status
        return data

    @classmethod
    def from_json(cls, data: dict) -> "WxrSummary":
        data = {key: value for key, value in data.items() if key != "comments_by_forum_status"}
        return cls(**data)

    def describe(self) -> str:
        statuses = ", ".join(
            f"{count:,} {status}" for status, count in self.comments_by_forum_status.items()
        )
        return (
            f"{self.path}: {self.bytes / 1e6:.0f} MB, {self.posts:,} posts and pages "
            f"({self.articles['published']:,} published, {self.articles['draft']:,} drafts, "
            f"{self.closed_threads:,} closed), {self.comments:,} comments ({statuses}) + "
            f"{sum(self.pingbacks.values()):,} pingbacks and trackbacks; largest threads "
            f"{', '.join(f'{size:,}' for size in self.largest_threads[:4])}; depth up to "
            f"{self.max_depth} ({self.comments_past_cap:,} past the cap of {MAX_DEPTH}); "
            f"{self.seconds:.1f} s"
        )


class WxrWriter:
    """Elements one at a time, indented with tabs as WordPress writes them."""

    def __init__(self, stream):
        self.xml = XMLGenerator(stream, encoding="utf-8", short_empty_elements=False)
        self.level = 0

    def _raw(self, text: str) -> None:
        # XMLGenerator writes ignorable whitespace as given, unescaped: the one way in its
        # public interface to write markup it has no method for (a CDATA section).
        self.xml.ignorableWhitespace(text)

    def start_document(self) -> None:
        self.xml.startDocument()

    def end_document(self) -> None:
        self._raw("\n")
        self.xml.endDocument()

    def open(self, name: str, attributes: dict | None = None) -> None:
        if self.level:
            self._raw("\n" + "\t" * self.level)
        self.xml.startElement(name, attributes or {})
        self.level += 1

    def close(self, name: str) -> None:
        self.level -= 1
        self._raw("\n" + "\t" * self.level)
        self.xml.endElement(name)

    def field(self, name: str, text: str | int, *, cdata: bool = True, attributes=None) -> None:
        self._raw("\n" + "\t" * self.level)
        self.xml.startElement(name, attributes or {})
        if cdata:
            # As WordPress's wxr_cdata(): a "]]>" inside would end the section early.
            self._raw("<![CDATA[" + str(text).replace("]]>", "]]]]><![CDATA[>") + "]]>")
        else:
            self.xml.characters(str(text))
        self.xml.endElement(name)


@dataclass
class Post:
    post_id: int
    post_type: str  # post, page
    status: str  # wp:status
    password: str
    comment_status: str  # open, closed
    published_at: datetime
    title: str
    slug: str
    comments: int = 0

    @property
    def forum_status(self) -> str:
        return "published" if self.status == "publish" and not self.password else "draft"


@dataclass
class Commenter:
    name: str
    email: str
    url: str
    user_id: int


class Generator:
    def __init__(self, *, posts: int, comments: int, seed: int, site: str, site_zone: str):
        self.rng = random.Random(f"wxr:{seed}:{posts}:{comments}")
        self.post_count = posts
        self.comment_count = comments
        self.site = site
        self.zone = ZoneInfo(site_zone)
        self.next_id = 1  # wp:post_id and attachment ids share one sequence, as in WordPress
        self.next_comment_id = 1
        self.commenters = [self._commenter(number) for number in range(COMMENTERS)]
        # Regulars write most of the comments: weights falling with rank.
        self.commenter_weights = list(
            accumulate(1 / (rank + 1) ** 0.8 for rank in range(COMMENTERS))
        )
        self.wordpress_statuses: Counter = Counter()
        self.pingbacks: Counter = Counter()
        self.top_level = 0
        self.max_depth = 0
        self.past_cap = 0
        self.skipped: Counter = Counter()  # items the importer skips, by wp:post_type
        self.posts: list[Post] = []

    # The people and their words

    def _commenter(self, number: int) -> Commenter:
        rng = self.rng
        if rng.random() < 0.05:
            name = rng.choice(OTHER_NAMES)
        else:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        local = "".join(char for char in name.lower() if char.isascii() and char.isalnum())
        email = f"{local or 'reader'}{number}@{rng.choice(EMAIL_DOMAINS)}"
        roll = rng.random()
        if roll < 0.08:
            email = ""
        elif roll < 0.11:
            email = f"  {email} "  # the importer trims it
        elif roll < 0.13:
            email = email.upper()
        url = ""
        if rng.random() < 0.2:
            scheme = rng.choice(["https", "https", "http"])
            url = f"{scheme}://blog{number}.example.net/"
        user_id = rng.randint(2, 40) if rng.random() < 0.03 else 0
        return Commenter(name, email, url, user_id)

    def _ip(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.01:
            return ""
        if roll < 0.11:
            return f"2001:db8:{rng.randrange(0x10000):x}::{rng.randrange(1, 0x10000):x}"
        network = rng.choice(["192.0.2", "198.51.100", "203.0.113"])
        return f"{network}.{rng.randint(1, 254)}"

    def _sentence(self) -> str:
        rng = self.rng
        if rng.random() < 0.02:
            return rng.choice(FOREIGN_SENTENCES)
        words = [rng.choice(WORDS) for _ in range(rng.randint(5, 16))]
        if rng.random() < 0.3:
            words[rng.randrange(len(words))] = rng.choice(CONTRACTIONS)
        if rng.random() < 0.05:
            words[rng.randrange(len(words))] = rng.choice(ENTITY_PHRASES)
        if rng.random() < 0.02:
            position = rng.randrange(len(words))
            tag = rng.choice(["em", "strong", "b", "i"])
            words[position] = f"<{tag}>{words[position]}</{tag}>"
        sentence = " ".join(words)
        sentence = sentence[0].upper() + sentence[1:] + rng.choice(".....?!")
        if rng.random() < 0.06:
            sentence = f"“{sentence}”"
        return sentence

    def comment_body(self, number: int) -> str:
        """One to several paragraphs, blank-line separated, as WordPress stores them."""
        rng = self.rng
        count = rng.choices([1, 2, 3, 4, 5, 6], weights=[40, 28, 15, 9, 5, 3])[0]
        paragraphs = []
        for _ in range(count):
            sentences = [self._sentence() for _ in range(rng.randint(1, 5))]
            joiner = "\n" if rng.random() < 0.05 else " "
            paragraphs.append(joiner.join(sentences))
        if rng.random() < 0.07:
            paragraphs[-1] += " " + rng.choice(EMOJI)
        roll = rng.random()
        if roll < 0.03:
            link = f"https://example.org/news/{number}"
            paragraphs[0] += f' See <a href="{link}" rel="nofollow ugc">{link}</a>.'
        elif roll < 0.05:
            paragraphs[0] += f" More at https://www.example.com/story/{number}?ref=comments"
        if rng.random() < 0.03:
            paragraphs.insert(0, f"<blockquote>{self._sentence()}</blockquote>")
        if rng.random() < 0.01:
            paragraphs.append("<code>if (a[b[0]]>c) { alert(1); }</code>")  # "]]>" in CDATA
        if rng.random() < 0.03:
            # Comments that came through a plugin or an earlier import, in paragraphs.
            return "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
        return "\n\n".join(paragraphs)

    def post_body(self) -> str:
        rng = self.rng
        paragraphs = []
        for _ in range(rng.randint(3, 9)):
            text = " ".join(self._sentence() for _ in range(rng.randint(2, 6)))
            paragraphs.append(f"<!-- wp:paragraph -->\n<p>{text}</p>\n<!-- /wp:paragraph -->")
        if rng.random() < 0.2:
            paragraphs.insert(
                2, "<!-- wp:heading -->\n<h2>What comes next</h2>\n<!-- /wp:heading -->"
            )
        if rng.random() < 0.05:
            paragraphs.append('<script src="https://platform.example.com/embed.js"></script>')
        return "\n\n".join(paragraphs)

    # The shape of the archive

    def plan_posts(self) -> list[Post]:
        rng = self.rng
        posts = []
        statuses, weights = zip(*POST_STATUSES.items(), strict=True)
        for index in range(self.post_count):
            status = "publish" if index == 0 else rng.choices(statuses, weights)[0]
            password = ""
            if status == "publish" and index and rng.random() < PASSWORD_SHARE:
                password = "embargo"
            post_type = "page" if index and rng.random() < PAGE_SHARE else "post"
            published_at = START + timedelta(days=2.5 * index, minutes=rng.randint(0, 600))
            if status == "future":
                published_at = datetime(2031, 1, 1, tzinfo=UTC) + timedelta(days=index)
            words = [rng.choice(WORDS) for _ in range(rng.randint(3, 9))]
            slug = "-".join(words)
            title = " ".join(words).capitalize()
            if rng.random() < 0.1:
                title = f"“{title}” {rng.choice(EMOJI)}"
            if rng.random() < 0.02:
                title = f"Live updates: {title}"
                slug = SLUG_THAT_REPEATS  # WordPress had them unique; merged exports do not
            if status == "draft":
                slug = ""  # WordPress names a draft only when it is published
            closed = status == "publish" and rng.random() < CLOSED_SHARE
            posts.append(
                Post(
                    post_id=0,
                    post_type=post_type,
                    status=status,
                    password=password,
                    comment_status="closed" if closed else "open",
                    published_at=published_at,
                    title=title,
                    slug=slug,
                )
            )
        self._plan_comments(posts)
        return posts

    def _plan_comments(self, posts: list[Post]) -> None:
        """How many comments each published post gets: one huge thread, a few large ones,
        and the rest spread unevenly (heavy-tailed weights) over the others."""
        rng = self.rng
        takers = [
            post
            for post in posts
            if post.post_type == "post" and post.status == "publish" and not post.password
        ]
        total = self.comment_count
        huge = takers[0]
        huge.comment_status = "open"
        huge.comments = round(total * HUGE_THREAD_SHARE)
        left = total - huge.comments
        rest = takers[1:]
        large_count = max(1, round(self.post_count * LARGE_THREADS_PER_1000_POSTS / 1000))
        large = rng.sample(rest, min(large_count, len(rest)))
        for number, post in enumerate(large):
            post.comments = min(left, round(total * rng.uniform(*LARGE_THREAD_SHARE)))
            left -= post.comments
            if number == 0:
                post.comment_status = "closed"  # a big discussion, closed afterwards
        small = [post for post in rest if post not in large] or [huge]
        # Log-normal: most posts get a handful, some a few hundred, one in five none.
        weights = [
            0.0 if rng.random() < 0.2 else min(rng.lognormvariate(0, 2.0), 150.0) for _ in small
        ]
        if not any(weights):
            weights = [1.0] * len(small)
        for post in rng.choices(small, weights, k=left):
            post.comments += 1

    # Writing

    def write(self, writer: WxrWriter) -> list[int]:
        posts = self.plan_posts()
        writer.start_document()
        attributes = {"version": "2.0"}
        attributes.update({f"xmlns:{prefix}": uri for prefix, uri in NAMESPACES.items()})
        writer.open("rss", attributes)
        writer.open("channel")
        writer.field("title", "Havana News & Views", cdata=False)
        writer.field("link", self.site, cdata=False)
        writer.field(
            "description", "News from the island, and what readers make of it", cdata=False
        )
        writer.field(
            "pubDate", format_datetime(datetime(2025, 1, 6, 8, 0, tzinfo=UTC)), cdata=False
        )
        writer.field("language", "en-US", cdata=False)
        writer.field("wp:wxr_version", "1.2", cdata=False)
        writer.field("wp:base_site_url", self.site, cdata=False)
        writer.field("wp:base_blog_url", self.site, cdata=False)
        for number, login in enumerate(["editor", "desk", "correspondent"], start=1):
            writer.open("wp:author")
            writer.field("wp:author_id", number, cdata=False)
            writer.field("wp:author_login", login)
            writer.field("wp:author_email", f"{login}@news.example.org")
            writer.field("wp:author_display_name", login.capitalize())
            writer.field("wp:author_first_name", "")
            writer.field("wp:author_last_name", "")
            writer.close("wp:author")
        for number, (slug, name) in enumerate(CATEGORIES, start=1):
            writer.open("wp:category")
            writer.field("wp:term_id", number, cdata=False)
            writer.field("wp:category_nicename", slug)
            writer.field("wp:category_parent", "")
            writer.field("wp:cat_name", name)
            writer.close("wp:category")
        writer.field("generator", "https://wordpress.org/?v=6.4.2", cdata=False)
        menu_items_left = MENU_ITEMS
        sizes = []
        for post in posts:
            self._write_post(writer, post)
            sizes.append(post.comments)
            while self.rng.random() < ATTACHMENTS_PER_POST:
                self._write_attachment(writer, post)
            if menu_items_left and self.rng.random() < 0.01:
                self._write_menu_item(writer)
                menu_items_left -= 1
        for _ in range(menu_items_left):
            self._write_menu_item(writer)
        writer.close("channel")
        writer.close("rss")
        writer.end_document()
        self.posts = posts
        return sizes

    def _dates(self, writer: WxrWriter, name: str, moment: datetime, *, gmt: bool) -> None:
        """``wp:NAME`` in the site's zone and ``wp:NAME_gmt`` in UTC (or WordPress's zero
        date when there is none)."""
        local = moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M:%S")
        writer.field(f"wp:{name}", local)
        writer.field(f"wp:{name}_gmt", moment.strftime("%Y-%m-%d %H:%M:%S") if gmt else NO_GMT_DATE)

    def _item_head(self, writer: WxrWriter, *, post_id: int, title: str, link: str, when: datetime):
        writer.open("item")
        writer.field("title", title, cdata=self.rng.random() < 0.9)
        writer.field("link", link, cdata=False)
        writer.field("pubDate", format_datetime(when), cdata=False)
        writer.field("dc:creator", self.rng.choice(["editor", "desk", "correspondent"]))
        writer.field(
            "guid", f"{self.site}/?p={post_id}", cdata=False, attributes={"isPermaLink": "false"}
        )
        writer.field("description", "", cdata=False)

    def _write_post(self, writer: WxrWriter, post: Post) -> None:
        rng = self.rng
        post.post_id = self.next_id
        self.next_id += rng.randint(1, 3)  # revisions and autosaves take ids too
        when = post.published_at
        name = post.slug or f"?p={post.post_id}"
        link = f"{self.site}/{when:%Y/%m/%d}/{name}/" if post.slug else f"{self.site}/{name}"
        self._item_head(writer, post_id=post.post_id, title=post.title, link=link, when=when)
        writer.field("content:encoded", self.post_body())
        writer.field("excerpt:encoded", "")
        writer.field("wp:post_id", post.post_id, cdata=False)
        self._dates(writer, "post_date", when, gmt=post.status != "draft")
        self._dates(writer, "post_modified", when + timedelta(hours=2), gmt=post.status != "draft")
        writer.field("wp:comment_status", post.comment_status)
        writer.field("wp:ping_status", "open")
        writer.field("wp:post_name", post.slug)
        writer.field("wp:status", post.status)
        writer.field("wp:post_parent", 0, cdata=False)
        writer.field("wp:menu_order", 0, cdata=False)
        writer.field("wp:post_type", post.post_type)
        writer.field("wp:post_password", post.password)
        writer.field("wp:is_sticky", 0, cdata=False)
        if post.post_type == "post":
            slug, name = rng.choice(CATEGORIES)
            writer.field("category", name, attributes={"domain": "category", "nicename": slug})
        writer.open("wp:postmeta")
        writer.field("wp:meta_key", "_edit_last")
        writer.field("wp:meta_value", "1")
        writer.close("wp:postmeta")
        self._write_comments(writer, post)
        writer.close("item")

    def _write_comments(self, writer: WxrWriter, post: Post) -> None:
        """The post's comments in id order (parents before replies, as WordPress's ids
        come), with pingbacks and trackbacks among them."""
        rng = self.rng
        comment_ids: list[int] = []
        depths: list[int] = []
        moment = post.published_at
        # The discussion spreads over a few days, however many comments it has.
        mean_gap = max(20.0, 4 * 86400 / max(post.comments, 1))
        statuses, weights = zip(*COMMENT_STATUSES.items(), strict=True)
        for index in range(post.comments):
            moment += timedelta(seconds=rng.expovariate(1 / mean_gap))
            if rng.random() < PINGBACK_SHARE:
                self._write_pingback(writer, post, moment)
            if index == 0 or rng.random() < TOP_LEVEL_SHARE:
                parent_id, depth = 0, 1
            else:
                parent = rng.randrange(index)
                parent_id, depth = comment_ids[parent], depths[parent] + 1
            self.top_level += depth == 1
            comment_id = self._take_comment_id()
            comment_ids.append(comment_id)
            depths.append(depth)
            self.max_depth = max(self.max_depth, depth)
            self.past_cap += depth > MAX_DEPTH
            status = rng.choices(statuses, weights)[0]
            self.wordpress_statuses[status] += 1
            commenter = self.commenters[
                bisect.bisect(self.commenter_weights, rng.random() * self.commenter_weights[-1])
            ]
            self._write_comment(
                writer,
                comment_id=comment_id,
                author=commenter.name,
                email=commenter.email,
                url=commenter.url,
                moment=moment,
                content=self.comment_body(comment_id),
                status=status,
                comment_type=rng.choice(["comment", "comment", ""]),  # WordPress before 5.5: ""
                parent_id=parent_id,
                user_id=commenter.user_id,
            )

    def _take_comment_id(self) -> int:
        comment_id = self.next_comment_id
        # Comments deleted for good leave gaps.
        self.next_comment_id += 1 if self.rng.random() < 0.97 else self.rng.randint(2, 9)
        return comment_id

    def _write_pingback(self, writer: WxrWriter, post: Post, moment: datetime) -> None:
        rng = self.rng
        kind = "pingback" if rng.random() < 0.9 else "trackback"
        self.pingbacks[kind] += 1
        number = rng.randrange(10_000)
        statuses, weights = zip(*PINGBACK_STATUSES.items(), strict=True)
        self._write_comment(
            writer,
            comment_id=self._take_comment_id(),
            author=f"Island Blog &raquo; {post.title[:40]}",
            email="",
            url=f"https://islandblog.example.com/{number}/",
            moment=moment,
            content=f"[&#8230;] {self._sentence()} [&#8230;]",
            status=rng.choices(statuses, weights)[0],
            comment_type=kind,
            parent_id=0,
            user_id=0,
        )

    def _write_comment(
        self,
        writer: WxrWriter,
        *,
        comment_id: int,
        author: str,
        email: str,
        url: str,
        moment: datetime,
        content: str,
        status: str,
        comment_type: str,
        parent_id: int,
        user_id: int,
    ) -> None:
        rng = self.rng
        writer.open("wp:comment")
        writer.field("wp:comment_id", comment_id, cdata=False)
        writer.field("wp:comment_author", author)
        writer.field("wp:comment_author_email", email)
        writer.field("wp:comment_author_url", url, cdata=False)
        writer.field("wp:comment_author_IP", self._ip())
        # Comments imported into WordPress long ago sometimes have no GMT date.
        self._dates(writer, "comment_date", moment, gmt=rng.random() >= 0.005)
        # Most exporters write CDATA; some write escaped text.
        writer.field("wp:comment_content", content, cdata=rng.random() < 0.9)
        writer.field("wp:comment_approved", status)
        writer.field("wp:comment_type", comment_type)
        writer.field("wp:comment_parent", parent_id, cdata=False)
        writer.field("wp:comment_user_id", user_id, cdata=False)
        if rng.random() < 0.3:
            writer.open("wp:commentmeta")
            writer.field("wp:meta_key", "akismet_result")
            writer.field("wp:meta_value", "true" if status == "spam" else "false")
            writer.close("wp:commentmeta")
        writer.close("wp:comment")

    def _write_attachment(self, writer: WxrWriter, post: Post) -> None:
        attachment_id = self.next_id
        self.next_id += 1
        url = f"{self.site}/wp-content/uploads/{post.published_at:%Y/%m}/photo-{attachment_id}.jpg"
        self._item_head(
            writer,
            post_id=attachment_id,
            title=f"photo-{attachment_id}",
            link=url,
            when=post.published_at,
        )
        writer.field("content:encoded", "")
        writer.field("excerpt:encoded", "A photo for the story.")
        writer.field("wp:post_id", attachment_id, cdata=False)
        self._dates(writer, "post_date", post.published_at, gmt=True)
        writer.field("wp:comment_status", "open")
        writer.field("wp:post_name", f"photo-{attachment_id}")
        writer.field("wp:status", "inherit")
        writer.field("wp:post_parent", post.post_id, cdata=False)
        writer.field("wp:post_type", "attachment")
        writer.field("wp:attachment_url", url)
        writer.close("item")
        self.skipped["attachment"] += 1

    def _write_menu_item(self, writer: WxrWriter) -> None:
        item_id = self.next_id
        self.next_id += 1
        self._item_head(
            writer, post_id=item_id, title="", link=f"{self.site}/?p={item_id}", when=START
        )
        writer.field("content:encoded", "")
        writer.field("wp:post_id", item_id, cdata=False)
        self._dates(writer, "post_date", START, gmt=True)
        writer.field("wp:post_name", str(item_id))
        writer.field("wp:status", "publish")
        writer.field("wp:post_type", "nav_menu_item")
        writer.close("item")
        self.skipped["nav_menu_item"] += 1


def write_wxr(
    path: Path,
    *,
    posts: int = POSTS,
    comments: int = COMMENTS,
    seed: int = SEED,
    site: str = SITE,
    site_zone: str = SITE_ZONE,
) -> WxrSummary:
    """Write the export to ``path`` and return what it holds."""
    started = time.perf_counter()
    generator = Generator(posts=posts, comments=comments, seed=seed, site=site, site_zone=site_zone)
    path = Path(path)
    with path.open("wb") as stream:
        sizes = generator.write(WxrWriter(stream))
    articles = Counter(post.forum_status for post in generator.posts)
    return WxrSummary(
        path=str(path),
        seed=seed,
        site=site,
        site_zone=site_zone,
        posts=len(generator.posts),
        articles={"published": articles["published"], "draft": articles["draft"]},
        closed_threads=sum(post.comment_status == "closed" for post in generator.posts),
        skipped_items=dict(generator.skipped),
        comments=sum(sizes),
        comments_by_wordpress_status={
            status: generator.wordpress_statuses[status] for status in COMMENT_STATUSES
        },
        pingbacks=dict(generator.pingbacks),
        largest_threads=sorted(sizes, reverse=True)[:10],
        posts_with_comments=sum(size > 0 for size in sizes),
        top_level=generator.top_level,
        max_depth=generator.max_depth,
        comments_past_cap=generator.past_cap,
        bytes=path.stat().st_size,
        seconds=time.perf_counter() - started,
        thread_sizes=sizes,
    )


def summary_path(path: Path) -> Path:
    return Path(f"{path}.json")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.wxr", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("path", type=Path, help="the file to write")
    parser.add_argument("--posts", type=int, default=POSTS, help=f"default {POSTS:,}")
    parser.add_argument("--comments", type=int, default=COMMENTS, help=f"default {COMMENTS:,}")
    parser.add_argument("--seed", type=int, default=SEED, help=f"default {SEED}")
    options = parser.parse_args(argv)
    summary = write_wxr(
        options.path, posts=options.posts, comments=options.comments, seed=options.seed
    )
    summary_path(options.path).write_text(json.dumps(summary.as_json(), indent=1))
    print(summary.describe())
    return 0


if __name__ == "__main__":
    sys.exit(main())
