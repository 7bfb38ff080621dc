"""A hot article: gunicorn (2 workers) on 127.0.0.1 over PostgreSQL and Redis, driven by wrk
as anonymous readers, with the comment-list cache on and off.

1. A scratch PostgreSQL database (BENCH_DATABASE_URL, default
   postgres://root@127.0.0.1:5432/forum_bench) gets the seed story (``manage.py
   loadseed``) and a generated 1,000-comment article with 50 comments pending.
2. For each mode, cached (the settings' default) and uncached
   (FORUM_SECTION_CACHE_SECONDS=0): the project's Redis keys are cleared, gunicorn
   starts with REDIS_URL=redis://127.0.0.1:6379/0, each article is warmed up, then wrk
   runs for a few seconds with a few connections: requests per second, median and 99th
   percentile latency, errors (socket errors and non-2xx/3xx answers).
3. During the cached run on the 1,000-comment article, another process (started, Django
   loaded, before wrk) approves a
   pending comment shown on the first page through ``forum.services.approve`` and asks
   for the page at once: the comment must be on it.

Everything listens on 127.0.0.1 only, every run is bounded in time, and gunicorn is
stopped whatever happens.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.environment import (
    BASE_DIR,
    DEFAULT_POSTGRES_URL,
    DEFAULT_REDIS_URL,
    RESULTS_DIR,
    production_environment,
    scratch_database,
    setup_django,
)

WORKERS = 2
CONNECTIONS = 4
THREADS = 2
SECONDS = 5
APPROVE_AFTER_SECONDS = 2.0
START_TIMEOUT = 30
CACHE_KEY_PATTERN = "newsforum:*"  # forum/settings.py's KEY_PREFIX


class Failed(Exception):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str, timeout: float = 30) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def clear_cache(redis_url: str) -> int:
    """Drop the project's keys from Redis, so that a run starts cold and never meets a
    page cached by an earlier run under the same thread id and version."""
    import redis

    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    client.ping()
    keys = list(client.scan_iter(CACHE_KEY_PATTERN, count=1000))
    if keys:
        client.delete(*keys)
    return len(keys)


class Server:
    """gunicorn, stopped (master and workers) when the block ends, whatever happens.

    It stays in this process's group, so that whoever stops the benchmark by its group
    (make, bench/__main__.py's time limit) stops gunicorn too, even if this process is
    killed before it can clean up; workers leave when their master is gone."""

    def __init__(self, env: dict, log: Path, options: tuple[str, ...] = ()):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = env
        self.log = log
        self.options = options  # more gunicorn options, e.g. an access log
        self.process = None

    def __enter__(self):
        self.log.parent.mkdir(parents=True, exist_ok=True)
        log_file = self.log.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "forum.wsgi:application",
                "--workers",
                str(WORKERS),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--chdir",
                str(BASE_DIR),
                "--timeout",
                "30",
                "--graceful-timeout",
                "5",
                "--log-level",
                "warning",
                *self.options,
            ],
            env=self.env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        log_file.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise Failed(f"gunicorn exited at start:\n{self.log.read_text()[-3000:]}")
            try:
                status, _ = fetch(self.base + "/", timeout=5)
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise Failed(f"gunicorn did not answer within {START_TIMEOUT} s")

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        # SIGTERM: the master stops its workers (within --graceful-timeout), then itself.
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def parse_wrk(output: str) -> dict:
    def find(pattern, default=None):
        match = re.search(pattern, output)
        return match.group(1) if match else default

    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = {
        name: int(value)
        for name, value in zip(
            ("connect", "read", "write", "timeout"),
            socket_errors.groups() if socket_errors else (0, 0, 0, 0),
            strict=True,
        )
    }
    errors["non_2xx_3xx"] = int(find(r"Non-2xx or 3xx responses: (\d+)", "0"))
    return {
        "requests": int(find(r"(\d+) requests in")),
        "rps": float(find(r"Requests/sec:\s+([\d.]+)")),
        "p50_ms": _milliseconds(find(r"50%\s+([\d.]+\w+)")),
        "p99_ms": _milliseconds(find(r"99%\s+([\d.]+\w+)")),
        "errors": errors,
        "error_total": sum(errors.values()),
    }


def wrk_command(url: str) -> list[str]:
    return [
        "wrk",
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{SECONDS}s",
        "--timeout",
        "5s",
        "--latency",
        url,
    ]


def drive(url: str, *, approver: "Approver | None" = None) -> dict:
    """wrk on ``url``; ``approver``, if given, approves its comment while wrk runs."""
    process = subprocess.Popen(
        wrk_command(url), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    side = None
    try:
        if approver is not None:
            time.sleep(APPROVE_AFTER_SECONDS)
            side = approver.approve()
        output, _ = process.communicate(timeout=SECONDS + 30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if process.returncode != 0:
        raise Failed(f"wrk failed:\n{output}")
    result = parse_wrk(output)
    result["wrk_output"] = output
    if side is not None:
        result["during"] = side
    return result


def warm_up(url: str, times: int = 2 * WORKERS) -> None:
    for _ in range(times):
        status, _ = fetch(url)
        if status != 200:
            raise Failed(f"{url} answered HTTP {status}")


def setting_seen_by_server(env: dict, name: str) -> str:
    """The value a gunicorn worker would read for settings.NAME in this environment."""
    code = (
        f"import django; django.setup(); from django.conf import settings; print(settings.{name})"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return completed.stdout.strip()


def choose_comment_to_approve(thread) -> int:
    """A pending reply that the first page will show once it is approved: a reply to one
    of the page's top-level comments, among its first FORUM_REPLIES_PER_LEVEL replies (the
    rest wait behind "N more replies")."""
    from django.conf import settings

    from forum.models import Comment

    first_page_roots = list(
        Comment.objects.published()
        .filter(thread=thread, parent__isnull=True)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[: settings.FORUM_THREADS_PER_PAGE]
    )
    candidates = (
        Comment.objects.awaiting_moderation()
        .filter(thread=thread, parent__in=first_page_roots)
        .order_by("created_at", "id")
    )
    for comment in candidates:
        shown_before = Comment.objects.published().filter(
            parent=comment.parent_id, created_at__lte=comment.created_at
        )
        if shown_before.count() < settings.FORUM_REPLIES_PER_LEVEL:
            return comment.pk
    raise Failed("No pending reply that the first page would show to approve.")


def approve_and_check(comment_id: int, page_url: str) -> dict:
    """In a separate process: approve the comment as a moderator would, then ask for the
    page once."""
    from django.contrib.auth import get_user_model

    from forum import services
    from forum.models import Comment

    moderator = get_user_model().objects.get(username="bench-moderator")
    comment = Comment.objects.get(pk=comment_id)
    started = time.perf_counter()
    services.approve(comment, by=moderator)
    approved = time.perf_counter()
    status, html = fetch(page_url)
    return {
        "comment_id": comment_id,
        "approve_ms": (approved - started) * 1000,
        "next_request_status": status,
        "visible_on_next_request": f'id="comment-{comment_id}"' in html,
    }


class Approver:
    """A moderator in another process, which approves a comment when told to and then
    asks for the page. It is started, Django loaded, before wrk: starting a Python
    process takes a second of CPU, which would otherwise be taken from the server in the
    middle of the measured seconds."""

    def __init__(self, env: dict, comment_id: int, page_url: str):
        # Its errors go to a file: a pipe that nobody reads could fill and stall it.
        self.log = RESULTS_DIR / "approver.log"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bench.load",
                    "--approve",
                    str(comment_id),
                    "--page",
                    page_url,
                ],
                env=env,
                cwd=BASE_DIR,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        if self.process.stdout.readline().strip() != "ready":
            self.process.kill()
            raise Failed(f"The approver did not start:\n{self.log.read_text()[-2000:]}")

    def approve(self) -> dict:
        try:
            output, _ = self.process.communicate("approve\n", timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return {"error": "the approver took over 60 s", "visible_on_next_request": False}
        if self.process.returncode != 0:
            return {"error": self.log.read_text()[-2000:], "visible_on_next_request": False}
        return json.loads(output.strip().splitlines()[-1])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def run(database_url: str, redis_url: str) -> dict:
    if shutil.which("wrk") is None:
        raise Failed("wrk is not installed: apt-get install -y wrk")
    started = time.perf_counter()
    print("== gunicorn and wrk on PostgreSQL and Redis", flush=True)
    results = {
        "workers": WORKERS,
        "connections": CONNECTIONS,
        "seconds": SECONDS,
        "runs": [],
        "load_average": {"start": os.getloadavg()},
    }
    with scratch_database(database_url) as url:
        setup_django(url)
        from django.core.management import call_command

        from bench.generate import analyze, generate
        from bench.run import moderator_user
        from forum.management.commands.loadseed import SEED_SLUG

        call_command("loadseed", verbosity=0)
        generated = generate(1_000, pending=50, slug="bench-hot-1000-comments")
        moderator_user()
        analyze()
        comment_id = choose_comment_to_approve(generated.thread)
        from django.db import connections

        connections.close_all()
        print("  " + generated.describe(), flush=True)

        articles = {
            "seed": f"/articles/{SEED_SLUG}/",
            "1,000 comments": generated.article.get_absolute_url(),
        }
        base_env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url}
        modes = {
            "cached": {**base_env},
            "uncached": {**base_env, "FORUM_SECTION_CACHE_SECONDS": "0"},
        }
        for mode, env in modes.items():
            seen = setting_seen_by_server(env, "FORUM_SECTION_CACHE_SECONDS")
            if mode == "uncached" and seen != "0":
                raise Failed(
                    "The settings do not read FORUM_SECTION_CACHE_SECONDS from the "
                    f"environment (the server would cache for {seen} s)."
                )
            cleared = clear_cache(redis_url)
            with Server(env, RESULTS_DIR / f"gunicorn-{mode}.log") as server:
                for name, path in articles.items():
                    page = server.base + path
                    warm_up(page)
                    approver = None
                    if mode == "cached" and name == "1,000 comments":
                        _, before = fetch(page)
                        if f'id="comment-{comment_id}"' in before:
                            raise Failed("The comment to approve is already on the page.")
                        approver = Approver(env, comment_id, page)
                    try:
                        result = drive(page, approver=approver)
                    finally:
                        if approver is not None:
                            approver.stop()
                    result.update(article=name, mode=mode, url=path, redis_keys_cleared=cleared)
                    results["runs"].append(result)
                    print(
                        f"  {name:<15} {mode:<9} {result['rps']:8.1f} req/s  "
                        f"p50 {result['p50_ms']:7.1f} ms  p99 {result['p99_ms']:7.1f} ms  "
                        f"errors {result['error_total']}",
                        flush=True,
                    )
                    if "during" in result:
                        results["approval"] = result["during"]
                        print(f"  approval during the run: {result['during']}", flush=True)
    results["load_average"]["end"] = os.getloadavg()
    results["elapsed"] = time.perf_counter() - started
    return results


def _stop_on_signal(signum, frame):
    # SIGTERM (make interrupted, a timeout) unwinds through the finally blocks, which
    # stop gunicorn and drop the database.
    raise SystemExit(128 + signum)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument(
        "--database",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_POSTGRES_URL),
        help="scratch PostgreSQL database (name must contain 'bench')",
    )
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "load.json")
    parser.add_argument("--approve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--page", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)

    os.environ.update(production_environment())
    if options.approve:  # the Approver's process: ready, then approve when told to
        setup_django(os.environ["DATABASE_URL"], migrate=False)
        print("ready", flush=True)
        sys.stdin.readline()
        print(json.dumps(approve_and_check(options.approve, options.page)))
        return 0

    signal.signal(signal.SIGTERM, _stop_on_signal)
    try:
        results = run(options.database, options.redis)
    except Failed as failure:
        results = {"error": str(failure)}
        print(f"  FAILED: {failure}", flush=True)
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(results, indent=1))
    return 1 if "error" in results else 0


if __name__ == "__main__":
    sys.exit(main())
