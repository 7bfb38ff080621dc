"""The forum's rules: who may post where, and which comments wait for a moderator.

Read this module to know how the forum behaves. Every new or edited comment goes through
the checks below, in order. Each check that fires gives an outcome, a reason code and a
sentence; the strongest outcome wins (refuse > spam > hold > publish) and its reasons
are stored on the comment, so that every hold explains itself.

Refused (nothing is stored, the reader sees the message):

1. The thread is closed, closed itself after FORUM_AUTO_CLOSE_DAYS, or the whole site is
   read-only: "Comments are closed."
2. The author is banned, or suspended until a time.
3. Flood: the author posted less than FORUM_FLOOD_SECONDS ago (HTTP 429).
4. Duplicate: the author already said the same thing in the same place (HTTP 409).
5. A reply must answer a published comment of the same thread. A reply to a comment at
   the depth limit (FORUM_MAX_THREAD_DEPTH) is stored beside it, at the limit.

Moderators and superusers skip the rest: their comments are published at once.

6. A disallowed word or phrase (edited in the admin): marked as spam.
7. A moderation word or phrase: held.
8. FORUM_HOLD_LINKS links or more: held.
9. The author has no published comment yet: held, "first comment" (WordPress's
   "comment author must have a previously approved comment").
10. A moderator put the author on pre-moderation: held.
11. The site approves every comment by hand: held.

Words and phrases match whole words, ignoring case in any script, after Unicode NFKC
normalisation: "press" does not match "WordPress", "ДУРАК" matches "дурак".

Readers' reports: FORUM_REPORTS_TO_HIDE reports from distinct readers hide a published
comment until a moderator looks at it, reason "reported". A banned or suspended reader
cannot report.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum
from functools import cached_property

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .models import Comment, ModerationWord, ReasonCode, SiteSettings, Thread
from .rendering import render_comment_body
from .threads import reply_parent

# What readers are told, in English here; gettext() turns them into the reader's language
# where they are said (so that code and tests can compare with the English).
COMMENTS_CLOSED = gettext_noop("Comments are closed.")
PARENT_UNAVAILABLE = gettext_noop(
    "The comment you are replying to is not available. "
    "It may have been removed; you can still post a new comment."
)
FLOOD = gettext_noop("You are posting comments too quickly. Slow down.")
DUPLICATE = gettext_noop("Duplicate comment detected; it looks as though you’ve already said that!")
BANNED = gettext_noop("You have been banned from commenting.")
NOTHING_TO_FOLLOW = gettext_noop("Comments are closed here, so there are no new replies to follow.")


class Outcome(IntEnum):
    PUBLISH = 0
    HOLD = 1
    SPAM = 2
    REFUSE = 3


OUTCOME_STATUS = {
    Outcome.PUBLISH: Comment.Status.PUBLISHED,
    Outcome.HOLD: Comment.Status.PENDING,
    Outcome.SPAM: Comment.Status.SPAM,
}


class CommentRefused(Exception):
    """A comment that the rules do not let in at all. Nothing is stored.

    ``status_code`` is the HTTP status a view should answer with.
    """

    def __init__(self, message: str, *, status_code: int = 403):
        super().__init__(message)
        self.message = message
        self.status_code = status_code


@dataclass(frozen=True)
class Finding:
    """One rule that fired."""

    outcome: Outcome
    code: str
    sentence: str
    status_code: int = 403  # for refusals: the HTTP status to answer with


@dataclass
class Verdict:
    findings: list[Finding] = field(default_factory=list)

    @property
    def outcome(self) -> Outcome:
        return max((f.outcome for f in self.findings), default=Outcome.PUBLISH)

    @property
    def deciding(self) -> list[Finding]:
        return [f for f in self.findings if f.outcome == self.outcome]

    @property
    def status(self) -> str:
        return OUTCOME_STATUS[self.outcome]

    @property
    def reason_code(self) -> str:
        return self.deciding[0].code if self.findings else ""

    @property
    def reason(self) -> str:
        return "; ".join(f.sentence for f in self.deciding)

    def raise_if_refused(self) -> None:
        if self.outcome == Outcome.REFUSE:
            first = self.deciding[0]
            raise CommentRefused(first.sentence, status_code=first.status_code)


@dataclass
class Submission:
    """A comment about to be stored: new, or the new text of an edited one."""

    author: object
    thread: Thread
    body: str
    parent: Comment | None = None
    editing: Comment | None = None
    site: SiteSettings | None = None
    now: object = None

    def __post_init__(self):
        self.site = self.site or SiteSettings.load()
        self.now = self.now or timezone.now()
        # Rendered once: the links rule counts the links readers would see, and the
        # services store it.
        self.body_html = render_comment_body(self.body)

    @cached_property
    def stored_parent(self) -> Comment | None:
        """The comment a reply is stored under: ``parent``, or beside it when it is at
        the depth limit (``threads.reply_parent``)."""
        return self.parent if self.editing else reply_parent(self.parent)


def is_moderator(user) -> bool:
    """Moderators are staff with the permission to moderate (the "Moderators" group),
    and superusers. Asking readers (not staff) costs no query."""
    return user.is_active and (
        user.is_superuser or (user.is_staff and user.has_perm("forum.moderate_comment"))
    )


# The words matcher


def visible_text(text: str, instead: str = "") -> str:
    """``text`` with its format characters (zero-width spaces and joiners, soft hyphens,
    direction marks) taken out, or replaced by ``instead``. They draw no letter of
    their own: "sp\u200bam" reads "spam"."""
    if text.isascii():  # no ASCII character is a format character
        return text
    return "".join(instead if unicodedata.category(char) == "Cf" else char for char in text)


def normalise(text: str, format_characters: str = "") -> str:
    text = visible_text(text, format_characters)
    return unicodedata.normalize("NFKC", text).casefold()


def phrase_pattern(phrase: str) -> re.Pattern:
    """Whole words only: not preceded or followed by a letter or digit of any script."""
    words = normalise(phrase).split()
    return re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)")


def find_phrase(text: str, phrases: Iterable[str]) -> str | None:
    """The first phrase that occurs in ``text`` as whole words, or None. Format
    characters are read both as nothing ("ca\u200bsino" is "casino") and as spaces
    (Thai, Khmer, Lao and Burmese write a zero-width space between words)."""
    readings = {normalise(text), normalise(text, " ")}
    for phrase in phrases:
        pattern = phrase_pattern(phrase) if phrase.strip() else None
        if pattern and any(pattern.search(reading) for reading in readings):
            return phrase
    return None


def count_links(html: str) -> int:
    """The links in a comment as rendered: web addresses, bare domains included."""
    return html.count("<a ")


def fold_whitespace(text: str) -> str:
    """What a comment reads as, for telling whether it was said before."""
    return " ".join(visible_text(text).split())


# The checks, in order. Each returns a Finding when it fires, None otherwise.


def check_closed(s: Submission) -> Finding | None:
    if s.site.read_only or not s.thread.is_open:
        return Finding(Outcome.REFUSE, "closed", _(COMMENTS_CLOSED))
    return None


def restriction(user, now=None) -> tuple[str, str] | None:
    """Why a moderator's decision stops ``user`` from commenting now, if it does:
    a (code, sentence) pair."""
    if user.banned:
        return "banned", _(BANNED)
    if user.is_suspended(now):
        until = date_format(timezone.localtime(user.suspended_until), "DATETIME_FORMAT")
        return "suspended", _("You cannot comment until %(time)s.") % {"time": until}
    return None


def check_banned_or_suspended(s: Submission) -> Finding | None:
    if found := restriction(s.author, s.now):
        code, sentence = found
        return Finding(Outcome.REFUSE, code, sentence)
    return None


def check_flood(s: Submission) -> Finding | None:
    if s.editing or is_moderator(s.author):
        return None
    since = s.now - timedelta(seconds=settings.FORUM_FLOOD_SECONDS)
    if Comment.objects.filter(author=s.author, created_at__gt=since).exists():
        return Finding(Outcome.REFUSE, "flood", _(FLOOD), status_code=429)
    return None


def check_duplicate(s: Submission) -> Finding | None:
    earlier = (
        Comment.objects.filter(author=s.author, thread=s.thread, parent=s.stored_parent)
        .exclude(status=Comment.Status.REMOVED)
        .filter(deleted_at__isnull=True)
    )
    if s.editing:
        earlier = earlier.exclude(pk=s.editing.pk)
    text = fold_whitespace(s.body)
    if any(fold_whitespace(body) == text for body in earlier.values_list("body", flat=True)):
        return Finding(Outcome.REFUSE, "duplicate", _(DUPLICATE), status_code=409)
    return None


def check_parent(s: Submission) -> Finding | None:
    parent = s.parent
    if parent is not None and (
        parent.thread_id != s.thread.pk
        or parent.status != Comment.Status.PUBLISHED
        or parent.deleted_at is not None
    ):
        return Finding(Outcome.REFUSE, "parent", _(PARENT_UNAVAILABLE), status_code=400)
    return None


def check_words(s: Submission) -> list[Finding]:
    words = ModerationWord.listed()
    disallowed = [phrase for kind, phrase in words if kind == ModerationWord.Kind.DISALLOW]
    held = [phrase for kind, phrase in words if kind == ModerationWord.Kind.HOLD]
    findings = []
    if phrase := find_phrase(s.body, disallowed):
        findings.append(
            Finding(Outcome.SPAM, ReasonCode.DISALLOWED_WORD, f"disallowed word: {phrase}")
        )
    if phrase := find_phrase(s.body, held):
        findings.append(Finding(Outcome.HOLD, ReasonCode.HELD_WORD, f"held word: {phrase}"))
    return findings


def check_links(s: Submission) -> Finding | None:
    links = count_links(s.body_html)
    if links >= settings.FORUM_HOLD_LINKS:
        return Finding(Outcome.HOLD, ReasonCode.LINKS, f"{links} links")
    return None


def check_first_comment(s: Submission) -> Finding | None:
    if not Comment.objects.published().filter(author=s.author).exists():
        return Finding(Outcome.HOLD, ReasonCode.FIRST_COMMENT, "first comment")
    return None


def check_premoderated(s: Submission) -> Finding | None:
    if s.author.premoderated:
        return Finding(Outcome.HOLD, ReasonCode.PREMODERATED, "author is pre-moderated")
    return None


def check_manual_approval(s: Submission) -> Finding | None:
    if s.site.approve_all_manually:
        return Finding(
            Outcome.HOLD, ReasonCode.MANUAL_APPROVAL, "all comments are approved by hand"
        )
    return None


REFUSALS: list[Callable] = [
    check_closed,
    check_banned_or_suspended,
    check_flood,
    check_duplicate,
    check_parent,
]
HOLDS_AND_SPAM: list[Callable] = [
    check_words,
    check_links,
    check_first_comment,
    check_premoderated,
    check_manual_approval,
]


def review(submission: Submission) -> Verdict:
    """Run every check and say what happens to the comment. Stores nothing."""
    verdict = Verdict()
    checks = REFUSALS if is_moderator(submission.author) else REFUSALS + HOLDS_AND_SPAM
    for check in checks:
        result = check(submission)
        if isinstance(result, Finding):
            verdict.findings.append(result)
        elif result:
            verdict.findings.extend(result)
    return verdict


def accepts_comments(thread: Thread, site: SiteSettings | None = None) -> bool:
    """Whether the page should offer the comment form at all."""
    site = site or SiteSettings.load()
    return thread.is_open and not site.read_only


def reports_hide_comment(open_reports: int) -> bool:
    return open_reports >= settings.FORUM_REPORTS_TO_HIDE


def edit_window_open(written_at: datetime, now=None) -> bool:
    """Whether a comment written at ``written_at`` may still be edited by its author."""
    window = timedelta(minutes=settings.FORUM_EDIT_WINDOW_MINUTES)
    return (now or timezone.now()) < written_at + window
