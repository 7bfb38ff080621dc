"""Reading a thread: the comments a reader sees, a page of top-level threads at a time,
arranged as a reply tree."""

import math
from dataclasses import dataclass, field
from datetime import tzinfo

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    When,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
from django.utils.translation import gettext

from articles.models import Article

from .models import Comment, Thread

ALL = "all"


@dataclass
class ThreadPage:
    """One page of a thread as one reader sees it, ready for the template.

    ``comments`` is in display order, each comment followed by its replies, as
    ``(depth, row)`` pairs: the depth is 1 for top level, capped at the thread depth
    limit, and the row is a ``CommentRow`` tuple, whose times are in ``times_zone``.
    """

    thread: Thread
    comments: list[tuple[int, tuple]]
    times_zone: tzinfo
    number: int | str  # a page number, or "all"
    page_count: int
    newest_first: bool
    # Top-level comment id -> how many replies under it the page leaves out, for its
    # "N more replies": the replies this reader could read there, less those shown.
    more: dict[int, int] = field(default_factory=dict)
    # Replies at the deepest level the page shows whose own replies it leaves out, for
    # their "Continue this thread".
    continued: set[int] = field(default_factory=set)

    @property
    def page_numbers(self) -> list[int | None]:
        """The page links to show: the first and the last page and two either side of
        this one; None where pages are left out (shown as "…"), as in WordPress."""
        around = 1 if self.number == ALL else self.number
        wanted = {1, self.page_count, *range(around - 2, around + 3)}
        numbers = []
        for number in sorted(n for n in wanted if 1 <= n <= self.page_count):
            if numbers and number - numbers[-1] > 1:
                numbers.append(None)
            numbers.append(number)
        return numbers

    @property
    def previous_number(self) -> int | None:
        if self.number == ALL or self.number <= 1:
            return None
        return self.number - 1

    @property
    def next_number(self) -> int | None:
        if self.number == ALL or self.number >= self.page_count:
            return None
        return self.number + 1


class TimeInDatabaseZone(Func):
    """A time with its zone left off, as the database connection's zone shows it (UTC):
    what SQLite stores, and on PostgreSQL ``AT TIME ZONE``."""

    template = "%(expressions)s"
    output_field = DateTimeField()

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = self.as_sql(compiler, connection, **extra_context)
        return f"({sql} AT TIME ZONE %s)", (*params, connection.timezone_name)


class CommentRow:
    """What a page shows of a comment, as a plain tuple of these columns, read straight
    from the database driver.

    A whole thread can hold ten thousand comments. Model instances would cost more to
    build than the page may take, and so would Django's conversion of each value of
    each row (on SQLite, every time made aware and every flag made a boolean). A tuple
    of plain values is also the one object Python's garbage collector stops watching,
    so a big page does not make it walk the whole process.

    Times come without their zone (``times_zone`` says which): psycopg reads zoned
    times through a loader of Django's that costs 5 microseconds a row.
    """

    FIELDS = (
        "pk",
        "parent_id",
        "author_id",
        "author_name",
        "author__display_name",
        "author__username",
        "body_html",
        "status",
        "written_at",
        "is_edited",
        "is_deleted",
    )
    (
        PK,
        PARENT_ID,
        AUTHOR_ID,
        AUTHOR_NAME,
        DISPLAY_NAME,
        USERNAME,
        BODY_HTML,
        STATUS,
        WRITTEN_AT,
        IS_EDITED,
        IS_DELETED,
    ) = range(len(FIELDS))

    @classmethod
    def read(cls, queryset) -> tuple[list[tuple], tzinfo]:
        """The rows of ``queryset``, in its order, and the zone their times are in."""
        connection = connections[queryset.db]
        rows = queryset.annotate(
            written_at=TimeInDatabaseZone("created_at"),
            # Two flags rather than two timestamps: the page says "edited" or "deleted".
            is_edited=ExpressionWrapper(Q(edited_at__isnull=False), BooleanField()),
            is_deleted=ExpressionWrapper(Q(deleted_at__isnull=False), BooleanField()),
        ).values_list(*cls.FIELDS)
        compiler = rows.query.get_compiler(connection=connection)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # asked for no comment at all: an empty page
            return [], connection.timezone
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall(), connection.timezone

    @classmethod
    def visible_to(cls, row, reader_id: int | None) -> bool:
        """``Comment.objects.visible_to()``, for a row already read: published comments,
        and the reader's own waiting ones."""
        status = row[cls.STATUS]
        return status == "published" or (
            status == "pending" and reader_id is not None and row[cls.AUTHOR_ID] == reader_id
        )

    @classmethod
    def author_display_name(cls, row) -> str:
        """``Comment.author_display_name``, for a row."""
        if row[cls.AUTHOR_ID] is not None:
            return row[cls.DISPLAY_NAME] or row[cls.USERNAME]
        return row[cls.AUTHOR_NAME] or gettext("Anonymous")


def can_be_replied_to(depth: int, row, max_depth: int) -> bool:
    """Whether a comment shown at ``depth`` gets a reply link: published, not deleted,
    and above the depth limit, ``settings.FORUM_MAX_THREAD_DEPTH`` (read once by the
    caller: the settings object is slow to ask ten thousand times)."""
    return (
        depth < max_depth
        and row[CommentRow.STATUS] == "published"
        and not row[CommentRow.IS_DELETED]
    )


def published_threads():
    """The threads, with their article, whose article a visitor may see: not a draft,
    not a story scheduled for later. What readers may not see, no reader action, feed
    or API answer reaches either."""
    return Thread.objects.select_related("article").filter(article__in=Article.objects.published())


def on_published_articles(comments):
    """``comments`` that are under articles a visitor may see (``published_threads``)."""
    return comments.filter(thread__article__in=Article.objects.published())


def published_thread(slug: str) -> Thread:
    """The thread under the published article ``slug``, with its article, in one query.
    Raises ``Thread.DoesNotExist`` for a draft, a story scheduled for later or no story."""
    return published_threads().get(article__slug=slug)


def page_size() -> int:
    return settings.FORUM_THREADS_PER_PAGE


def parse_page(raw) -> int | str:
    """The page asked for in the URL: a number from 1, or "all". Anything else is page 1."""
    if raw == ALL:
        return ALL
    try:
        return max(int(raw), 1)
    except (TypeError, ValueError):
        return 1


def page_count(root_count: int) -> int:
    return max(math.ceil(root_count / page_size()), 1)


def _roots_in_order(queryset, newest_first: bool):
    order = ("-created_at", "-id") if newest_first else ("created_at", "id")
    return queryset.page_roots().order_by(*order)


def thread_page(
    thread: Thread,
    user,
    *,
    number: int | str = 1,
    newest_first: bool = False,
    own_pending: bool = False,
    budgeted: bool = False,
    expand: int | None = None,
) -> ThreadPage:
    """The page ``number`` of the thread's top-level comments with all their replies
    (the whole thread for "all"), or, ``budgeted``, with the first few of them
    (``budgeted_comments``): the article page's way, so that a page stays light however
    the replies spread. ``expand`` names a top-level comment of the page whose replies
    are all shown even so (where a permalink points).

    Unbudgeted, two queries: the page's top-level ids, then those comments and every
    reply under them (their ``root``). The page counts come from the thread row, kept by
    the services; for a reader with comments of their own waiting (``own_pending``),
    their top-level ones are counted too.
    """
    visible = Comment.objects.visible_to(user).filter(thread=thread)
    root_count = thread.root_count
    if own_pending:
        root_count = visible.page_roots().count()
    pages = page_count(root_count)
    if number != ALL:
        number = min(number, pages)
    page = ThreadPage(
        thread=thread,
        comments=[],
        times_zone=connections[visible.db].timezone,
        number=number,
        page_count=pages,
        newest_first=newest_first,
    )
    reader = user.pk if user.is_authenticated else None
    if number == ALL:
        page.comments, page.times_zone = arranged(visible, reader, newest_first=newest_first)
        return page
    start = (number - 1) * page_size()
    roots = _roots_in_order(visible, newest_first)[start : start + page_size()]
    if budgeted:
        page.comments, page.more, page.continued = budgeted_comments(
            roots, user, own_pending=own_pending, expand=expand
        )
    else:
        root_ids = list(roots.values_list("pk", flat=True))
        page.comments, page.times_zone = arranged(
            whole_threads(root_ids), reader, newest_first=newest_first
        )
    return page


def whole_threads(root_ids: list[int]):
    """The top-level comments ``root_ids`` and every reply under them, whoever may see
    them: by id and root alone, so that every database finds them through those two
    indexes (SQLite, without statistics, would walk the thread by status). ``arranged``
    then keeps what the reader may see."""
    return Comment.objects.filter(Q(pk__in=root_ids) | Q(root__in=root_ids))


def arranged(
    comments, reader: int | None, *, newest_first: bool = False
) -> tuple[list[tuple[int, tuple]], tzinfo]:
    """The comments of ``comments`` that the reader (a user id, None for a visitor) may
    see, as ``(depth, row)`` pairs in reading order (``arrange``), in one query; and the
    zone of their times."""
    rows, times_zone = CommentRow.read(comments.order_by("created_at", "id"))
    shown = [row for row in rows if CommentRow.visible_to(row, reader)]
    return arrange(shown, newest_first=newest_first), times_zone


def replies_budget() -> tuple[int, int]:
    """How many replies a page shows under each comment, and down how many levels."""
    levels = min(settings.FORUM_REPLY_LEVELS, settings.FORUM_MAX_THREAD_DEPTH - 1)
    return max(settings.FORUM_REPLIES_PER_LEVEL, 0), max(levels, 0)


def budgeted_comments(
    roots, user, *, own_pending: bool = False, expand: int | None = None
) -> tuple[list[tuple[int, tuple]], dict[int, int], set[int]]:
    """The page's top-level comments (the queryset ``roots``, in page order), each with
    its first ``FORUM_REPLIES_PER_LEVEL`` replies (oldest first), each of those with its
    own first ones, down ``FORUM_REPLY_LEVELS`` levels; how many replies that leaves
    out under each top-level comment; and which replies of the deepest level shown
    have replies of their own, left out ("Continue this thread").

    So a page holds at most threads per page x (1 + budget + budget² ...) comments, and
    costs the same few queries however long its threads are: one for the top-level
    comments, one per level for the replies (a window function picks the first ones of
    each comment), one that finds which of the deepest have replies, one that counts
    each thread's replies through the ``comment_counted_replies`` index. ``expand``,
    one of the top-level comments, comes with its whole reply tree, in one query more.

    Only comments the reader can read take a place: a reply its author deleted shows
    as "[comment deleted]" once its thread is opened, if replies below it are shown.
    """
    budget, levels = replies_budget()
    max_depth = settings.FORUM_MAX_THREAD_DEPTH
    reader = user.pk if user.is_authenticated else None
    root_rows, _ = CommentRow.read(roots)
    replies = {}  # comment id -> its replies shown, oldest first
    parents = [row[CommentRow.PK] for row in root_rows if row[CommentRow.PK] != expand]
    for _ in range(levels if budget else 0):
        if not parents:
            break
        rows, _ = CommentRow.read(first_replies(parents, user, budget))
        for row in rows:
            replies.setdefault(row[CommentRow.PARENT_ID], []).append(row)
        parents = [row[CommentRow.PK] for row in rows]
    continued = set()
    if budget and levels and parents and 1 + levels < max_depth:
        # The deepest replies shown: which have a reply that the reader can read (each
        # looked up through the index on parent, stopping at the first one).
        answers = Comment.objects.filter(parent=OuterRef("pk")).alias(readable=readable_case(user))
        deepest = Comment.objects.filter(pk__in=parents)
        has_replies = deepest.filter(Exists(answers.filter(readable=True)))
        continued = set(has_replies.values_list("pk", flat=True))

    comments = []
    shown = {}  # top-level comment id -> replies shown under it
    for root in root_rows:
        root_id = root[CommentRow.PK]
        if root_id == expand:
            comments += arranged(whole_threads([root_id]), reader)[0]
            continue
        first = len(comments)
        stack = [(root, 1)]  # depth first, the next one on top
        while stack:
            row, depth = stack.pop()
            comments.append((depth, row))
            below = min(depth + 1, max_depth)
            stack.extend((reply, below) for reply in reversed(replies.get(row[CommentRow.PK], ())))
        shown[root_id] = len(comments) - first - 1
    readable = readable_replies(shown, user, own_pending=own_pending)
    more = {root_id: readable[root_id] - count for root_id, count in shown.items()}
    more = {root_id: count for root_id, count in more.items() if count > 0}
    return comments, more, continued


def readable_by(user) -> Q:
    """What the reader can read, not "[comment deleted]": published comments, and their
    own waiting ones."""
    readable = Q(status=Comment.Status.PUBLISHED)
    if user.is_authenticated:
        readable |= Q(status=Comment.Status.PENDING, author=user)
    return readable & Q(deleted_at__isnull=True)


def readable_case(user) -> Case:
    """``readable_by`` as a CASE, which no database looks up in an index: so the comments
    are found through another one (their parent's) rather than by walking the table by
    status, as SQLite without statistics would."""
    return Case(When(readable_by(user), then=True), default=False)


def first_replies(parent_ids: list[int], user, budget: int):
    """The first ``budget`` replies the reader can read under each of ``parent_ids``,
    oldest first, found through the index on their parent (``readable_case``)."""
    place = Window(
        RowNumber(), partition_by=F("parent"), order_by=(F("created_at").asc(), F("id").asc())
    )
    return (
        Comment.objects.filter(parent__in=parent_ids)
        .alias(readable=readable_case(user))
        .filter(readable=True)
        .annotate(place=place)
        .filter(place__lte=budget)
        .order_by("created_at", "id")
    )


# How many replies the page's visitors can read under a top-level comment, for the
# outer query's comment. Written out, status and all: SQLite counts from the
# comment_counted_replies index alone only when the query states that index's own
# condition; given the status as a parameter, as the ORM gives it, it reads every row too.
COUNTED_REPLIES = f"""
    SELECT COUNT(*) FROM {Comment._meta.db_table} reply
    WHERE reply.root_id = {Comment._meta.db_table}.id
      AND reply.status = '{Comment.Status.PUBLISHED}' AND reply.deleted_at IS NULL
"""


def readable_replies(root_ids, user, *, own_pending: bool = False) -> dict[int, int]:
    """How many replies the reader can read under each top-level comment of ``root_ids``:
    published ones not deleted, and with ``own_pending`` their own waiting ones.

    One query, a count per top-level comment from the ``comment_counted_replies`` index.
    Replies under a comment the reader cannot see (removed, or waiting) are counted
    though the page never shows them: finding them would mean reading the whole thread.
    """
    if not root_ids:
        return {}
    readable = RawSQL(COUNTED_REPLIES, (), output_field=IntegerField())
    if own_pending and user.is_authenticated:
        own = Comment.objects.awaiting_moderation().filter(
            root=OuterRef("pk"), author=user, deleted_at__isnull=True
        )
        number = Func(F("pk"), function="COUNT", output_field=IntegerField())
        readable += Subquery(own.order_by().annotate(n=number).values("n"))
    counted = Comment.objects.filter(pk__in=list(root_ids)).order_by().annotate(n=readable)
    return dict(counted.values_list("pk", "n"))


def sub_thread(comment: Comment, user) -> tuple[list[tuple[int, tuple]], tzinfo]:
    """``comment`` and every reply under it that ``user`` may see, as ``(depth, row)``
    pairs in reading order at their depths on the article page (``arrange``), and the
    zone of their times. Empty if the comment itself has no place on the page (deleted,
    with nothing left below it).

    One query: the whole thread of its top-level comment, which says the depths too.
    """
    reader = user.pk if user.is_authenticated else None
    tree, times_zone = arranged(whole_threads([comment.root_id or comment.pk]), reader)
    for index, (depth, row) in enumerate(tree):
        if row[CommentRow.PK] == comment.pk:
            end = index + 1
            while end < len(tree) and tree[end][0] > depth:
                end += 1
            return tree[index:end], times_zone
    return [], times_zone


def page_of(comment: Comment, user, *, newest_first: bool = False) -> int:
    """The page on which ``comment`` is shown: the page of its top-level comment.

    One query: the top-level comments shown before that one, counted."""
    root_id = comment.root_id or comment.pk
    root_time = Subquery(Comment.objects.filter(pk=root_id).values("created_at")[:1])
    roots = Comment.objects.visible_to(user).filter(thread=comment.thread_id).page_roots()
    if newest_first:
        before = Q(created_at__gt=root_time) | Q(created_at=root_time, pk__gt=root_id)
    else:
        before = Q(created_at__lt=root_time) | Q(created_at=root_time, pk__lt=root_id)
    return roots.filter(before).count() // page_size() + 1


def arrange(rows: list[tuple], *, newest_first: bool = False) -> list[tuple[int, tuple]]:
    """Put comment rows in reading order, each followed by its replies (oldest first),
    as ``(depth, row)`` pairs. ``rows`` must be in (created_at, id) order.

    The replies of each comment are chained in two dicts (its first reply, and each
    reply's next sibling) rather than kept in a list per comment, so that a big thread
    leaves the garbage collector little to watch.
    """
    PK, PARENT_ID, IS_DELETED = CommentRow.PK, CommentRow.PARENT_ID, CommentRow.IS_DELETED
    max_depth = settings.FORUM_MAX_THREAD_DEPTH
    by_id = {row[PK]: row for row in rows}
    roots = []  # newest first
    first_reply = {}
    next_sibling = {}
    for row in reversed(rows):  # newest first, so that each chain runs oldest first
        pk, parent_id = row[PK], row[PARENT_ID]
        if parent_id is None:
            roots.append(pk)
        elif parent_id in by_id:
            next_sibling[pk] = first_reply.get(parent_id)
            first_reply[parent_id] = pk
        # A reply whose parent is hidden (removed, or someone else's pending comment)
        # has no place in the tree, so it is not shown.
    if newest_first:
        roots.reverse()

    # Depth first, from a stack of (id, depth) still to be shown, the next one on top.
    # Replies past the depth limit are shown at the limit, after their parent.
    ordered = []
    stack = [(pk, 1) for pk in roots]
    while stack:
        pk, depth = stack.pop()
        ordered.append((depth, by_id[pk]))
        sibling = next_sibling.get(pk)
        if sibling is not None:
            stack.append((sibling, depth))
        reply = first_reply.get(pk)
        if reply is not None:
            stack.append((reply, min(depth + 1, max_depth)))

    if any(row[IS_DELETED] for row in rows):
        # A comment its author deleted stays as "[comment deleted]" only while replies
        # below it are shown. Replies come after their parent, so walk backwards.
        kept = set()
        for _, row in reversed(ordered):
            reply = first_reply.get(row[PK])
            while reply is not None and reply not in kept:
                reply = next_sibling[reply]
            if not row[IS_DELETED] or reply is not None:
                kept.add(row[PK])
        ordered = [pair for pair in ordered if pair[1][PK] in kept]
    return ordered


# The depth limit, as stored


def ancestors() -> dict[str, F]:
    """Annotations that name a comment's ancestors as far up as the depth limit can
    reach: ``up_2`` its parent's parent, ``up_3`` the next one up, and so on (None above
    the top), read with the comment in one query, a join per level. ``reply_parent``
    uses them, so that placing a reply costs no query of its own."""
    levels = range(2, settings.FORUM_MAX_THREAD_DEPTH)
    return {f"up_{level}": F("__".join(["parent"] * level)) for level in levels}


def reply_parent(parent: Comment | None) -> Comment | None:
    """Where a reply to ``parent`` is stored, so that no reply is stored deeper than
    ``settings.FORUM_MAX_THREAD_DEPTH``: under ``parent``, or, when ``parent`` is at the
    limit, beside it, under its ancestor one level up (as WordPress shows such replies).
    None when that is the top level.

    ``parent`` read with ``ancestors()`` and its own parent (``select_related``) costs
    no query; read without, a query or two."""
    if parent is None:
        return None
    max_depth = settings.FORUM_MAX_THREAD_DEPTH
    chain = [parent.pk]  # parent, then its parent, up to the top
    if parent.parent_id is not None:
        chain.append(parent.parent_id)
    if len(chain) > 1 and parent.parent_id != parent.root_id:
        names = list(ancestors())
        if all(hasattr(parent, name) for name in names):
            above = [getattr(parent, name) for name in names]
        else:
            found = Comment.objects.filter(pk=parent.pk).annotate(**ancestors())
            above = found.values_list(*names).first() or ()
        for ancestor in above:
            if ancestor is None or ancestor in chain:
                break
            chain.append(ancestor)
            if ancestor == parent.root_id:
                break
        # Deeper than the limit reaches (stored before it was lowered): walk on up.
        while chain[-1] != parent.root_id:
            up = Comment.objects.filter(pk=chain[-1]).values_list("parent_id", flat=True).first()
            if up is None or up in chain:
                break
            chain.append(up)
    depth = len(chain)
    if depth < max_depth:
        return parent
    if max_depth == 1:
        return None
    beside = chain[depth - (max_depth - 1)]
    if beside == parent.parent_id and Comment.parent.is_cached(parent):
        return parent.parent  # read with it, as the reply form does
    return Comment.objects.get(pk=beside)


def parents_within_limit(parents: dict[int, int | None], max_depth: int) -> dict[int, int | None]:
    """For comments given as {id: parent id} (whole threads), the new parent of each one
    stored deeper than ``max_depth``: its ancestor at depth ``max_depth - 1`` (None for
    the top level), where ``reply_parent`` would have put it."""
    depth_of: dict[int, int] = {}
    moved = {}
    for pk in parents:
        chain = []  # pk, its parent, ... up to one whose depth is known, or the top
        current = pk
        while current is not None and current not in depth_of and current not in chain:
            chain.append(current)
            current = parents.get(current)
        depth = depth_of.get(current, 0)
        for each in reversed(chain):
            depth += 1
            depth_of[each] = depth
        if depth_of[pk] > max_depth:
            ancestor = pk
            for _ in range(depth_of[pk] - max_depth + 1):
                ancestor = parents[ancestor]
            moved[pk] = ancestor
    return moved
