"""Storing what a source read: articles one by one (they are few), comments in bulk.

Comments never go through ``services.post_comment``: the archive's own statuses are
kept, no moderation rule runs and no mail is sent. Every stored row carries its key in
``source_id``, so a second import of the same file, or of a later export that overlaps
it, skips what is already there and counts it. Each thread touched is recounted once,
at the end.

A comment (or an article) goes to the account with its author's address only if that
account has confirmed the address (``User.email_confirmed_at``) or is staff, made by the
newsroom itself: sign-up checks nothing, so anyone could register a journalist's or a
reader's address before the import and be handed their words, IP addresses and all.
Other comments keep the imported name with no account; their author gets them later by
confirming the address (forum/email_confirmation.py).
"""

from collections import Counter
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.text import slugify
from django.utils.translation import ngettext

from articles.models import Article
from forum import services
from forum.models import Comment, Thread

from .base import ImportedArticle, ImportedComment, comment_text

BATCH_SIZE = 2000
PROGRESS_EVERY = 1000
LISTED = 20  # orphans and problems listed by name; the rest are counted
ANALYZE_AFTER = 5000  # comments stored: enough to change how PostgreSQL should plan


class Writer:
    def __init__(self, *, progress: Callable[[int], None] | None = None):
        self.progress = progress
        self.counts = Counter()
        self.skipped = Counter()  # by the plural of what was skipped
        self.skipped_one: dict[str, str] = {}  # its singular
        self.statuses = Counter()  # comments stored, by status
        self.orphans: list[str] = []
        self.notes: list[str] = []  # reported by the source: unmatched threads, ...
        self.touched: set[int] = set()
        self.pending: list[tuple[int, ImportedComment]] = []
        self.deferred: list[tuple[int, ImportedComment]] = []
        # Comments stored or found stored: source_id -> (pk, root pk, thread pk)
        self.known: dict[str, tuple[int, int | None, int]] = {}
        self.seen: set[str] = set()
        self.users_by_email: dict[str, int | None] = {}
        self.handled = 0
        self.slugs_taken: set[str] = set()

    # Articles

    def add_article(self, record: ImportedArticle) -> int:
        """Store the article unless it is there already; returns its thread's id."""
        stored = (
            Article.objects.filter(source_id=record.source_id).values_list("thread", flat=True)
        ).first()
        if stored is not None:
            self.counts["articles already imported"] += 1
            return stored
        article = Article(
            title=record.title[:300],
            slug=self.unique_slug(record.slug),
            body=record.body,
            status=Article.Status.PUBLISHED if record.published else Article.Status.DRAFT,
            published_at=record.published_at,
            source_url=record.source_url[:500],
            source_id=record.source_id,
            source_note=record.note,
            author_id=self.account_for(record.author_email),
            **{name: fitted(name, value) for name, value in record.extra.items() if value},
        )
        article.save()  # forum.signals makes its thread
        thread = Thread.objects.get(article=article)
        if not record.comments_open:
            services.close_thread(
                thread, by=None, message=record.closing_message[:500], recount=False
            )
        self.counts["articles published" if record.published else "articles drafts"] += 1
        self.touched.add(thread.pk)
        return thread.pk

    def account_for(self, email: str) -> int | None:
        """The account that may have this address's words, ignoring case (see
        ``match_emails``); None if there is none."""
        email = email.strip()
        if not email:
            return None
        self.match_emails({email.lower()})
        return self.users_by_email.get(email.lower())

    def unique_slug(self, wanted: str) -> str:
        base = (slugify(wanted) or "article")[:280].strip("-") or "article"
        slug, number = base, 1
        while slug in self.slugs_taken or Article.objects.filter(slug=slug).exists():
            number += 1
            slug = f"{base}-{number}"
        self.slugs_taken.add(slug)
        return slug

    def close_thread(self, thread_id: int) -> None:
        """Close a thread the old system had closed, unless someone here has opened or
        closed it since (a moderator's choice outlives a second import)."""
        thread = Thread.objects.get(pk=thread_id)
        if thread.status_changed_at is None and thread.status == Thread.Status.OPEN:
            services.close_thread(thread, by=None, recount=False)
        self.touched.add(thread_id)

    # Comments

    def add_comment(self, thread_id: int, record: ImportedComment) -> None:
        self.handled += 1
        if self.progress and self.handled % PROGRESS_EVERY == 0:
            self.progress(self.handled)
        if record.source_id in self.seen:
            self.counts["comments already imported"] += 1
            return
        self.seen.add(record.source_id)
        self.pending.append((thread_id, record))
        if len(self.pending) >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        if not batch:
            return
        self.remember(record.source_id for _, record in batch)
        fresh = [(thread, record) for thread, record in batch if record.source_id not in self.known]
        self.counts["comments already imported"] += len(batch) - len(fresh)
        if settings.FORUM_CLAIM_IMPORTED_COMMENTS:
            self.match_emails(
                record.author_email.lower()
                for _, record in fresh
                if record.author_email and not record.anonymous
            )
        # Parents stored before (an earlier import of an overlapping export).
        in_batch = {record.source_id for _, record in fresh}
        wanted = {
            record.parent_source_id
            for _, record in fresh
            if record.parent_source_id
            and record.parent_source_id not in self.known
            and record.parent_source_id not in in_batch
        }
        self.remember(wanted)
        self.deferred.extend(self.store_in_waves(fresh))

    def remember(self, source_ids) -> None:
        """Note those of these comments that are stored (one query)."""
        wanted = set(source_ids)
        if not wanted:
            return
        for source_id, pk, root_id, thread_id in Comment.objects.filter(
            source_id__in=wanted
        ).values_list("source_id", "pk", "root_id", "thread_id"):
            self.known[source_id] = (pk, root_id, thread_id)

    def store_in_waves(self, batch):
        """Store the comments whose parent is stored, then their replies, and so on;
        returns those whose parent is not known yet."""
        remaining = batch
        while remaining:
            ready, waiting = [], []
            for entry in remaining:
                thread_id, record = entry
                parent = record.parent_source_id
                if parent in self.known and self.known[parent][2] != thread_id:
                    # A reply belongs with its parent: one in another thread (which
                    # only a broken export has) counts as missing.
                    self.orphan(record)
                    parent = ""
                (ready if not parent or parent in self.known else waiting).append(entry)
            if not ready:
                break
            self.store(ready)
            remaining = waiting
        return remaining

    def store(self, entries) -> None:
        rows = []
        # Addresses matched for bylines are no comment's unless comments are claimed.
        users = self.users_by_email if settings.FORUM_CLAIM_IMPORTED_COMMENTS else {}
        for thread_id, record in entries:
            parent_id = root_id = None
            if record.parent_source_id:
                parent_id, parent_root, _ = self.known[record.parent_source_id]
                root_id = parent_root or parent_id
            published = record.status == Comment.Status.PUBLISHED
            was_published = record.status_before_removal == Comment.Status.PUBLISHED
            body, body_html = comment_text(record.content)
            rows.append(
                {
                    "thread_id": thread_id,
                    "parent_id": parent_id,
                    "root_id": root_id,
                    "author_id": None
                    if record.anonymous
                    else users.get(record.author_email.lower()),
                    "author_anonymous": record.anonymous,
                    "author_name": record.author_name[:80],
                    "author_email": record.author_email[:254],
                    "author_url": record.author_url[:500],
                    "ip_address": record.ip_address,
                    "user_agent": record.user_agent[:500],
                    "body": body,
                    "body_html": body_html,
                    "status": record.status,
                    "reason_code": "" if published else record.reason_code,
                    "reason": "" if published else record.reason[:300],
                    "created_at": record.created_at,
                    "edited_at": record.edited_at,
                    "deleted_at": record.deleted_at,
                    "status_before_removal": record.status_before_removal,
                    "first_published_at": record.created_at if published or was_published else None,
                    "kind": record.kind,
                    "source_id": record.source_id,
                }
            )
            self.statuses[record.status] += 1
            self.touched.add(thread_id)
        stored = {row["source_id"]: (row["root_id"], row["thread_id"]) for row in rows}
        for source_id, pk in insert_comments(rows):
            self.known[source_id] = (pk, *stored[source_id])

    def match_emails(self, emails) -> None:
        """Look up the accounts of these (lower-cased) addresses not looked up yet,
        ignoring case: their comments are those accounts'. Only accounts that confirmed
        their address, or staff ones, count. One query a batch."""
        wanted = set(emails) - self.users_by_email.keys()
        if not wanted:
            return
        self.users_by_email.update(dict.fromkeys(wanted))
        accounts = (
            get_user_model()
            .objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=wanted)
            .filter(Q(email_confirmed_at__isnull=False) | Q(is_staff=True))
            .order_by("-pk")  # the oldest account wins when two share an address
            .values_list("email_lower", "pk")
        )
        self.users_by_email.update(accounts)

    def finish(self) -> None:
        """Store what is left, attach late parents, and recount every thread touched."""
        self.flush()
        deferred, self.deferred = self.deferred, []
        while deferred:
            self.remember({record.parent_source_id for _, record in deferred} - self.known.keys())
            waiting = self.store_in_waves(deferred)
            if not waiting:
                break
            # What is left has a parent that is nowhere: it starts a thread of its own
            # (its replies, if any, follow it on the next round).
            waiting_keys = {record.source_id for _, record in waiting}
            lost = [entry for entry in waiting if entry[1].parent_source_id not in waiting_keys]
            if not lost:  # a loop of parents, which only a broken file has
                lost = waiting[:1]
            for _, record in lost:
                self.orphan(record)
            deferred = waiting
        if self.statuses.total() >= ANALYZE_AFTER and connection.vendor == "postgresql":
            # PostgreSQL plans the recount from the table's statistics, which know
            # nothing yet of the rows just added: without this each recount scans the
            # whole table, and a thousand of them take minutes instead of seconds.
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(Comment._meta.db_table)}")
        # Every thread touched is locked at once (in id order, as refresh_thread would
        # one by one), then recounted, a few hundred a statement.
        touched = sorted(self.touched)
        services.lock_threads(touched)
        if moved := services.attach_deep_replies_at_the_limit(touched):
            self.counts["attached at the depth limit"] += moved
        for batch in services.batches(touched):  # threads recounted by one statement
            services.refresh_threads(batch, locked=True)

    def orphan(self, record: ImportedComment) -> None:
        """The comment's parent is missing: it starts a thread of its own, and is listed."""
        self.orphans.append(f"{record.source_id} (parent {record.parent_source_id})")
        record.parent_source_id = ""

    # Report

    def summary(self) -> list[str]:
        counts, statuses = self.counts, self.statuses
        published, drafts = counts["articles published"], counts["articles drafts"]
        lines = []
        if published + drafts + counts["articles already imported"]:
            lines.append(
                f"Articles: {published + drafts} imported ({published} published, {drafts} "
                f"as drafts), {counts['articles already imported']} already imported."
            )
        lines += [
            f"Comments: {statuses.total()} imported ("
            + ", ".join(f"{statuses[status]} {status}" for status in Comment.Status.values)
            + f"), {counts['comments already imported']} already imported.",
        ]
        skipped = [
            f"{number} {self.skipped_one[what] if number == 1 else what}"
            for what, number in sorted(self.skipped.items())
            if number
        ]
        if skipped:
            lines.append("Skipped: " + ", ".join(skipped) + ".")
        if deep := counts["attached at the depth limit"]:
            lines.append(
                ngettext(
                    "%(count)d reply nested deeper than %(limit)d levels is stored at the "
                    "last level, beside the comment it answered.",
                    "%(count)d replies nested deeper than %(limit)d levels are stored at the "
                    "last level, beside the comments they answered.",
                    deep,
                )
                % {"count": deep, "limit": settings.FORUM_MAX_THREAD_DEPTH}
            )
        if self.orphans:
            lines.append(
                ngettext(
                    "%d comment whose parent is missing became top-level: ",
                    "%d comments whose parent is missing became top-level: ",
                    len(self.orphans),
                )
                % len(self.orphans)
                + listing(self.orphans)
            )
        lines.extend(self.notes)
        if not statuses and not published + drafts:
            lines.append("Nothing new: everything in the file was imported before or skipped.")
        return lines

    def skip(self, one: str, many: str, number: int = 1) -> None:
        """Count ``number`` things left out, named ``one`` or ``many`` in the summary."""
        self.skipped[many] += number
        self.skipped_one[many] = one


def fitted(name: str, value: str) -> str:
    """The value cut to the length of the article field ``name``, if it has one."""
    length = Article._meta.get_field(name).max_length
    return value[:length] if length else value


def insert_comments(rows: list[dict]) -> list[tuple[str, int]]:
    """Store the rows; returns their (source_id, id) pairs.

    Done by hand rather than with bulk_create, whose work per field and row cost as
    much as the rest of an import put together. What bulk_create would do is done
    here: every column is given (a default where the row has none), and times and
    addresses are adapted as the database backend wants them.
    """
    if not rows:
        return []
    operations = connection.ops
    fields = [field for field in Comment._meta.concrete_fields if not field.primary_key]
    adapters = {
        models.DateTimeField: operations.adapt_datetimefield_value,
        models.GenericIPAddressField: operations.adapt_ipaddressfield_value,
    }
    columns = [(field.attname, adapters.get(type(field)), field.get_default()) for field in fields]
    quote = operations.quote_name
    insert = "INSERT INTO {} ({}) VALUES ".format(
        quote(Comment._meta.db_table), ", ".join(quote(field.column) for field in fields)
    )
    row_placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    returning = " RETURNING {}, {}".format(quote("source_id"), quote("id"))
    values = [
        tuple(
            row.get(name, default) if adapt is None else adapt(row.get(name, default))
            for name, adapt, default in columns
        )
        for row in rows
    ]
    stored = []
    if connection.vendor == "postgresql":
        # psycopg's own cursor sends the values apart from the statement, prepared once
        # and pipelined: Django's quotes every value into the SQL text in Python, and
        # a statement of thousands of values is parsed again each time it is sent.
        import psycopg

        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.executemany(insert + row_placeholder + returning, values, returning=True)
            while True:
                stored.extend(cursor.fetchall())
                if not cursor.nextset():
                    break
        return stored
    # SQLite: a few rows a statement, as many as its limit on values allows.
    per_statement = max(1, connection.features.max_query_params // len(fields))
    with connection.cursor() as cursor:
        for start in range(0, len(values), per_statement):
            chunk = values[start : start + per_statement]
            cursor.execute(
                insert + ", ".join([row_placeholder] * len(chunk)) + returning,
                [value for row in chunk for value in row],
            )
            stored.extend(cursor.fetchall())
    return stored


def listing(names: list[str]) -> str:
    shown = ", ".join(names[:LISTED])
    if len(names) > LISTED:
        shown += f" and {len(names) - LISTED} more"
    return shown + "."


def print_progress(stream) -> Callable[[int], None] | None:
    """A running count of comments on a terminal (``stream``, a command's stderr);
    nothing in a log."""
    if not stream.isatty():
        return None
    # Plain text: a command colours its stderr as errors.
    return lambda number: stream.write(f"\r{number:,} comments…", style_func=str, ending="")
