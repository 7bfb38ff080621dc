"""In-process measurements through Django's test client, on one database per invocation.

The database is the one DATABASE_URL (or ``--database``) names: a PostgreSQL database
whose name contains "bench", dropped and created afresh, or, without one, a SQLite file in
a temporary folder. Either is thrown away at the end. Settings are production's (debug
off), read from the environment (bench/environment.py).

What it builds, in this order, so that every page is measured over a realistic table:

1. a 1,000-comment article with 50 comments pending: the moderation queue over 1,000
   comments is measured then;
2. a 99,000-comment article with 4,950 pending: the table now holds 100,000 comments of
   which 5,000 wait, and the queue is measured again;
3. articles with 100, 1,000 and 10,000 published comments: their first page, the whole
   thread in one page, and posting a comment and a reply, each timed at every N, the N
   taking turns (each round times one run at each N), so that a slow moment of a shared
   machine weighs on every N alike; then the same sizes in a uniformly random reply tree
   (bench/generate.py's "uniform" shape, where the early threads gather the replies):
   their first page and their whole thread.

Each measurement: 2 warm-ups (the second one counts the queries and keeps their SQL), then
at least 10 timed runs, reported as median and minimum. Pages are measured with the
comment-list cache turned off (FORUM_SECTION_CACHE_SECONDS=0), the cost of every cache
miss, and the first page also with it on. A child process measures the memory of one
request for the whole 10,000-comment thread. At the end, on the full table (and after
ANALYZE on PostgreSQL), every SELECT and UPDATE captured is EXPLAINed.

Writes its results as JSON (``--out``) for bench/report.py, and prints them.
"""

import argparse
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.environment import (
    RESULTS_DIR,
    is_postgres,
    production_environment,
    scratch_database,
    setup_django,
    write_results,
)

ARTICLE_SIZES = (100, 1_000, 10_000)
QUEUE_SMALL = (1_000, 50)
QUEUE_LARGE = (100_000, 5_000)
COMMENT_MARKER = '<li id="comment-'


@dataclass
class Measurement:
    key: str  # what was measured: article_page, whole_thread, post_comment, ...
    variant: str  # uncached, cached, moderator, superuser, ...
    n: int  # comments in the article, or in the whole table for the queue
    url: str
    shape: str = "recent"  # the article's reply tree (bench/generate.py's SHAPES)
    queries: int = 0  # every statement, as django_assert_max_num_queries counts them
    transaction_statements: int = 0  # of which BEGIN, COMMIT, SAVEPOINT ...
    runs_ms: list[float] = field(default_factory=list)
    comments_rendered: int | None = None
    statements: list[str] = field(default_factory=list)
    # (SQL, milliseconds) of each statement sent through a cursor in the counting warm-up
    # (BEGIN and COMMIT are not among them).
    timed_statements: list[tuple[str, float]] = field(default_factory=list)
    # Filled in at the end from EXPLAIN: the statements that read the whole comments
    # table (a sequential scan, or an index scan with no condition).
    full_scans: list[dict] = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.runs_ms)

    @property
    def min_ms(self) -> float:
        return min(self.runs_ms)

    def as_json(self) -> dict:
        data = asdict(self)
        data.update(median_ms=self.median_ms, min_ms=self.min_ms)
        return data


class StatementTimer:
    """A database execute wrapper that times each statement, to the microsecond (the
    captured queries' times are rounded to the millisecond)."""

    def __init__(self):
        self.statements = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.append((sql, (time.perf_counter() - started) * 1000))


@dataclass
class Case:
    """One thing to measure: how to make the request, check its answer and prepare it."""

    measurement: Measurement
    request: Callable
    check: Callable
    prepare: Callable | None = None  # None: nothing to prepare
    last_response: object = None

    def __post_init__(self):
        self.prepare = self.prepare or (lambda: None)


class Bench:
    """Runs requests through the test client and keeps what they cost."""

    def __init__(self, *, warmups: int, runs: int, profile_dir: Path | None = None):
        self.warmups = warmups
        self.runs = runs
        self.profile_dir = profile_dir
        self.measurements: list[Measurement] = []

    def measure(self, measurement: Measurement, request, check, prepare=None) -> Measurement:
        """``request(prepared)`` makes one request and returns the response, ``prepare()``
        (not timed) makes what it needs, such as a logged-in client; ``check`` raises if
        the response is not what a reader or moderator should get."""
        return self.measure_in_turns([Case(measurement, request, check, prepare)])[0]

    def measure_in_turns(self, cases: list["Case"]) -> list[Measurement]:
        """Measure several cases, such as one page at each N, taking turns: every round
        times one run of each case. A shared machine has slow moments; this way they
        fall on every N alike, and the ratios between N stay true.

        Each case first gets its warm-ups; the last one counts the queries, so that the
        timed runs are not disturbed by that."""
        for case in cases:
            for number in range(self.warmups):
                if number == self.warmups - 1:
                    response = self._counted(case)
                else:
                    response = case.request(case.prepare())
                case.check(response)
        for _ in range(self.runs):
            for case in cases:
                prepared = case.prepare()
                started = time.perf_counter()
                response = case.request(prepared)
                elapsed = time.perf_counter() - started
                case.check(response)
                case.measurement.runs_ms.append(elapsed * 1000)
                case.last_response = response
        for case in cases:
            measurement = case.measurement
            if COMMENT_MARKER in (content := _text(case.last_response)):
                measurement.comments_rendered = content.count(COMMENT_MARKER)
            if self.profile_dir is not None:
                self._profile(measurement, case.request, case.prepare)
            self.measurements.append(measurement)
            print(
                f"  {measurement.key:<14} {measurement.variant:<10} {measurement.shape:<8} "
                f"N={measurement.n:>7,}  "
                f"{measurement.queries:>2} queries  median {measurement.median_ms:8.1f} ms  "
                f"min {measurement.min_ms:8.1f} ms"
                + (
                    f"  {measurement.comments_rendered:,} comments shown"
                    if measurement.comments_rendered
                    else ""
                ),
                flush=True,
            )
        return [case.measurement for case in cases]

    @staticmethod
    def _counted(case: "Case"):
        """One request of ``case`` with its statements counted, timed and kept."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        measurement = case.measurement
        prepared = case.prepare()
        timer = StatementTimer()
        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timer):
            response = case.request(prepared)
        measurement.timed_statements = timer.statements
        measurement.queries = len(captured.captured_queries)
        measurement.statements = [query["sql"] for query in captured.captured_queries]
        measurement.transaction_statements = sum(
            bool(TRANSACTION_CONTROL.match(sql)) for sql in measurement.statements
        )
        return response

    def _profile(self, measurement: Measurement, request, prepare) -> None:
        """One more request under cProfile; the top of the profile goes to a file."""
        import cProfile
        import io
        import pstats

        prepared = prepare()
        profiler = cProfile.Profile()
        profiler.enable()
        request(prepared)
        profiler.disable()
        self.profile_dir.mkdir(parents=True, exist_ok=True)
        name = f"{measurement.key}-{measurement.variant}-{measurement.n}"
        profiler.dump_stats(self.profile_dir / f"{name}.prof")
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(40)
        (self.profile_dir / f"{name}.txt").write_text(text.getvalue())


def _text(response) -> str:
    return response.content.decode() if hasattr(response, "content") else ""


def _expect_page(response) -> None:
    if response.status_code != 200:
        raise RuntimeError(f"Expected a page, got HTTP {response.status_code}")


def _expect_published_redirect(response) -> None:
    """Posting redirects to the comment's place; the comment must be published (its
    author is trusted), or the bench would measure the held path."""
    from forum.models import Comment

    location = response.get("Location", "") if response.status_code == 302 else ""
    comment_id = location.rpartition("#comment-")[2]
    if not comment_id.isdigit():
        raise RuntimeError(f"Posting failed: HTTP {response.status_code} {_text(response)[:300]!r}")
    status = Comment.objects.get(pk=comment_id).status
    if status != Comment.Status.PUBLISHED:
        raise RuntimeError(f"The posted comment is {status}, not published.")


def _user(username: str, **fields):
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(
        username=username, defaults={"email": f"{username}@example.org", **fields}
    )
    return user


def moderator_user():
    """A staff reader in the Moderators group, as `manage.py makemoderator` makes one."""
    from django.contrib.auth.models import Group

    moderator = _user("bench-moderator", is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    return moderator


def measure_queue(bench: Bench, total: int, *, moderator, superuser) -> None:
    from django.test import Client
    from django.urls import reverse

    queue_url = reverse("admin:forum_comment_changelist")  # wherever DJANGO_ADMIN_URL puts it
    for variant, user in (("moderator", moderator), ("superuser", superuser)):
        client = Client()
        client.force_login(user)
        bench.measure(
            Measurement("admin_queue", variant, total, queue_url),
            lambda _prepared, client=client: client.get(queue_url),
            _expect_queue,
        )


def _expect_queue(response) -> None:
    _expect_page(response)
    rows = _text(response).count('name="_selected_action"')
    if rows == 0:
        raise RuntimeError("The moderation queue shows no comment.")


class Posters:
    """A fresh author for every post: one of the generated readers, who all have
    published comments (so their comment is published at once) and none in the last
    FORUM_FLOOD_SECONDS. Each is used once, so the flood rule never fires."""

    def __init__(self):
        from django.contrib.auth import get_user_model

        self.readers = list(
            get_user_model().objects.filter(username__startswith="bench-reader-").order_by("pk")
        )
        self.used = 0

    def next(self):
        if self.used >= len(self.readers):
            raise RuntimeError(
                "Out of fresh authors for posting: lower --runs, or add readers in generate."
            )
        reader = self.readers[self.used]
        self.used += 1
        return reader


def measure_articles(
    bench: Bench, articles: list, posters: Posters, rng: random.Random, uniform: list
) -> None:
    """Every article page measurement, each at every N in turns (Bench.measure_in_turns);
    the first page and the whole thread of the ``uniform`` trees too."""
    from django.test import Client, override_settings

    # One client for readers and one for posters, as one server process: a new test
    # client builds its own middleware chain (WhiteNoise scans the static files then) on
    # its first request, which a running server does once, not per request.
    reader = Client()
    poster = Client()
    text = "I read the whole discussion before writing this, and I still think so. " * 5

    def page(key: str, variant: str, query: str = "", shape: str = "recent") -> list[Case]:
        cases = []
        for generated in articles if shape == "recent" else uniform:
            url = generated.article.get_absolute_url() + query
            cases.append(
                Case(
                    Measurement(key, variant, generated.comments, url, shape=shape),
                    lambda _prepared, url=url: reader.get(url),
                    _expect_page,
                )
            )
        return cases

    def posting(kind: str) -> list[Case]:
        cases = []
        for generated in articles:
            url = f"/threads/{generated.thread.pk}/comments/"
            n = generated.comments

            def prepare(generated=generated, n=n):
                # A fresh author, logged in before the clock starts.
                author = posters.next()
                poster.force_login(author)
                data = {"body": f"A {kind} on {n:,} comments, by {author.username}. {text}"}
                if kind == "reply":
                    data["parent"] = str(rng.choice(generated.replyable_ids))
                return data

            cases.append(
                Case(
                    Measurement(f"post_{kind}", "view", n, url),
                    lambda data, url=url: poster.post(url, data),
                    _expect_published_redirect,
                    prepare,
                )
            )
        return cases

    with override_settings(FORUM_SECTION_CACHE_SECONDS=0):
        bench.measure_in_turns(page("article_page", "uncached"))
        bench.measure_in_turns(page("whole_thread", "uncached", "?cpage=all"))
        bench.measure_in_turns(page("article_page", "uncached", shape="uniform"))
        bench.measure_in_turns(page("whole_thread", "uncached", "?cpage=all", shape="uniform"))
    bench.measure_in_turns(page("article_page", "cached"))
    bench.measure_in_turns(posting("comment"))
    bench.measure_in_turns(posting("reply"))


def first_page_bound() -> dict:
    """The most comments a page of threads may show by the settings: each top-level
    comment with its first replies, level after level (forum.threads.budgeted_comments)."""
    from django.conf import settings

    from forum.threads import replies_budget

    budget, levels = replies_budget()
    per_thread = sum(budget**level for level in range(levels + 1))
    return {
        "threads_per_page": settings.FORUM_THREADS_PER_PAGE,
        "replies_per_level": budget,
        "levels": levels,
        "comments": settings.FORUM_THREADS_PER_PAGE * per_thread,
    }


def measure_memory(url: str, database_url: str) -> dict:
    """One request for ``url`` in a fresh process: its peak RSS increase and its
    tracemalloc peak."""
    env = {**os.environ, "DATABASE_URL": database_url}
    completed = subprocess.run(
        [sys.executable, "-m", "bench.run", "--memory-probe", url],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"Memory probe failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _status_kb(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise KeyError(name)


def memory_probe(url: str) -> dict:
    """In the child: warm up on another page, then measure one request for ``url``."""
    setup_django(os.environ["DATABASE_URL"], migrate=False)
    import gc
    import tracemalloc

    from django.test import Client, override_settings

    client = Client()
    with override_settings(FORUM_SECTION_CACHE_SECONDS=0):
        # Templates compiled, code imported, connection open: what a running server has.
        warm = client.get(url.split("?")[0])
        assert warm.status_code == 200, warm.status_code
        gc.collect()
        rss_before = _status_kb("VmRSS")
        # Reset the peak RSS (VmHWM) to the current RSS, so that the peak read after the
        # request is the request's own.
        Path("/proc/self/clear_refs").write_text("5")
        response = client.get(url)
        peak = _status_kb("VmHWM")
        assert response.status_code == 200, response.status_code
        shown = response.content.decode().count(COMMENT_MARKER)
        del response
        gc.collect()
        tracemalloc.start()
        client.get(url)
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {
        "url": url,
        "comments_rendered": shown,
        "rss_before_mb": rss_before / 1024,
        "rss_peak_increase_mb": (peak - rss_before) / 1024,
        "tracemalloc_peak_mb": traced_peak / 1024 / 1024,
    }


# EXPLAIN


TRANSACTION_CONTROL = re.compile(
    r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT)\b", re.IGNORECASE
)
EXPLAINED = re.compile(r"^\s*(SELECT|UPDATE|DELETE|WITH)\b", re.IGNORECASE)
COMMENTS_TABLE = "forum_comment"


def comment_aliases(sql: str) -> set[str]:
    """The names the comments table goes by in ``sql``: itself and its aliases (U0, T3)."""
    aliases = {COMMENTS_TABLE}
    for match in re.finditer(r'"forum_comment"\s+(?:AS\s+)?"?(\w+)"?', sql, re.IGNORECASE):
        if match.group(1).upper() not in {"ON", "WHERE", "INNER", "LEFT", "ORDER", "GROUP"}:
            aliases.add(match.group(1))
    return aliases


def full_scans_postgresql(cursor, sql: str) -> tuple[list[str], str]:
    """The scans of the whole comments table in the plan of ``sql``. Plain SELECTs are
    run too (EXPLAIN ANALYZE), to say whether such a scan ran on this data: a scan in a
    branch the data did not take still runs on other data."""
    analyze = sql.lstrip().upper().startswith("SELECT") and "FOR UPDATE" not in sql.upper()
    cursor.execute(f"EXPLAIN ({'ANALYZE, ' if analyze else ''}FORMAT JSON) " + sql)
    plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    cursor.execute("EXPLAIN " + sql)
    text = "\n".join(row[0] for row in cursor.fetchall())
    found = []

    def walk(node):
        if node.get("Relation Name") == COMMENTS_TABLE:
            kind = node["Node Type"]
            scan = None
            if kind == "Seq Scan":
                scan = "Seq Scan on forum_comment"
            elif kind in {"Index Scan", "Index Only Scan"} and "Index Cond" not in node:
                scan = f"{kind} of all of {node.get('Index Name')} (no condition)"
            if scan and analyze:
                loops = node.get("Actual Loops", 0)
                scan += (
                    f" (ran, {node.get('Actual Rows', 0):,} rows)"
                    if loops
                    else (" (not run on this data)")
                )
            if scan:
                found.append(scan)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return found, text


def full_scans_sqlite(cursor, sql: str) -> tuple[list[str], str]:
    cursor.execute("EXPLAIN QUERY PLAN " + sql)
    details = [row[-1] for row in cursor.fetchall()]
    aliases = comment_aliases(sql)
    found = [
        detail
        for detail in details
        if detail.startswith("SCAN ") and detail.split()[1].strip('"') in aliases
    ]
    return found, "\n".join(details)


def explain_all(measurements: list[Measurement]) -> None:
    from django.db import connection

    explain = full_scans_postgresql if connection.vendor == "postgresql" else full_scans_sqlite
    # The queue over 1,000 comments fitted on one page (no LIMIT): its SQL says nothing
    # about the table as it is now. The large queue's does.
    largest_queue = max((m.n for m in measurements if m.key == "admin_queue"), default=0)
    with connection.cursor() as cursor:
        for measurement in measurements:
            if measurement.key == "admin_queue" and measurement.n < largest_queue:
                continue
            for sql in measurement.statements:
                if not EXPLAINED.match(sql) or COMMENTS_TABLE not in sql:
                    continue
                try:
                    found, plan = explain(cursor, sql)
                except Exception as error:  # a statement EXPLAIN cannot take
                    found, plan = [], f"(EXPLAIN failed: {error})"
                if found:
                    measurement.full_scans.append(
                        {
                            "sql": sql[:2000],
                            "scans": found,
                            "is_count": "COUNT(" in sql.upper(),
                            "plan": plan,
                        }
                    )


# The run


def run(options) -> dict:
    from bench.generate import analyze, generate

    started = time.perf_counter()
    load_average = {"start": os.getloadavg()}
    bench = Bench(warmups=options.warmups, runs=options.runs, profile_dir=options.profile)
    database = "postgresql" if is_postgres(options.database) else "sqlite"
    print(f"== In-process benchmark on {database}", flush=True)
    with scratch_database(options.database) as database_url:
        setup_django(database_url)
        from django.db import connection

        from forum.models import Comment

        superuser = _user("bench-admin", is_staff=True, is_superuser=True)
        moderator = moderator_user()
        datasets = []

        small_total, small_pending = QUEUE_SMALL
        queue_small = generate(small_total, pending=small_pending, slug="bench-queue-small")
        datasets.append(queue_small.describe())
        print("  " + datasets[-1], flush=True)
        measure_queue(bench, Comment.objects.count(), moderator=moderator, superuser=superuser)

        large_total, large_pending = options.queue_total, options.queue_total // 20
        queue_rest = generate(
            large_total - Comment.objects.count(),
            pending=large_pending - Comment.objects.awaiting_moderation().count(),
            slug="bench-queue-large",
        )
        datasets.append(queue_rest.describe())
        print("  " + datasets[-1], flush=True)
        table = {
            "comments": Comment.objects.count(),
            "pending": Comment.objects.awaiting_moderation().count(),
        }
        print(f"  table: {table['comments']:,} comments, {table['pending']:,} pending")
        measure_queue(bench, table["comments"], moderator=moderator, superuser=superuser)

        posters = Posters()
        rng = random.Random(20150121)
        articles = {}
        uniform = []
        for size in options.sizes:
            generated = generate(size)
            articles[size] = generated
            datasets.append(generated.describe())
            print("  " + datasets[-1], flush=True)
        for size in options.sizes:
            uniform.append(generate(size, shape="uniform"))
            datasets.append(uniform[-1].describe())
            print("  " + datasets[-1], flush=True)
        measure_articles(bench, [articles[size] for size in options.sizes], posters, rng, uniform)

        largest = articles[max(options.sizes)]
        memory = measure_memory(largest.article.get_absolute_url() + "?cpage=all", database_url)
        print(
            f"  memory, one request for the whole {max(options.sizes):,}-comment thread: "
            f"peak RSS +{memory['rss_peak_increase_mb']:.1f} MB, tracemalloc peak "
            f"{memory['tracemalloc_peak_mb']:.1f} MB",
            flush=True,
        )

        load_average["end"] = os.getloadavg()
        analyze()
        explain_all(bench.measurements)
        final_rows = Comment.objects.count()
        connection.close()

    return {
        "database": database,
        "load_average": load_average,
        "warmups": options.warmups,
        "runs": options.runs,
        "first_page_bound": first_page_bound(),
        "datasets": datasets,
        "queue_table": table,
        "explained_over_rows": final_rows,
        "measurements": [measurement.as_json() for measurement in bench.measurements],
        "memory": memory,
        "seconds": time.perf_counter() - started,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument(
        "--database",
        default=os.environ.get("DATABASE_URL"),
        help="PostgreSQL URL of a scratch database (its name must contain 'bench'); "
        "default DATABASE_URL, or a temporary SQLite file",
    )
    parser.add_argument("--out", type=Path, help="where to write the results as JSON")
    parser.add_argument("--runs", type=int, default=10, help="timed runs (default 10)")
    parser.add_argument("--warmups", type=int, default=2, help="warm-ups (default 2)")
    parser.add_argument(
        "--sizes",
        type=lambda text: tuple(int(part) for part in text.split(",")),
        default=ARTICLE_SIZES,
        help="article sizes, comma-separated (default 100,1000,10000)",
    )
    parser.add_argument(
        "--queue-total",
        type=int,
        default=QUEUE_LARGE[0],
        help="comments in the table for the large queue, 5%% of them pending (default 100000)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        nargs="?",
        const=RESULTS_DIR / "profiles",
        help="profile one more request of each measurement with cProfile into this "
        "folder (default bench/results/profiles)",
    )
    parser.add_argument("--memory-probe", metavar="URL", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)

    os.environ.update(production_environment())
    # Stopped from outside (a time limit, make interrupted): unwind, so that the scratch
    # database is dropped.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    if options.memory_probe:
        print(json.dumps(memory_probe(options.memory_probe)))
        return 0
    if options.warmups < 2 or options.runs < 1:
        parser.error("at least 2 warm-ups (the second counts the queries) and 1 run")
    results = run(options)
    write_results(results, options.out or RESULTS_DIR / f"{results['database']}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
