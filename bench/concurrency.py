"""Many readers writing at once: gunicorn (2 workers) on 127.0.0.1 over PostgreSQL and
Redis, readers posting comments and replies concurrently while a moderator closes the
thread half-way through.

1. A scratch PostgreSQL database (BENCH_DATABASE_URL, default
   postgres://root@127.0.0.1:5432/forum_bench) gets the seed story, one open article for
   the load and a superuser (``createsuperuser --noinput``); a Redis database of the
   test's own (``--redis``, default redis://127.0.0.1:6379/8) is emptied.
2. gunicorn starts with production's settings. 50 readers sign up through the sign-up
   form, each with its own cookies and the CSRF token of the form page; each is given
   one published comment an hour old on the seed story, so that the rules publish their
   comments at once (a reader's first comment waits for a moderator, and a reply must
   answer a published comment).
3. 2,000 comments and replies (replies answer comments that were answered with
   success), 20 requests in flight, in twos: a reader chosen at random sends two posts
   at the same moment, as a double click does, so that each worker may take one; a
   reader tries again well within FORUM_FLOOD_SECONDS. When half of them are answered,
   the moderator, logged in to the admin, closes the thread with the admin's "Close
   comments" action.
4. Then it reads the database and prints one summary line, PASS or FAIL (the exit
   status too): see ``judge``.

Every request has a time limit, the posts an overall deadline; gunicorn is stopped and
the database dropped whatever happens. ``--small`` (20 readers, 300 posts) is CI's size.

    .venv/bin/python -m bench.concurrency [--small] [--database URL] [--redis URL]
"""

import argparse
import http.client
import os
import random
import re
import secrets
import signal
import sys
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bench.environment import (
    DEFAULT_POSTGRES_URL,
    RESULTS_DIR,
    scratch_database,
    setup_django,
    write_results,
)
from bench.load import Failed, Server, _stop_on_signal

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/8"
REQUEST_TIMEOUT = 30  # seconds, for every request
REPLY_SHARE = 0.4  # of the posts, once some comment has succeeded
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# Limits from the hardening work that would refuse many readers from one address: raised
# for the run, never removed. Set before Django reads its settings, in this process and
# in gunicorn's.
SERVER_SETTINGS = {"FORUM_SIGNUPS_PER_HOUR": "1000"}
# What the page says on a closed thread (forum.moderation.COMMENTS_CLOSED).
COMMENTS_CLOSED = "Comments are closed."
CLOSED_MESSAGE = "Comments were closed on 1 thread."

# What came back for one post.
STORED = "stored"  # 302 to the new comment's anchor
CLOSED = "closed"  # 403 and "Comments are closed." on the page
FLOOD = "flood"  # 429
DUPLICATE = "duplicate"  # 409
SERVER_ERROR = "server error"  # 5xx
UNCLEAR = "unclear"  # any other answer
NO_ANSWER = "no answer"  # timeout, connection refused or cut
NOT_SENT = "not sent"  # the deadline came first
REFUSED = {CLOSED, FLOOD, DUPLICATE}


@dataclass(frozen=True)
class Size:
    readers: int
    posts: int
    clients: int
    deadline: float  # seconds for all the posts


FULL = Size(readers=50, posts=2_000, clients=20, deadline=300)
SMALL = Size(readers=20, posts=300, clients=20, deadline=60)


# HTTP, as a browser would speak it


@dataclass
class Answer:
    status: int
    location: str
    text: str


class Browser:
    """One person's cookies, sent back as a browser would. Production marks them secure;
    on plain http to 127.0.0.1 that flag is ignored, as the server does not check it."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.lock = threading.Lock()  # one reader may have two requests in flight

    def request(self, method: str, path: str, form: dict | None = None) -> Answer:
        headers = {}
        with self.lock:
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            self._keep(header)
        return Answer(response.status, response.headers.get("Location", ""), text)

    def _keep(self, header: str) -> None:
        pair, _, attributes = header.partition(";")
        name, _, value = pair.strip().partition("=")
        with self.lock:
            if not value or "max-age=0" in attributes.lower().replace(" ", ""):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if match is None:
        raise Failed("No CSRF token on the form page.")
    return match[1]


def outcome_of(answer: Answer) -> tuple[str, int | None]:
    """What a post's answer means, and the new comment's id when it was stored."""
    if answer.status >= 500:
        return SERVER_ERROR, None
    if answer.status == 302 and (match := re.search(r"#comment-(\d+)$", answer.location)):
        return STORED, int(match[1])
    if answer.status == 403 and COMMENTS_CLOSED in answer.text:
        return CLOSED, None
    if answer.status == 429:
        return FLOOD, None
    if answer.status == 409:
        return DUPLICATE, None
    return UNCLEAR, None


# What happened, and the verdict


@dataclass
class Attempt:
    number: int
    reader: str
    marker: str  # unique, in the body: finds the comment in the database
    parent: int | None = None
    sent: float | None = None  # seconds after the posts began
    answered_at: datetime | None = None  # wall clock, as the database stores times
    status: int | None = None
    outcome: str = NOT_SENT
    comment_id: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class StoredComment:
    id: int
    marker: str
    reader: str
    created_at: datetime
    on_thread: bool  # on the thread under load


@dataclass
class Evidence:
    """Everything the verdict needs, gathered after the run."""

    planned: int
    attempts: list[Attempt]
    stored: list[StoredComment]  # the comments whose body holds one of the run's markers
    reader_times: dict[str, list[datetime]]  # each reader's stored comments on the thread
    close_confirmed_at: datetime | None  # when the admin's answer to the close came back
    close_recorded_at: datetime | None  # the thread's status_changed_at, if it is closed
    counts: dict[str, tuple[int, int]]  # name: (kept on the thread, counted from rows)
    flood_seconds: int
    workers_posting: int  # gunicorn workers that answered posts
    readers: int = 0
    clients: int = 0
    seconds: float = 0.0
    close_sent: float | None = None  # seconds after the posts began


def judge(evidence: Evidence) -> tuple[list[str], dict]:
    """The problems found (none means PASS) and the figures of the summary line."""
    problems = []
    outcomes = Counter(attempt.outcome for attempt in evidence.attempts)
    by_marker = defaultdict(list)
    for comment in evidence.stored:
        by_marker[comment.marker].append(comment)

    sent = evidence.planned - outcomes[NOT_SENT]
    if outcomes[NOT_SENT]:
        problems.append(f"only {sent:,} of {evidence.planned:,} posts sent before the deadline")
    if outcomes[NO_ANSWER]:
        problems.append(f"{outcomes[NO_ANSWER]} posts got no answer")
    if outcomes[SERVER_ERROR]:
        problems.append(f"{outcomes[SERVER_ERROR]} answers were 5xx")
    if outcomes[UNCLEAR]:
        statuses = Counter(a.status for a in evidence.attempts if a.outcome == UNCLEAR)
        problems.append(f"{outcomes[UNCLEAR]} answers were no clear refusal {dict(statuses)}")

    successes = [a for a in evidence.attempts if a.outcome == STORED]
    # Stored once, under the id the answer named, on the thread posted to.
    not_once = [
        a
        for a in successes
        if [(c.id, c.on_thread) for c in by_marker.get(a.marker, [])] != [(a.comment_id, True)]
    ]
    if not_once:
        problems.append(f"{len(not_once)} successful posts not stored exactly once as answered")
    refused = {a.marker for a in evidence.attempts if a.outcome in REFUSED}
    if stored_refused := len(refused & by_marker.keys()):
        problems.append(f"{stored_refused} refused posts were stored")
    answered_success = {a.marker for a in successes}
    if unanswered := len(by_marker.keys() - answered_success - refused):
        problems.append(f"{unanswered} comments stored without a success answer")

    if not successes:
        problems.append("no post succeeded")
    after_close = 0
    if evidence.close_confirmed_at is None or evidence.close_recorded_at is None:
        problems.append("the thread was not closed")
    else:
        after_close = sum(
            c.created_at > evidence.close_confirmed_at or c.created_at > evidence.close_recorded_at
            for c in evidence.stored
        )
        if after_close:
            problems.append(f"{after_close} comments stored after the close")
        if not outcomes[CLOSED]:
            problems.append('no post was refused with "Comments are closed."')

    for name, (kept, counted) in evidence.counts.items():
        if kept != counted:
            problems.append(f"thread {name} is {kept}, its rows say {counted}")

    flood = timedelta(seconds=evidence.flood_seconds)
    gaps = [
        later - earlier
        for times in evidence.reader_times.values()
        for earlier, later in zip(sorted(times), sorted(times)[1:], strict=False)
    ]
    closest = min(gaps, default=None)
    if too_close := sum(gap < flood for gap in gaps):
        problems.append(
            f"{too_close} times a reader's next comment came sooner than the flood rule"
        )
    if not outcomes[FLOOD]:
        problems.append("the flood rule was never exercised (no 429)")
    if evidence.workers_posting < 2:
        problems.append(f"only {evidence.workers_posting} gunicorn worker answered posts")

    figures = {
        "readers": evidence.readers,
        "sent": sent,
        "clients": evidence.clients,
        "seconds": evidence.seconds,
        "workers": evidence.workers_posting,
        "stored": len(successes),
        "replies": sum(a.parent is not None for a in successes),
        "outcomes": dict(outcomes),
        "close_sent": evidence.close_sent,
        "after_close": after_close,
        "counts": evidence.counts,
        "closest_seconds": closest.total_seconds() if closest is not None else None,
        "flood_seconds": evidence.flood_seconds,
    }
    return problems, figures


def summary_line(problems: list[str], figures: dict) -> str:
    outcomes = figures["outcomes"]
    (published, published_rows), (roots, root_rows) = figures["counts"].values()
    counts = f"thread counts {published:,} published, {roots:,} top-level " + (
        "= its rows"
        if (published, roots) == (published_rows, root_rows)
        else f"but its rows say {published_rows:,} and {root_rows:,}"
    )
    close = (
        f"closed at {figures['close_sent']:.1f} s, {figures['after_close']} stored after"
        if figures["close_sent"] is not None
        else "never closed"
    )
    closest = figures["closest_seconds"]
    line = (
        f"{figures['readers']} readers sent {figures['sent']:,} posts ({figures['clients']} at "
        f"a time, {figures['workers']} workers) in {figures['seconds']:.1f} s: "
        f"{figures['stored']:,} stored ({figures['replies']:,} replies); refused "
        f"{outcomes.get(FLOOD, 0):,} x 429, {outcomes.get(CLOSED, 0):,} closed, "
        f"{outcomes.get(DUPLICATE, 0):,} x 409; {outcomes.get(SERVER_ERROR, 0)} x 5xx, "
        f"{outcomes.get(UNCLEAR, 0)} unclear, {outcomes.get(NO_ANSWER, 0)} unanswered; "
        f"{close}; {counts}; a reader's closest two comments "
        + (f"{closest:.1f} s apart" if closest is not None else "never two")
        + f" (rule {figures['flood_seconds']} s)"
    )
    if problems:
        return f"concurrency FAIL ({'; '.join(problems)}): {line}"
    return f"concurrency PASS: {line}"


# The run


def require_loopback(url: str, what: str) -> None:
    if urlsplit(url).hostname not in LOOPBACK:
        raise Failed(f"The {what} must be on this machine (127.0.0.1), not {url}.")


def empty_redis(url: str) -> None:
    """Empty the test's own Redis database: throttles and cached pages from an earlier
    run must not meet this one."""
    import redis

    path = urlsplit(url).path.strip("/")
    if path in {"", "0"}:
        raise Failed(f"{url} is Redis database 0: give the test a database of its own.")
    client = redis.Redis.from_url(url, socket_timeout=5)
    client.flushdb()


@dataclass
class Scene:
    thread_id: int
    article_path: str
    post_path: str
    signup_path: str
    login_path: str
    threads_path: str
    moderator: str
    moderator_password: str
    history_thread_id: int


def prepare() -> Scene:
    from django.core.management import call_command
    from django.urls import reverse

    from articles.models import Article
    from forum.management.commands.loadseed import SEED_SLUG
    from forum.models import Thread

    call_command("loadseed", verbosity=0)
    article = Article.objects.create(
        title="Concurrency test: an open thread",
        slug="concurrency-open-thread",
        body="A story whose comments come from bench/concurrency.py.",
        status=Article.Status.PUBLISHED,
        published_at=datetime.now(UTC) - timedelta(hours=1),
    )
    # Open whatever FORUM_AUTO_CLOSE_DAYS says.
    Thread.objects.filter(article=article).update(keep_open=True)
    thread = Thread.objects.get(article=article)
    password = secrets.token_urlsafe(16)
    os.environ["DJANGO_SUPERUSER_PASSWORD"] = password
    try:
        call_command(
            "createsuperuser",
            interactive=False,
            username="load-moderator",
            email="moderator@example.org",
            verbosity=0,
        )
    finally:
        del os.environ["DJANGO_SUPERUSER_PASSWORD"]
    return Scene(
        thread_id=thread.pk,
        article_path=article.get_absolute_url(),
        post_path=reverse("forum:post-comment", args=[thread.pk]),
        signup_path=reverse("forum:signup"),
        login_path=reverse("admin:login"),
        threads_path=reverse("admin:forum_thread_changelist"),
        moderator="load-moderator",
        moderator_password=password,
        history_thread_id=Thread.objects.get(article__slug=SEED_SLUG).pk,
    )


@dataclass
class Reader:
    username: str
    browser: Browser
    token: str = ""


def sign_up(port: int, scene: Scene, number: int) -> Reader:
    """Through the form, as a person would: the form page, then the POST with its token."""
    reader = Reader(f"load-reader-{number:02d}", Browser(port))
    page = reader.browser.request("GET", scene.signup_path)
    password = secrets.token_urlsafe(12)
    answer = reader.browser.request(
        "POST",
        scene.signup_path,
        {
            "csrfmiddlewaretoken": csrf_token(page.text),
            "username": reader.username,
            "display_name": f"Reader {number}",
            "email": f"{reader.username}@example.org",
            "password1": password,
            "password2": password,
        },
    )
    if answer.status != 302:
        errors = re.findall(
            r'class="[^"]*(?:invalid-feedback|errorlist|alert)[^"]*"[^>]*>(.*?)<', answer.text
        )
        raise Failed(
            f"Sign-up of {reader.username} answered HTTP {answer.status} {errors[:3]}; a "
            "per-address limit is raised for the run by bench/concurrency.py's "
            f"SERVER_SETTINGS {SERVER_SETTINGS}."
        )
    return reader


def give_history(readers: list[Reader], thread_id: int) -> None:
    """One published comment an hour old for each reader, so that the rules trust them."""
    from django.contrib.auth import get_user_model

    from forum import services
    from forum.models import Comment

    users = get_user_model().objects.filter(username__in=[r.username for r in readers])
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    Comment.objects.bulk_create(
        Comment(
            thread_id=thread_id,
            author=user,
            body=f"An earlier comment by {user.username}.",
            body_html=f"<p>An earlier comment by {user.username}.</p>",
            status=Comment.Status.PUBLISHED,
            created_at=an_hour_ago,
            first_published_at=an_hour_ago,
        )
        for user in users
    )
    services.refresh_thread(thread_id)


def open_form(reader: Reader, scene: Scene) -> None:
    """The article page as the reader sees it: the comment form and its token."""
    page = reader.browser.request("GET", scene.article_path)
    if page.status != 200 or 'id="commentform"' not in page.text:
        raise Failed(f"{reader.username} sees no comment form (HTTP {page.status}).")
    reader.token = csrf_token(page.text)


class Moderator:
    """The superuser in the admin, through HTTP: log in, then the threads' list and its
    "Close comments" action."""

    def __init__(self, port: int, scene: Scene):
        self.browser = Browser(port)
        self.scene = scene
        self.token = ""

    def log_in(self) -> None:
        scene = self.scene
        page = self.browser.request("GET", f"{scene.login_path}?next={scene.threads_path}")
        answer = self.browser.request(
            "POST",
            scene.login_path,
            {
                "csrfmiddlewaretoken": csrf_token(page.text),
                "username": scene.moderator,
                "password": scene.moderator_password,
                "next": scene.threads_path,
            },
        )
        if answer.status != 302:
            raise Failed(f"The moderator's admin log-in answered HTTP {answer.status}.")
        page = self.browser.request("GET", scene.threads_path)
        if page.status != 200 or 'value="close_comments"' not in page.text:
            raise Failed(f"The admin's threads page has no close action (HTTP {page.status}).")
        self.token = csrf_token(page.text)  # a new one since the log-in

    def close(self) -> datetime:
        """Close the thread; the time its answer came back."""
        answer = self.browser.request(
            "POST",
            self.scene.threads_path,
            {
                "csrfmiddlewaretoken": self.token,
                "action": "close_comments",
                "_selected_action": str(self.scene.thread_id),
                "index": "0",
                "select_across": "0",
            },
        )
        confirmed_at = datetime.now(UTC)
        if answer.status != 302:
            raise Failed(f"The admin's close action answered HTTP {answer.status}.")
        page = self.browser.request("GET", answer.location)
        if CLOSED_MESSAGE not in page.text:
            raise Failed(f'The admin did not say "{CLOSED_MESSAGE}" after the close.')
        return confirmed_at


def body_for(attempt: Attempt) -> str:
    words = random.Random(attempt.number).sample(
        ["talks", "embassy", "trade", "families", "travel", "history", "hope", "doubt"], 3
    )
    return (
        f"{attempt.reader} on the {words[0]}, the {words[1]} and the {words[2]} "
        f"(post {attempt.marker})."
    )


class Load:
    """The posts, ``clients`` at a time, and the moderator's close half-way."""

    def __init__(self, port: int, scene: Scene, readers: list[Reader], size: Size, seed: int):
        self.scene = scene
        self.readers = {reader.username: reader for reader in readers}
        self.size = size
        self.moderator = Moderator(port, scene)
        run = secrets.token_hex(3)
        # Posts go in twos: one reader's two posts at the same moment.
        choice = random.Random(seed)
        twins = [choice.choice(readers).username for _ in range(0, size.posts, 2)]
        self.attempts = [
            Attempt(number, twins[number // 2], f"load-{run}-{number:05d}")
            for number in range(size.posts)
        ]
        self.marker_prefix = f"load-{run}-"
        self.lock = threading.Lock()
        self.seen: list[int] = []  # comments answered with success: replies answer them
        self.answered = 0
        self.half = threading.Event()
        self.stop = threading.Event()
        self.started = 0.0
        self.deadline = 0.0
        self.close_sent: float | None = None
        self.close_confirmed_at: datetime | None = None
        self.close_error = ""

    def run(self) -> float:
        self.moderator.log_in()
        self.started = time.monotonic()
        self.deadline = self.started + self.size.deadline
        closer = threading.Thread(target=self._close_half_way, daemon=True)
        closer.start()
        # Each task sends two posts at once: the pool's half of the clients.
        pool = ThreadPoolExecutor(max(1, self.size.clients // 2))
        try:
            twos = [self.attempts[i : i + 2] for i in range(0, len(self.attempts), 2)]
            for future in [pool.submit(self._post_together, two) for two in twos]:
                future.result()
        finally:
            self.stop.set()
            self.half.set()
            pool.shutdown(wait=True, cancel_futures=True)
            closer.join(timeout=REQUEST_TIMEOUT * 2 + 5)
        if self.close_error:
            raise Failed(self.close_error)
        return time.monotonic() - self.started

    def _post_together(self, attempts: list[Attempt]) -> None:
        """One reader's posts sent at the same moment, as a double click or two tabs send
        them: each of the two workers may take one, and the flood rule must still hold."""
        others = [threading.Thread(target=self._post, args=(a,)) for a in attempts[1:]]
        for other in others:
            other.start()
        self._post(attempts[0])
        for other in others:
            other.join()

    def _post(self, attempt: Attempt) -> None:
        if self.stop.is_set() or time.monotonic() > self.deadline:
            return
        reader = self.readers[attempt.reader]
        chance = random.Random(f"parent:{attempt.number}")
        with self.lock:
            if self.seen and chance.random() < REPLY_SHARE:
                attempt.parent = chance.choice(self.seen)
        form = {"csrfmiddlewaretoken": reader.token, "body": body_for(attempt)}
        if attempt.parent is not None:
            form["parent"] = str(attempt.parent)
        attempt.sent = time.monotonic() - self.started
        try:
            answer = reader.browser.request("POST", self.scene.post_path, form)
        except (OSError, http.client.HTTPException) as error:
            attempt.outcome, attempt.detail = NO_ANSWER, repr(error)
        else:
            attempt.status = answer.status
            attempt.outcome, attempt.comment_id = outcome_of(answer)
            if attempt.outcome == UNCLEAR:
                attempt.detail = f"{answer.status} {answer.location} {answer.text[:200]}"
        attempt.answered_at = datetime.now(UTC)
        with self.lock:
            if attempt.comment_id is not None:
                self.seen.append(attempt.comment_id)
            self.answered += 1
            if self.answered * 2 >= len(self.attempts):
                self.half.set()

    def _close_half_way(self) -> None:
        self.half.wait(timeout=self.size.deadline)
        if self.stop.is_set():
            return
        self.close_sent = time.monotonic() - self.started
        try:
            self.close_confirmed_at = self.moderator.close()
        except (Failed, OSError, http.client.HTTPException) as error:
            self.close_error = f"The moderator could not close the thread: {error!r}"


def workers_posting(access_log: Path, post_path: str) -> int:
    """How many gunicorn workers (process ids) answered a post to the thread."""
    pids = set()
    for line in access_log.read_text().splitlines():
        pid, method, path, *_ = [*line.split(), "", "", ""]
        if method == "POST" and path == post_path:
            pids.add(pid)
    return len(pids)


def gather(load: Load, size: Size, seconds: float, access_log: Path) -> Evidence:
    from django.conf import settings

    from forum.models import Comment, Thread

    thread_id = load.scene.thread_id
    marker = re.compile(re.escape(load.marker_prefix) + r"\d{5}")
    stored = [
        StoredComment(pk, marker.search(body)[0], username, created_at, thread == thread_id)
        for pk, body, username, created_at, thread in Comment.objects.filter(
            body__contains=load.marker_prefix
        ).values_list("pk", "body", "author__username", "created_at", "thread_id")
    ]
    reader_times = defaultdict(list)
    # On the thread under load: the comments that give readers a history are an hour old.
    for username, created_at in Comment.objects.filter(
        thread_id=thread_id, author__username__in=list(load.readers)
    ).values_list("author__username", "created_at"):
        reader_times[username].append(created_at)
    thread = Thread.objects.get(pk=thread_id)
    counted = Comment.objects.counted().filter(thread_id=thread_id)
    return Evidence(
        planned=size.posts,
        attempts=load.attempts,
        stored=stored,
        reader_times=dict(reader_times),
        close_confirmed_at=load.close_confirmed_at,
        close_recorded_at=thread.status_changed_at
        if thread.status == Thread.Status.CLOSED
        else None,
        # Nobody deletes a comment here: the roots counted are the published top-level ones.
        counts={
            "published_count": (thread.published_count, counted.count()),
            "root_count": (thread.root_count, counted.filter(parent__isnull=True).count()),
        },
        flood_seconds=settings.FORUM_FLOOD_SECONDS,
        workers_posting=workers_posting(access_log, load.scene.post_path),
        readers=size.readers,
        clients=size.clients,
        seconds=seconds,
        close_sent=load.close_sent,
    )


def run(database_url: str, redis_url: str, size: Size, seed: int = 9) -> dict:
    started = time.perf_counter()
    require_loopback(database_url, "database")
    require_loopback(redis_url, "Redis server")
    os.environ.update(SERVER_SETTINGS)
    empty_redis(redis_url)
    results = {"size": asdict(size), "load_average": {"start": os.getloadavg()}}
    print(
        f"== {size.readers} readers, {size.posts:,} posts by {size.clients} clients, "
        "the thread closed half-way (gunicorn, PostgreSQL, Redis)",
        flush=True,
    )
    with scratch_database(database_url) as url:
        setup_django(url)
        from django.db import connections

        scene = prepare()
        connections.close_all()
        env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url}
        access_log = RESULTS_DIR / "gunicorn-concurrency-access.log"
        access_log.unlink(missing_ok=True)  # gunicorn appends to it
        options = (
            "--access-logfile",
            str(access_log),
            "--access-logformat",
            "%(p)s %(m)s %(U)s %(s)s",
        )
        with Server(env, RESULTS_DIR / "gunicorn-concurrency.log", options) as server:
            signing_up = time.perf_counter()
            with ThreadPoolExecutor(size.clients) as pool:
                readers = list(
                    pool.map(lambda n: sign_up(server.port, scene, n), range(1, size.readers + 1))
                )
            print(
                f"  {len(readers)} readers signed up in {time.perf_counter() - signing_up:.1f} s",
                flush=True,
            )
            give_history(readers, scene.history_thread_id)
            connections.close_all()
            for reader in readers:
                open_form(reader, scene)
            load = Load(server.port, scene, readers, size, seed)
            seconds = load.run()
        evidence = gather(load, size, seconds, access_log)
        connections.close_all()
    problems, figures = judge(evidence)
    unclear = [a.detail for a in load.attempts if a.outcome in {UNCLEAR, NO_ANSWER}][:5]
    results.update(
        summary=summary_line(problems, figures),
        passed=not problems,
        problems=problems,
        figures=figures,
        unclear_examples=unclear,
        seconds=time.perf_counter() - started,
    )
    results["load_average"]["end"] = os.getloadavg()
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.concurrency", description=__doc__)
    parser.add_argument(
        "--database",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_POSTGRES_URL),
        help="scratch PostgreSQL database (name must contain 'bench')",
    )
    parser.add_argument("--redis", default=DEFAULT_REDIS_URL, help="a Redis database of its own")
    parser.add_argument("--small", action="store_true", help="CI's size: 20 readers, 300 posts")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "concurrency.json")
    options = parser.parse_args(argv)

    signal.signal(signal.SIGTERM, _stop_on_signal)
    try:
        results = run(options.database, options.redis, SMALL if options.small else FULL)
    except Failed as failure:
        results = {"passed": False, "summary": f"concurrency FAIL: {failure}", "seconds": 0}
    write_results(results, options.out)
    print(results["summary"], flush=True)
    return 0 if results["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
