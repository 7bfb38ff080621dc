"""A deterministic discussion for the benchmark: one article with N comments in a random
reply tree, written straight to the database in bulk.

The same seed gives the same article, the same tree, bodies, authors and times:

- about 30% of the comments are top-level; each other one answers one of the 50 latest
  comments that can take a reply, no deeper than the forum's depth limit (5 levels), so
  that threads have a few to a few dozen comments whatever N (the "recent" shape); or,
  in the "uniform" shape, any earlier comment that can take one, chosen uniformly, so
  that the early threads gather the replies as they do in real discussions;
- bodies of 200 to 600 characters of plain text, some with a paragraph break or one link;
- 200 distinct authors (``bench-reader-000`` ...), shared by every generated article;
- optionally some comments waiting for a moderator, chosen among those without replies
  (a reply can only answer a published comment).

Each comment carries what the services would have stored: its ``root``, its rendered
``body_html`` (rendered once per distinct body: the bodies come from a pool) and, at the
end, the thread's counts and version (``forum.services.refresh_thread``). The posting
rules do not run: this is data, not traffic.

From code::

    from bench.generate import generate
    generated = generate(10_000, pending=500)

From the command line (on the database the environment names, ``db.sqlite3`` by
default)::

    .venv/bin/python -m bench.generate --comments 1000 --pending 50
"""

import argparse
import os
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

SEED = 20150108
AUTHORS = 200
TOP_LEVEL_SHARE = 0.3
# A reply answers one of the most recent comments that can take one: discussions move on,
# and nobody answers the third comment after 9,000 others. Without this window the first
# threads would grow with N (a random recursive tree gives comment i about N/i
# descendants) and the first page would hold a fifth of a 10,000-comment discussion.
REPLY_WINDOW = 50
BODY_CHARS = (200, 600)
# Distinct bodies to draw from: enough to look like a real discussion, few enough that
# rendering each one once stays cheap at 100,000 comments.
BODY_POOL = 2000
LINK_SHARE = 0.05  # bodies with one link (two or more would be held by the rules)
BATCH = 5000
# Comments are spread over time in the order they are generated, so that every reply
# comes after the comment it answers. Fixed, so that a seed gives the same data.
START = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
STEP = timedelta(seconds=20)

# The vocabulary of the bodies. A block of words reads better than 150 quoted strings.
WORDS = """
the a an and or but if then because while though so yet still
also even just only government talks embassy minister president congress senate vote law policy
trade market price wage job worker family people city island country border visa travel
flight ship port hotel tourist money dollar peso bank credit loan debt tax budget
school teacher student doctor hospital medicine food rice bread water power fuel internet phone
news paper radio reporter story report source truth rumor opinion history future change reform
embargo sanction relation normal deal meeting week year month day decade generation neighbor friend
cousin uncle grandmother street market good bad better worse new old long short real
fair hard easy clear open closed free think believe hope doubt know expect remember
forget want need wait see hear read write say tell ask answer agree disagree
wonder worry happen begin end continue
""".split()  # noqa: SIM905


@dataclass
class GeneratedThread:
    """What ``generate`` made, for the benchmark to point at and print."""

    article: object
    thread: object
    comments: int
    pending: int
    top_level: int
    depths: dict[int, int]
    seconds: float
    # Published comments that can take a reply (shallower than the depth limit), in
    # generation order: a deterministic choice of parents for posting replies.
    replyable_ids: list[int] = field(default_factory=list)

    def describe(self) -> str:
        depth = ", ".join(f"{level}: {count}" for level, count in sorted(self.depths.items()))
        return (
            f"“{self.article.title}” (/articles/{self.article.slug}/): {self.comments:,} "
            f"comments, {self.top_level:,} top-level, {self.pending:,} pending; "
            f"per depth {depth}; {self.seconds:.1f} s"
        )


def make_body(rng: random.Random, number: int) -> str:
    """Plain text of 200 to 600 characters, in sentences, sometimes in paragraphs."""
    low, high = BODY_CHARS
    length = rng.randint(low, high)
    with_link = rng.random() < LINK_SHARE
    parts = []
    size = 0
    while size < length:
        words = [rng.choice(WORDS) for _ in range(rng.randint(6, 16))]
        sentence = " ".join(words).capitalize() + rng.choice([".", ".", ".", "?", "!"])
        if with_link and not parts:
            sentence += f" More at https://example.org/news/{number}."
        parts.append(sentence)
        parts.append(rng.choices([" ", "\n\n", "\n"], weights=[80, 15, 5])[0])
        size += len(sentence) + 1
    text = "".join(parts).strip()
    if len(text) > high:
        text = text[: text.rfind(" ", 0, high - 1)].rstrip(",;") + "."
    while len(text) < low:
        text += " " + rng.choice(WORDS) + "."
    return text


SHAPES = ("recent", "uniform")


def make_tree(count: int, rng: random.Random, max_depth: int, shape: str = "recent"):
    """Each comment's parent (an earlier comment, or None) and depth (1 at top level).

    A reply answers one of the REPLY_WINDOW latest comments that can take one
    ("recent"), or any of them ("uniform"): a random recursive tree, where comment i
    gathers about (N/i)^0.7 descendants."""
    window = REPLY_WINDOW if shape == "recent" else count
    parents: list[int | None] = []
    depths: list[int] = []
    can_take_reply: list[int] = []
    for index in range(count):
        if index == 0 or rng.random() < TOP_LEVEL_SHARE:
            parent, depth = None, 1
        else:
            recent = min(len(can_take_reply), window)
            parent = can_take_reply[len(can_take_reply) - 1 - rng.randrange(recent)]
            depth = depths[parent] + 1
        parents.append(parent)
        depths.append(depth)
        if depth < max_depth:
            can_take_reply.append(index)
    return parents, depths


def choose_pending(count: int, parents: list[int | None], rng: random.Random) -> set[int]:
    """``count`` comments to leave waiting for a moderator, among those without replies."""
    answered = {parent for parent in parents if parent is not None}
    leaves = [index for index in range(len(parents)) if index not in answered]
    if count > len(leaves):
        raise ValueError(f"Only {len(leaves)} comments have no reply; cannot hold {count}.")
    return set(rng.sample(leaves, count))


def bench_authors(count: int = AUTHORS) -> list:
    """The readers who write the generated comments, created once and shared."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    usernames = [f"bench-reader-{number:03d}" for number in range(count)]
    existing = set(
        user_model.objects.filter(username__in=usernames).values_list("username", flat=True)
    )
    missing = [
        user_model(
            username=username,
            display_name=f"Reader {username[-3:]}",
            email=f"{username}@example.org",
            password="!",  # no password: these readers never log in by form
            date_joined=START - timedelta(days=30),
        )
        for username in usernames
        if username not in existing
    ]
    user_model.objects.bulk_create(missing, batch_size=500)
    by_name = user_model.objects.in_bulk(usernames, field_name="username")
    return [by_name[username] for username in usernames]


def _insert_comments(rows: list[dict]) -> None:
    """Write the comments as plain rows: at 100,000 comments, building model instances and
    letting the ORM compile each INSERT would take most of the time. Fields not given take
    their model default, so that a field added to Comment later still gets one."""
    from django.db import connection

    from forum.models import Comment

    fields = Comment._meta.concrete_fields
    defaults = {
        field.attname: field.get_db_prep_save(field.get_default(), connection) for field in fields
    }
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(Comment._meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    columns = [field.attname for field in fields]

    def values(row: dict) -> tuple:
        return tuple(row[name] if name in row else defaults[name] for name in columns)

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: one stream instead of a round trip per row.
            copy_sql = "COPY {} ({}) FROM STDIN".format(
                quote(Comment._meta.db_table), ", ".join(quote(field.column) for field in fields)
            )
            with cursor.cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(values(row))
            return
        adapt_time = connection.ops.adapt_datetimefield_value
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            cursor.executemany(
                sql, [values({**row, "created_at": adapt_time(row["created_at"])}) for row in batch]
            )


def _reset_sequences(*models) -> None:
    """After rows were inserted with explicit ids, let PostgreSQL's sequences catch up
    (SQLite follows by itself)."""
    from django.core.management.color import no_style
    from django.db import connection

    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def analyze() -> None:
    """Refresh PostgreSQL's planner statistics, as autovacuum would after a bulk load.
    SQLite is left as Django leaves it, without ANALYZE."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def generate(
    comments: int,
    *,
    pending: int = 0,
    seed: int = SEED,
    slug: str | None = None,
    authors: int = AUTHORS,
    shape: str = "recent",
) -> GeneratedThread:
    """Write one published article with ``comments`` comments in a reply tree of
    ``shape`` (SHAPES), ``pending`` of them waiting for a moderator, and return what was
    made."""
    from django.conf import settings
    from django.db import transaction
    from django.db.models import Max

    from articles.models import Article
    from forum.models import Comment, ReasonCode, Thread
    from forum.rendering import render_comment_body
    from forum.services import refresh_thread

    started = time.perf_counter()
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {', '.join(SHAPES)}, not {shape!r}")
    # The recent shape keeps the seed it always had, so that its data stays the same.
    rng = random.Random(f"{seed}:{comments}:{pending}" + ("" if shape == "recent" else shape))
    max_depth = settings.FORUM_MAX_THREAD_DEPTH
    parents, depths = make_tree(comments, rng, max_depth, shape)
    held = choose_pending(pending, parents, rng)
    pool = [make_body(rng, number) for number in range(min(BODY_POOL, max(comments, 1)))]
    rendered = [str(render_comment_body(body)) for body in pool]
    slug = slug or f"bench-{comments}-comments" + ("" if shape == "recent" else f"-{shape}")

    with transaction.atomic():
        writers = bench_authors(authors)
        article = Article.objects.create(
            title=f"Benchmark story with {comments:,} comments"
            + ("" if shape == "recent" else f" ({shape} tree)"),
            slug=slug,
            standfirst="A generated story for the performance benchmark.",
            body="A generated story.\n\nIts comments come from bench/generate.py.",
            status=Article.Status.PUBLISHED,
            published_at=START - timedelta(hours=1),
        )
        # Kept open, so that posting works whatever FORUM_AUTO_CLOSE_DAYS says about a
        # story published at START.
        Thread.objects.filter(article=article).update(keep_open=True)
        thread = Thread.objects.get(article=article)
        first_id = (Comment.objects.aggregate(last=Max("pk"))["last"] or 0) + 1
        roots: list[int] = []
        rows = []
        for index in range(comments):
            parent = parents[index]
            roots.append(index if parent is None else roots[parent])
            body_number = rng.randrange(len(pool))
            is_held = index in held
            rows.append(
                {
                    "id": first_id + index,
                    "thread_id": thread.pk,
                    "parent_id": None if parent is None else first_id + parent,
                    "root_id": None if parent is None else first_id + roots[index],
                    "author_id": writers[rng.randrange(len(writers))].pk,
                    "body": pool[body_number],
                    "body_html": rendered[body_number],
                    "status": Comment.Status.PENDING if is_held else Comment.Status.PUBLISHED,
                    "reason_code": ReasonCode.HELD_WORD if is_held else "",
                    "reason": "held word: benchmark" if is_held else "",
                    "created_at": START + STEP * index,
                }
            )
        _insert_comments(rows)
        _reset_sequences(Comment)
        refresh_thread(thread.pk)
    analyze()
    thread.refresh_from_db()
    replyable = [
        first_id + index
        for index in range(comments)
        if depths[index] < max_depth and index not in held
    ]
    return GeneratedThread(
        article=article,
        thread=thread,
        comments=comments,
        pending=len(held),
        top_level=sum(parent is None for parent in parents),
        depths=dict(Counter(depths)),
        seconds=time.perf_counter() - started,
        replyable_ids=replyable,
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--comments", type=int, default=1000, help="how many (default 1000)")
    parser.add_argument(
        "--pending", type=int, default=0, help="how many of them wait for a moderator"
    )
    parser.add_argument("--seed", type=int, default=SEED, help=f"default {SEED}")
    parser.add_argument("--slug", help="the article's slug (default bench-N-comments)")
    parser.add_argument(
        "--shape", choices=SHAPES, default="recent", help="the reply tree (default recent)"
    )
    options = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forum.settings")
    import django

    django.setup()
    generated = generate(
        options.comments,
        pending=options.pending,
        seed=options.seed,
        slug=options.slug,
        shape=options.shape,
    )
    print(generated.describe())
    return 0


if __name__ == "__main__":
    sys.exit(main())
