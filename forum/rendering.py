"""Turning comments into HTML: a comment's text once when it is written, and the
comments of a page of a thread each time the page is drawn."""

import datetime as dt
import re
import zlib

import nh3
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.html import escape, linebreaks, urlize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from .threads import CommentRow, can_be_replied_to

# What survives sanitising: paragraphs, line breaks and links, nothing else.
ALLOWED_TAGS = {"p", "br", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
ALLOWED_URL_SCHEMES = {"http", "https"}

# How many colours the initials' circles come in (.comment-avatar-0 to -5 in
# static/css/forum.css, each with white letters at 4.5:1 or more).
AVATAR_COLOURS = 6


def initials(name: str) -> str:
    """Up to two letters for ``name``'s circle: the first letter or digit of its first two
    words ("Tess Talker": "TT"), "?" for a name with none."""
    letters = [next((c for c in word if c.isalnum()), "") for word in name.split()]
    return "".join(letters)[:2].upper() or "?"


# What Django's urlize could turn into a link (its simple_url_re, simple_url_2_re and
# e-mail test), and how it splits a text into words.
LINK_LIKE = re.compile(r"https?://|www\.|@|\.(?:com|edu|gov|int|mil|net|org)", re.IGNORECASE)
URLIZE_WORDS = re.compile(r"""([\s<>"']+)""")


def sanitise(html: str) -> SafeString:
    """nh3's last word on comment HTML, whatever produced it: paragraphs, line breaks and
    http(s) links with rel="nofollow ugc" (spam gains nothing from search engines)."""
    return mark_safe(
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes=ALLOWED_URL_SCHEMES,
            link_rel="nofollow ugc",
        )
    )


def render_comment_body(text: str) -> SafeString:
    """Escape the text, link its web addresses and keep its paragraphs and line breaks.

    What ``linebreaks(urlize(text, autoescape=True))`` gives, and nh3 on top. Django's
    urlize looks at every word and escapes those that are no link, which an import of a
    hundred thousand comments feels; so it is handed only the words that could be links,
    and the rest is escaped in one go (tests/test_rendering.py holds the two together).
    """
    text = text.replace("\r\n", "\n")
    if LINK_LIKE.search(text):
        pieces, plain = [], []
        for word in URLIZE_WORDS.split(text):
            if LINK_LIKE.search(word):
                pieces += [escape("".join(plain)), urlize(word, nofollow=False, autoescape=True)]
                plain = []
            else:
                plain.append(word)
        pieces.append(escape("".join(plain)))
        marked = "".join(pieces)
    else:
        marked = escape(text)
    return sanitise(linebreaks(marked, autoescape=False))


class CommentItems:
    """The ``<li>`` of every comment on a page of a thread, nested, as UTF-8 HTML.

    Built in Python rather than with a template: a whole thread can hold ten thousand
    comments, and a template tag or filter per comment costs more than the page may
    take. ``templates/forum/_comment_list.html`` puts it in place. What a comment shows:
    its author, time, "edited", the awaiting-moderation note (its own author only), the
    pre-rendered body, and the links the reader may use. A top-level comment whose
    replies are not all shown ends with "N more replies".
    """

    def __init__(
        self,
        *,
        user,
        accepting: bool,
        reported_ids: set,
        page_query: str,
        editable,
        times_zone,
        reply_page: str = "",
    ):
        self.signed_in = user.is_authenticated
        self.user_id = user.pk
        self.accepting = accepting
        self.reported_ids = reported_ids
        self.page_query = page_query  # "cpage=2&amp;" etc., kept by the reply links
        # Where the reply links take the reader without JavaScript: the article page with
        # its form, from the page itself ("") or from elsewhere (its address).
        self.reply_page = reply_page
        self.editable = editable  # the edit-window rule, forum.moderation.edit_window_open
        self.times_zone = times_zone  # the zone the rows' times are in (they have none)
        self.max_depth = settings.FORUM_MAX_THREAD_DEPTH
        self.months = [str(MONTHS[number]) for number in range(1, 13)]
        # In the reader's language, looked up once a page rather than once a comment.
        self.time_format = _("%(month)s %(day)d, %(year)d at %(time)s")
        self.twelve_hours = pgettext("the clock comments' times use: 12 or 24", "12") == "12"
        self.noons = (_("a.m."), _("p.m."))
        self.words = {
            "reply": _("Reply"),
            "log in to reply": _("Log in to reply"),
            "edit": _("Edit"),
            "delete": _("Delete"),
            "reported": _("Reported"),
            "report": _("Report"),
            "deleted": _("[comment deleted]"),
            "a deleted comment": _("a deleted comment"),
            "edited": pgettext("comment", "edited"),
            "awaiting": _("Your comment is awaiting moderation."),
            "continue": _("Continue this thread"),
            # Each comment's label, which screen readers announce.
            "deleted reply to": _("Deleted reply to %(parent)s"),
            "deleted reply": _("Deleted reply"),
            "deleted comment": _("Deleted comment"),
            "reply to": _("Reply to %(parent)s, by %(author)s"),
            "reply by": _("Reply by %(author)s"),
            "comment by": _("Comment by %(author)s"),
        }
        self.names = {}
        self.avatars = {}
        self.shown = {}  # comment id: who wrote it, as the labels of its replies name them
        self.timezone = timezone.get_current_timezone()
        # Where the site's zone is the database's and a fixed offset (UTC, usually), times
        # are shown as they come, with that offset: making ten thousand of them aware
        # costs more than all the rest of their markup.
        self.fixed_offset = None
        if isinstance(times_zone, dt.timezone) and str(self.timezone) == str(times_zone):
            self.fixed_offset = dt.datetime(2000, 1, 1, tzinfo=times_zone).isoformat()[19:]
        self.now = timezone.now()
        self.login_url = reverse("login")
        self.url = {
            name: reverse(f"forum:{name}", args=[0]).split("/0/")
            for name in (
                "comment-permalink",
                "edit-comment",
                "delete-comment",
                "report-comment",
                "comment-replies",
                "comment-replies-fragment",
            )
        }

    def link(self, name: str, comment_id: int) -> str:
        before, after = self.url[name]
        return f"{before}/{comment_id}/{after}"

    def author(self, row) -> str:
        key = row[CommentRow.AUTHOR_ID] or CommentRow.author_display_name(row)
        if key not in self.names:
            self.names[key] = escape(CommentRow.author_display_name(row))
        return self.names[key]

    def avatar(self, row) -> str:
        """The author's initials in a coloured circle: decoration, the name follows it, so
        screen readers skip it. The colour comes from the name, the same on every page."""
        key = row[CommentRow.AUTHOR_ID] or CommentRow.author_display_name(row)
        if key not in self.avatars:
            name = CommentRow.author_display_name(row)
            colour = zlib.crc32(name.encode()) % AVATAR_COLOURS
            self.avatars[key] = (
                f'<span class="comment-avatar comment-avatar-{colour}" aria-hidden="true">'
                f"{escape(initials(name))}</span>"
            )
        return self.avatars[key]

    def time(self, moment) -> str:
        """``moment``, without its zone (``times_zone``), as the site's zone shows it."""
        if self.fixed_offset is not None:
            local, iso = moment, moment.isoformat() + self.fixed_offset
        else:
            local = moment.replace(tzinfo=self.times_zone).astimezone(self.timezone)
            iso = local.isoformat()
        if self.twelve_hours:
            clock = f"{local.hour % 12 or 12}:{local.minute:02d} {self.noons[local.hour >= 12]}"
        else:
            clock = f"{local.hour}:{local.minute:02d}"
        shown = self.time_format % {
            "month": self.months[local.month - 1],
            "day": local.day,
            "year": local.year,
            "time": clock,
        }
        return f'<time datetime="{iso}">{shown}</time>'

    def actions(self, depth: int, row, author: str) -> str:
        links = []
        cid = row[CommentRow.PK]
        if self.accepting and can_be_replied_to(depth, row, self.max_depth):
            if self.signed_in:
                links.append(
                    f'<a class="comment-reply-link" href="{self.reply_page}?{self.page_query}'
                    f"replyto={cid}"
                    f'#respond" data-comment-id="{cid}" data-author="{author}">'
                    f"{self.words['reply']}</a>"
                )
            else:
                links.append(
                    f'<a class="comment-login-link" href="{self.login_url}?next='
                    f'{self.link("comment-permalink", cid)}">{self.words["log in to reply"]}</a>'
                )
        if self.signed_in:
            author_id = row[CommentRow.AUTHOR_ID]
            if author_id is not None and author_id == self.user_id:
                written_at = row[CommentRow.WRITTEN_AT].replace(tzinfo=self.times_zone)
                if self.accepting and self.editable(written_at, self.now):
                    links.append(
                        f'<a class="comment-edit-link" href="{self.link("edit-comment", cid)}">'
                        f"{self.words['edit']}</a>"
                    )
                links.append(
                    f'<a class="comment-delete-link" href="{self.link("delete-comment", cid)}">'
                    f"{self.words['delete']}</a>"
                )
            elif row[CommentRow.STATUS] == "published":
                if cid in self.reported_ids:
                    links.append(f'<span class="text-muted">{self.words["reported"]}</span>')
                else:
                    links.append(
                        f'<a class="comment-report-link" '
                        f'href="{self.link("report-comment", cid)}">{self.words["report"]}</a>'
                    )
        if not links:
            return ""
        return '<div class="comment-actions small">' + " ".join(links) + "</div>"

    def more_replies(self, comment_id: int, count: int) -> str:
        """The "N more replies" of a top-level comment."""
        words = ngettext("%(count)d more reply", "%(count)d more replies", count) % {"count": count}
        return self.opener(comment_id, words, "comment-more")

    def continue_thread(self, comment_id: int) -> str:
        """The "Continue this thread" of a reply at the deepest level the page shows."""
        return self.opener(comment_id, self.words["continue"], "comment-more comment-continue")

    def opener(self, comment_id: int, words: str, classes: str) -> str:
        """A link to the replies of ``comment_id`` on their own page, which
        static/js/more-replies.js opens in place instead (``data-fragment``)."""
        return (
            f'<p class="{classes}"><a class="comment-more-link" '
            f'href="{self.link("comment-replies", comment_id)}" data-comment-id="{comment_id}" '
            f'data-fragment="{self.link("comment-replies-fragment", comment_id)}">{words}</a></p>'
        )

    def remember(self, row) -> None:
        """Note who wrote ``row``, a comment not drawn here, for its replies' labels to
        name: the replies that "N more replies" fetches come without their top-level
        comment."""
        if row[CommentRow.IS_DELETED]:
            self.shown[row[CommentRow.PK]] = self.words["a deleted comment"]
        else:
            self.shown[row[CommentRow.PK]] = self.author(row)

    def item(self, depth: int, row, next_depth: int, more: str = "", continued: str = "") -> bytes:
        """One comment's ``<li>``, UTF-8 encoded; ``next_depth`` is the depth of the
        comment shown after it (1 after the last), which says which lists open or close
        after this one. ``more``: the "N more replies" of the top-level comment whose
        item this one ends; ``continued``: this comment's own "Continue this thread"."""
        cid = row[CommentRow.PK]
        pending = row[CommentRow.STATUS] == "pending"
        classes = f"comment depth-{depth}"
        if pending:
            classes += " comment-pending"
        # Screen readers announce each comment by its label, and so the thread's shape:
        # who answers whom (a parent comes on the page before its replies).
        is_reply = bool(row[CommentRow.PARENT_ID])
        parent = self.shown.get(row[CommentRow.PARENT_ID])
        self.remember(row)
        if row[CommentRow.IS_DELETED]:
            classes += " comment-deleted"
            if parent:
                label = self.words["deleted reply to"] % {"parent": parent}
            else:
                label = self.words["deleted reply" if is_reply else "deleted comment"]
            inside = (
                '<p class="comment-deleted-note text-muted fst-italic mb-0">'
                f"{self.words['deleted']}</p>"
            )
        else:
            author = self.shown[cid]
            if parent:
                label = self.words["reply to"] % {"parent": parent, "author": author}
            elif is_reply:
                label = self.words["reply by"] % {"author": author}
            else:
                label = self.words["comment by"] % {"author": author}
            edited = (
                f'<span class="comment-edited text-muted">{self.words["edited"]}</span>'
                if row[CommentRow.IS_EDITED]
                else ""
            )
            awaiting = (
                f'<p class="comment-awaiting-moderation">{self.words["awaiting"]}</p>'
                if pending
                else ""
            )
            inside = (
                f'<footer class="comment-meta">{self.avatar(row)}'
                f'<span class="comment-author">{author}</span> '
                f'<a class="comment-permalink" href="#comment-{cid}">'
                f"{self.time(row[CommentRow.WRITTEN_AT])}</a> {edited}{awaiting}</footer>"
                f'<div class="comment-content">{row[CommentRow.BODY_HTML]}</div>'
                f"{self.actions(depth, row, author)}"
            )
        if next_depth > depth:
            # role="list": Safari no longer announces a list drawn without markers.
            end = '<ol class="children" role="list">'
        else:  # this comment's item ends, and so do the reply lists it was the last of
            end = continued + "</li>" + "</ol></li>" * (depth - next_depth)
        if more:  # before the top-level comment's own "</li>", the last one
            end = end[: -len("</li>")] + more + "</li>"
        return (
            f'<li id="comment-{cid}" class="{classes}">\n'
            f'<article class="comment-body" aria-label="{label}">{inside}</article>\n{end}\n'
        ).encode()

    def render(
        self,
        comments: list[tuple[int, tuple]],
        *,
        more: dict | None = None,
        continued: set | None = None,
        last_depth: int = 1,
    ) -> list[bytes]:
        """The items of a page's ``(depth, row)`` pairs (``ThreadPage.comments``), each
        as safe, UTF-8 encoded HTML, with the "N more replies" of ``more`` (top-level
        comment id -> replies left out, ``ThreadPage.more``) and the "Continue this
        thread" of ``continued`` (``ThreadPage.continued``). ``last_depth``: the depth
        the list ends at (that of its first comment).

        Bytes, for the page is sent as bytes: a whole thread's list runs to megabytes,
        and as one string (two or four bytes a letter as soon as one comment has a curly
        quote) it would be copied again to be joined, encoded and put in the page.
        """
        # body_html was sanitised by render_comment_body when the comment was written.
        # Each comment's next depth; after the last one, the top level.
        following = [depth for depth, _ in comments[1:]] + [last_depth]
        if not more and not continued:
            return [
                self.item(depth, row, next_depth)
                for (depth, row), next_depth in zip(comments, following, strict=False)
            ]
        items = []
        root_id = None
        for (depth, row), next_depth in zip(comments, following, strict=False):
            if depth == 1:
                root_id = row[CommentRow.PK]
            control = ""
            if next_depth == 1 and more and root_id in more:
                control = self.more_replies(root_id, more[root_id])
            onward = ""
            if continued and row[CommentRow.PK] in continued:
                onward = self.continue_thread(row[CommentRow.PK])
            items.append(self.item(depth, row, next_depth, control, onward))
        return items
