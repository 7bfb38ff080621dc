"""``make bench``: every part of the benchmark, then the verdict.

1. bench/run.py on SQLite (a temporary file);
2. bench/run.py on PostgreSQL (BENCH_DATABASE_URL, a scratch database it creates and drops);
3. bench/load.py: gunicorn and wrk over PostgreSQL and Redis;
4. bench/report.py: one table, the ratios, PASS or FAIL per target; the exit status is
   non-zero if a target fails or a part did not finish.

Each part runs in its own process with a time limit. Options: ``--quick`` (N up to 1,000,
a 10,000-comment queue, 3 runs: to try the bench, not to judge), ``--skip-postgres``,
``--skip-load``, ``--runs``.
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

PART_TIMEOUT = 600


def part(title: str, command: list[str], env: dict) -> bool:
    print(f"\n## {title}", flush=True)
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=BASE_DIR, start_new_session=True)
    try:
        returncode = process.wait(timeout=PART_TIMEOUT)
    except subprocess.TimeoutExpired:
        print(f"  {title}: stopped after {PART_TIMEOUT} s", flush=True)
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
    options = parser.parse_args(argv)

    env = production_environment()
    postgres_url = env.get("BENCH_DATABASE_URL", DEFAULT_POSTGRES_URL)
    static = tempfile.mkdtemp(prefix="newsforum-bench-static-")
    env["BENCH_STATIC_ROOT"] = static
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    for stale in RESULTS_DIR.glob("*.json"):
        stale.unlink()

    run_args = ["--runs", str(options.runs)]
    if options.quick:
        run_args = ["--runs", "3", "--sizes", "100,1000", "--queue-total", "10000"]
    python = sys.executable
    started = time.perf_counter()
    try:
        sqlite_env = {key: value for key, value in env.items() if key != "DATABASE_URL"}
        part("In process, SQLite", [python, "-m", "bench.run", *run_args], sqlite_env)
        if not options.skip_postgres:
            part(
                "In process, PostgreSQL",
                [python, "-m", "bench.run", "--database", postgres_url, *run_args],
                env,
            )
        if not options.skip_load:
            part(
                "Hot article: gunicorn + wrk",
                [python, "-m", "bench.load", "--database", postgres_url],
                env,
            )
    finally:
        shutil.rmtree(static, ignore_errors=True)
    print(f"\n## Results ({time.perf_counter() - started:.0f} s in all)\n", flush=True)
    return subprocess.run([python, "-m", "bench.report"], cwd=BASE_DIR, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
