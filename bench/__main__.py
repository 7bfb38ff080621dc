"""``make bench``: every part of the benchmark, then the verdict.

1. bench/run.py on SQLite (a temporary file);
2. bench/run.py on PostgreSQL (BENCH_DATABASE_URL, a scratch database it creates and drops);
3. bench/wxr.py writes a WordPress export (1,000 posts, 100,000 comments) into a temporary
   folder, and bench/imports.py imports it with ``manage.py import_wxr``, on SQLite and on
   PostgreSQL;
4. bench/load.py: gunicorn and wrk over PostgreSQL and Redis;
5. bench/concurrency.py: readers posting at once through gunicorn while a moderator
   closes the thread;
6. bench/report.py: one table, the ratios, PASS or FAIL per target; the exit status is
   non-zero if a target fails or a part did not finish.

Each part runs in its own process with a time limit. Options: ``--quick`` (N up to 1,000,
a 10,000-comment queue, 3 runs, a 10,000-comment export, the small concurrency test: to
try the bench, not to judge), ``--skip-postgres``, ``--skip-load``, ``--skip-import``,
``--only-import``, ``--skip-concurrency``, ``--only-concurrency``, ``--small`` (the
concurrency test at CI's size), ``--runs``.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

from bench.environment import (
    BASE_DIR,
    DEFAULT_POSTGRES_URL,
    RESULTS_DIR,
    production_environment,
)
from bench.imports import IMPORT_TIMEOUT

PART_TIMEOUT = 600
# Two imports, each stopped after bench.imports.IMPORT_TIMEOUT, and the migrations.
IMPORT_PART_TIMEOUT = 2 * IMPORT_TIMEOUT + 120


def part(title: str, command: list[str], env: dict, timeout: int = PART_TIMEOUT) -> bool:
    print(f"\n## {title}", flush=True)
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=BASE_DIR, start_new_session=True)
    try:
        returncode = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        print(f"  {title}: stopped after {timeout} s", flush=True)
        _stop(process)
        return False
    except BaseException:
        _stop(process)
        raise
    print(f"  ({time.perf_counter() - started:.0f} s)", flush=True)
    return returncode == 0


def _stop(process) -> None:
    """SIGTERM to the part's process group (it cleans up: gunicorn, the database), then
    SIGKILL if it does not end."""
    import signal

    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
            process.wait(timeout=wait)
            return
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=10, help="timed runs (default 10)")
    parser.add_argument("--quick", action="store_true", help="small sizes, to try it out")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--skip-import", action="store_true", help="no import benchmark")
    parser.add_argument(
        "--only-import", action="store_true", help="the import benchmark only, and its verdict"
    )
    parser.add_argument("--skip-concurrency", action="store_true", help="no concurrency test")
    parser.add_argument(
        "--only-concurrency",
        action="store_true",
        help="the concurrency test only (bench/concurrency.py), and its verdict",
    )
    parser.add_argument("--small", action="store_true", help="the concurrency test at CI's size")
    options = parser.parse_args(argv)
    if options.skip_import and options.only_import:
        parser.error("--skip-import and --only-import exclude each other")
    if options.skip_concurrency and options.only_concurrency:
        parser.error("--skip-concurrency and --only-concurrency exclude each other")
    if options.only_import and options.only_concurrency:
        parser.error("--only-import and --only-concurrency exclude each other")
    only = "import" if options.only_import else "concurrency" if options.only_concurrency else ""

    env = production_environment()
    postgres_url = env.get("BENCH_DATABASE_URL", DEFAULT_POSTGRES_URL)
    static = tempfile.mkdtemp(prefix="newsforum-bench-static-")
    env["BENCH_STATIC_ROOT"] = static
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    for stale in RESULTS_DIR.glob("*.json"):
        stale.unlink()

    run_args = ["--runs", str(options.runs)]
    export_args = []
    if options.quick:
        run_args = ["--runs", "3", "--sizes", "100,1000", "--queue-total", "10000"]
        export_args = ["--posts", "100", "--comments", "10000"]
    python = sys.executable
    started = time.perf_counter()
    sqlite_env = {key: value for key, value in env.items() if key != "DATABASE_URL"}
    exports = tempfile.mkdtemp(prefix="newsforum-bench-wxr-")
    try:
        if not only:
            part("In process, SQLite", [python, "-m", "bench.run", *run_args], sqlite_env)
            if not options.skip_postgres:
                part(
                    "In process, PostgreSQL",
                    [python, "-m", "bench.run", "--database", postgres_url, *run_args],
                    env,
                )
        if not options.skip_import and only in {"", "import"}:
            export = os.path.join(exports, "export.xml")
            if part(
                "Import: a WordPress export", [python, "-m", "bench.wxr", export, *export_args], env
            ):
                import_command = [python, "-m", "bench.imports", "--wxr", export]
                part("Import, SQLite", import_command, sqlite_env, IMPORT_PART_TIMEOUT)
                if not options.skip_postgres:
                    part(
                        "Import, PostgreSQL",
                        [*import_command, "--database", postgres_url],
                        env,
                        IMPORT_PART_TIMEOUT,
                    )
        if not options.skip_load and not only:
            part(
                "Hot article: gunicorn + wrk",
                [python, "-m", "bench.load", "--database", postgres_url],
                env,
            )
        if not options.skip_concurrency and only in {"", "concurrency"}:
            small = ["--small"] if options.small or options.quick else []
            part(
                "Concurrency: readers post while the thread is closed",
                [python, "-m", "bench.concurrency", "--database", postgres_url, *small],
                env,
            )
    finally:
        shutil.rmtree(static, ignore_errors=True)
        shutil.rmtree(exports, ignore_errors=True)
    print(f"\n## Results ({time.perf_counter() - started:.0f} s in all)\n", flush=True)
    report = [python, "-m", "bench.report"] + ([f"--only-{only}"] if only else [])
    return subprocess.run(report, cwd=BASE_DIR, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
