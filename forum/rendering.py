"""Turning comments into HTML: a comment's text once when it is written, and the
comments of a page of a thread each time the page is drawn."""

import nh3
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.html import escape, linebreaks, urlize
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


class CommentItems:
    """The ``<li>`` of every comment on a page of a thread, nested, as one HTML string.

    Built in Python rather than with a template: a whole thread can hold ten thousand
    comments, and a template tag or filter per comment costs more than the page may
    take. ``templates/forum/_comment_list.html`` puts it in place. What a comment shows:
    its author, time, "edited", the awaiting-moderation note (its own author only), the
    pre-rendered body, and the links the reader may use.
    """

    def __init__(self, *, user, accepting: bool, reported_ids: set, page_query: str, editable):
        self.user = user
        self.accepting = accepting
        self.reported_ids = reported_ids
        self.page_query = page_query  # "cpage=2&amp;" etc., kept by the reply links
        self.editable = editable  # the edit-window rule, forum.moderation.edit_window_open
        self.months = [str(MONTHS[number]) for number in range(1, 13)]
        self.names = {}
        self.timezone = timezone.get_current_timezone()
        self.now = timezone.now()
        self.login_url = reverse("login")
        self.url = {
            name: reverse(f"forum:{name}", args=[0]).split("/0/")
            for name in ("comment-permalink", "edit-comment", "delete-comment", "report-comment")
        }

    def link(self, name: str, comment_id: int) -> str:
        before, after = self.url[name]
        return f"{before}/{comment_id}/{after}"

    def author(self, comment) -> str:
        key = comment.author_id or comment.author_display_name
        if key not in self.names:
            self.names[key] = escape(comment.author_display_name)
        return self.names[key]

    def time(self, moment) -> str:
        local = moment.astimezone(self.timezone)
        hour = local.hour % 12 or 12
        noon = "a.m." if local.hour < 12 else "p.m."
        day = f"{self.months[local.month - 1]} {local.day}, {local.year}"
        return (
            f'<time datetime="{local.isoformat()}">{day} at {hour}:{local.minute:02d} {noon}</time>'
        )

    def actions(self, comment, author: str) -> str:
        links = []
        cid = comment.pk
        if self.accepting and comment.can_be_replied_to:
            if self.user.is_authenticated:
                links.append(
                    f'<a class="comment-reply-link" href="?{self.page_query}replyto={cid}'
                    f'#respond" data-comment-id="{cid}" data-author="{author}">Reply</a>'
                )
            else:
                links.append(
                    f'<a class="comment-login-link" href="{self.login_url}?next='
                    f'{self.link("comment-permalink", cid)}">Log in to reply</a>'
                )
        if self.user.is_authenticated:
            if comment.author_id is not None and comment.author_id == self.user.pk:
                if self.accepting and self.editable(comment, self.now):
                    links.append(
                        f'<a class="comment-edit-link" href="{self.link("edit-comment", cid)}">'
                        "Edit</a>"
                    )
                links.append(
                    f'<a class="comment-delete-link" href="{self.link("delete-comment", cid)}">'
                    "Delete</a>"
                )
            elif comment.status == "published":
                if cid in self.reported_ids:
                    links.append('<span class="text-muted">Reported</span>')
                else:
                    links.append(
                        f'<a class="comment-report-link" '
                        f'href="{self.link("report-comment", cid)}">Report</a>'
                    )
        if not links:
            return ""
        return '<div class="comment-actions small">' + " ".join(links) + "</div>"

    def item(self, comment) -> str:
        cid = comment.pk
        classes = f"comment depth-{comment.depth}"
        if comment.status == "pending":
            classes += " comment-pending"
        if comment.is_deleted:
            classes += " comment-deleted"
            inside = (
                '<p class="comment-deleted-note text-muted fst-italic mb-0">[comment deleted]</p>'
            )
        else:
            author = self.author(comment)
            edited = (
                '<span class="comment-edited text-muted">edited</span>' if comment.is_edited else ""
            )
            awaiting = (
                '<p class="comment-awaiting-moderation">Your comment is awaiting moderation.</p>'
                if comment.status == "pending"
                else ""
            )
            inside = (
                f'<footer class="comment-meta"><span class="comment-author">{author}</span> '
                f'<a class="comment-permalink" href="#comment-{cid}">'
                f"{self.time(comment.created_at)}</a> {edited}{awaiting}</footer>"
                f'<div class="comment-content">{comment.body_html}</div>'
                f"{self.actions(comment, author)}"
            )
        if comment.opens_children:
            end = '<ol class="children">'
        else:
            end = "</li>" + "</ol></li>" * comment.closes
        return (
            f'<li id="comment-{cid}" class="{classes}">\n'
            f'<article class="comment-body">{inside}</article>\n{end}\n'
        )

    def render(self, comments) -> str:
        """The items, as safe HTML (a plain string: marking it safe would copy it)."""
        # body_html was sanitised by render_comment_body when the comment was written.
        return "".join([self.item(comment) for comment in comments])
