"""The import benchmark: ``manage.py import_wxr`` on a generated WordPress export, on one
database per invocation.

1. The export: ``--wxr FILE`` (written by ``python -m bench.wxr``, with its counts in
   ``FILE.json``), or one written here into a temporary folder (1,000 posts, 100,000
   comments by default).
2. A scratch database, migrated: PostgreSQL (``--database``, its name must contain
   "bench") dropped and created afresh, or a temporary SQLite file.
3. ``manage.py import_wxr FILE`` in a process of its own, with production's settings
   (bench/environment.py) and the export's time zone: its wall time (Python and Django
   starting included, as an editor waits for it) and its peak memory (the largest
   resident set, from ``getrusage`` in a small helper process that starts it and
   nothing else).
4. What it stored, against what the file holds: articles by status, comments by status,
   no pingbacks (skipped by default), closed threads, as many top-level comments (no
   reply lost its parent), none stored deeper than the cap (replies past it stored at
   it), every thread's counts recounted.
5. The same file again: the time it takes, and that it adds nothing.

Writes its results as JSON (``--out``, default bench/results/import-DATABASE.json) for
bench/report.py, and prints them. ``--profile`` runs the first import under cProfile
(``import-DATABASE.prof`` and the top of it as text in bench/results/profiles/).

    .venv/bin/python -m bench.imports                       # SQLite, 100,000 comments
    .venv/bin/python -m bench.imports --comments 10000 --posts 100 \\
        --database postgres://root@127.0.0.1:5432/forum_bench
"""

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.environment import (
    BASE_DIR,
    RESULTS_DIR,
    is_postgres,
    production_environment,
    scratch_database,
    setup_django,
    write_results,
)

# Five times the target: past it, the figure says enough, and the bench must end.
IMPORT_TIMEOUT = 300
OUTPUT_TAIL = 3000


# The helper process: it starts the import, and only that, so that its children's peak
# resident set (getrusage) is the import's own.


def probe(command: list[str], timeout: float) -> dict:
    """Run ``command``; its wall time, peak resident set and the end of its output."""
    with tempfile.TemporaryDirectory(prefix="newsforum-bench-import-") as folder:
        stdout_path, stderr_path = Path(folder) / "stdout", Path(folder) / "stderr"
        with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
            started = time.perf_counter()
            process = subprocess.Popen(command, stdout=stdout, stderr=stderr, cwd=BASE_DIR)
            timed_out = False
            try:
                returncode = process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                process.kill()
                returncode = process.wait()
            seconds = time.perf_counter() - started
        # Linux gives ru_maxrss in kilobytes.
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        return {
            "command": command,
            "seconds": seconds,
            "peak_rss_mb": peak_kb / 1024,
            "returncode": returncode,
            "timed_out": timed_out,
            "stdout": _tail(stdout_path),
            "stderr": _tail(stderr_path),
        }


def _tail(path: Path) -> str:
    text = path.read_bytes()[-OUTPUT_TAIL:].decode(errors="replace")
    # A progress bar redraws its line with carriage returns: keep the last drawing.
    return "\n".join(line.rsplit("\r", 1)[-1] for line in text.splitlines())


def measured_import(
    path: Path, *, env: dict, timeout: float = IMPORT_TIMEOUT, profile: Path | None = None
) -> dict:
    """``manage.py import_wxr path`` from a fresh helper process (``--probe``), under
    cProfile into ``profile`` if given (slower: its figures are not the import's)."""
    command = [sys.executable, "manage.py", "import_wxr", str(path)]
    if profile is not None:
        profile.parent.mkdir(parents=True, exist_ok=True)
        command[1:1] = ["-m", "cProfile", "-o", str(profile)]
    completed = subprocess.run(
        [sys.executable, "-m", "bench.imports", "--probe", str(timeout), "--", *command],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=timeout + 60,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"The measuring helper failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


# What the import stored


def stored_counts() -> dict:
    """What the database holds after an import, in the terms the file's summary uses."""
    from django.conf import settings
    from django.db.models import Count

    from articles.models import Article
    from forum.models import Comment, Thread

    def by_status(queryset) -> dict[str, int]:
        rows = queryset.order_by().values_list("status").annotate(count=Count("pk"))
        return dict(rows)

    parent_of = dict(Comment.objects.order_by().values_list("pk", "parent_id"))
    depth_of: dict[int, int] = {}

    def depth(comment_id: int) -> int:
        # Iterative: a broken importer could store a chain deeper than Python's stack.
        chain = []
        while comment_id is not None and comment_id not in depth_of:
            chain.append(comment_id)
            comment_id = parent_of.get(comment_id)
        known = depth_of.get(comment_id, 0)
        for number, link in enumerate(reversed(chain), start=1):
            depth_of[link] = known + number
        return depth_of[chain[0]] if chain else known

    counted = dict(
        Comment.objects.counted().order_by().values_list("thread").annotate(count=Count("pk"))
    )
    roots = dict(
        Comment.objects.counted()
        .filter(parent__isnull=True)
        .order_by()
        .values_list("thread")
        .annotate(count=Count("pk"))
    )
    # Imported comments are not deleted by their authors, so a thread's root count is its
    # published top-level comments (forum.services.refresh_thread counts the same).
    not_recounted = [
        thread_id
        for thread_id, published, root_count in Thread.objects.values_list(
            "pk", "published_count", "root_count"
        )
        if published != counted.get(thread_id, 0) or root_count != roots.get(thread_id, 0)
    ]
    return {
        "articles": by_status(Article.objects.all()),
        "comments": by_status(Comment.objects.all()),
        "comments_total": len(parent_of),
        "pingbacks": Comment.objects.exclude(kind=Comment.Kind.COMMENT).count(),
        "closed_threads": Thread.objects.filter(status=Thread.Status.CLOSED).count(),
        "top_level": sum(parent is None for parent in parent_of.values()),
        # Replies past the cap are stored at it, as the page shows them.
        "max_depth": max((depth(comment_id) for comment_id in parent_of), default=0),
        "depth_cap": settings.FORUM_MAX_THREAD_DEPTH,
        "threads": Thread.objects.count(),
        "threads_not_recounted": len(not_recounted),
    }


def problems_with(stored: dict, summary) -> list[str]:
    """How what was stored differs from what the file holds; empty if it does not."""
    problems = []
    expected_articles = {status: count for status, count in summary.articles.items() if count}
    if stored["articles"] != expected_articles:
        problems.append(f"articles {stored['articles']}, the file has {expected_articles}")
    expected_comments = {
        status: count for status, count in summary.comments_by_forum_status.items() if count
    }
    if stored["comments"] != expected_comments:
        problems.append(f"comments {stored['comments']}, the file has {expected_comments}")
    if stored["pingbacks"]:
        problems.append(f"{stored['pingbacks']} pingbacks stored (skipped by default)")
    if stored["closed_threads"] != summary.closed_threads:
        problems.append(
            f"{stored['closed_threads']} closed threads, the file has {summary.closed_threads}"
        )
    if stored["top_level"] != summary.top_level:
        problems.append(
            f"{stored['top_level']} top-level comments, the file has {summary.top_level}: "
            "replies lost their parents"
        )
    cap = stored.get("depth_cap")
    if cap and stored.get("max_depth", 0) > cap:
        problems.append(f"replies stored {stored['max_depth']} deep, past the cap of {cap}")
    if stored["threads_not_recounted"]:
        problems.append(f"{stored['threads_not_recounted']} threads with stale counts")
    return problems


# The run


def export_file(options, folder: Path):
    """The export to import and its summary: the one given, or one written now."""
    from bench.wxr import WxrSummary, summary_path, write_wxr

    if options.wxr:
        summary = WxrSummary.from_json(json.loads(summary_path(options.wxr).read_text()))
        return options.wxr, summary
    path = folder / "export.xml"
    summary = write_wxr(path, posts=options.posts, comments=options.comments)
    print("  " + summary.describe(), flush=True)
    return path, summary


def run(options) -> dict:
    started = time.perf_counter()
    load_average = {"start": os.getloadavg()}
    database = "postgresql" if is_postgres(options.database) else "sqlite"
    print(f"== Import benchmark on {database}", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="newsforum-bench-wxr-"))
    try:
        path, summary = export_file(options, folder)
        with scratch_database(options.database) as database_url:
            setup_django(database_url, migrate=False)
            from django.core.management import call_command
            from django.db import connections

            call_command("migrate", verbosity=0, interactive=False)
            connections.close_all()
            env = {
                **production_environment(),
                "DATABASE_URL": database_url,
                # The export's local dates are in the site's zone, as the site says.
                "DJANGO_TIME_ZONE": summary.site_zone,
            }
            runs = []
            for number in (1, 2):
                profile = None
                if options.profile and number == 1:
                    profile = options.profile / f"import-{database}.prof"
                result = measured_import(path, env=env, timeout=options.timeout, profile=profile)
                result["profiled"] = profile is not None
                if profile is not None and profile.exists():
                    _write_profile_text(profile)
                result["stored"] = stored_counts()
                connections.close_all()
                if number == 1:
                    result["problems"] = _run_problems(result) or problems_with(
                        result["stored"], summary
                    )
                else:
                    first = runs[0]["stored"]
                    result["problems"] = _run_problems(result) or (
                        []
                        if result["stored"] == first
                        else [f"the second run changed what is stored: {result['stored']}"]
                    )
                runs.append(result)
                print(
                    f"  run {number}: {result['seconds']:.1f} s, peak RSS "
                    f"{result['peak_rss_mb']:.0f} MB, exit status {result['returncode']}; "
                    f"{result['stored']['comments_total']:,} comments stored"
                    + (
                        f"; PROBLEMS: {'; '.join(result['problems'])}" if result["problems"] else ""
                    ),
                    flush=True,
                )
                if result["timed_out"]:
                    break  # the second run would only time out too
        load_average["end"] = os.getloadavg()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    file_summary = summary.as_json()
    file_summary.pop("thread_sizes")
    return {
        "database": database,
        "load_average": load_average,
        "file": file_summary,
        "runs": runs,
        "seconds": time.perf_counter() - started,
    }


def _write_profile_text(profile: Path) -> None:
    """The top of the profile next to it, by cumulative and by own time."""
    import io
    import pstats

    text = io.StringIO()
    stats = pstats.Stats(str(profile), stream=text)
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(25)
    profile.with_suffix(".txt").write_text(text.getvalue())
    print(f"  profile in {profile} and {profile.with_suffix('.txt')}", flush=True)


def _run_problems(result: dict) -> list[str]:
    if result["timed_out"]:
        return [f"stopped after {result['seconds']:.0f} s"]
    if result["returncode"] != 0:
        # The error is on the last lines (Django's usage hint may follow it).
        last = (result["stderr"].strip() or result["stdout"].strip()).splitlines()[-2:]
        return [f"exit status {result['returncode']}: {' '.join(last)[:300]}"]
    return []


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # Stopped from outside (a time limit, make interrupted): unwind, so that the scratch
    # database and the temporary folders go.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    if argv[:1] == ["--probe"]:
        # The helper: --probe TIMEOUT -- COMMAND...
        timeout, command = float(argv[1]), argv[3:]
        print(json.dumps(probe(command, timeout)))
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.imports", description=__doc__)
    parser.add_argument(
        "--database",
        default=os.environ.get("DATABASE_URL"),
        help="PostgreSQL URL of a scratch database (its name must contain 'bench'); "
        "default DATABASE_URL, or a temporary SQLite file",
    )
    parser.add_argument("--wxr", type=Path, help="an export written by python -m bench.wxr")
    parser.add_argument("--posts", type=int, default=1_000, help="without --wxr (default 1000)")
    parser.add_argument(
        "--comments", type=int, default=100_000, help="without --wxr (default 100000)"
    )
    parser.add_argument(
        "--timeout", type=float, default=IMPORT_TIMEOUT, help="seconds per import (default 300)"
    )
    parser.add_argument("--out", type=Path, help="where to write the results as JSON")
    parser.add_argument(
        "--profile",
        type=Path,
        nargs="?",
        const=RESULTS_DIR / "profiles",
        help="run the first import under cProfile, into this folder (default "
        "bench/results/profiles); its time and memory are then cProfile's too",
    )
    options = parser.parse_args(argv)

    os.environ.update(production_environment())
    results = run(options)
    write_results(results, options.out or RESULTS_DIR / f"import-{results['database']}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
