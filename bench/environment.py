"""The environment every part of the benchmark runs in: production settings (debug off, a
random secret key, plain http on 127.0.0.1), a database made for the run and thrown away
after it, and Django set up on it.

Nothing here imports Django at module level: the settings are read once, when
``setup_django`` is called, from the environment prepared before.
"""

import atexit
import json
import os
import secrets
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS_DIR = BASE_DIR / "bench" / "results"
DEFAULT_POSTGRES_URL = "postgres://root@127.0.0.1:5432/forum_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def write_results(results: dict, out: Path) -> None:
    """Keep a run's results as JSON for bench/report.py, and say where."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print(f"  results in {out} ({results['seconds']:.0f} s)")


def production_environment(environ=None) -> dict[str, str]:
    """The variables production sets, with what a benchmark on 127.0.0.1 needs.

    Values already in ``environ`` win, except a secret key too short for production.
    Mail goes nowhere: building the messages is part of the work measured, sending them
    is not.
    """
    env = dict(os.environ if environ is None else environ)
    if len(env.get("DJANGO_SECRET_KEY", "")) < 50:
        env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(60)
    # The project's settings, with the static files collected outside the work tree.
    env["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    defaults = {
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    for name, value in defaults.items():
        env.setdefault(name, value)
    return env


def is_postgres(url: str | None) -> bool:
    return bool(url) and urlsplit(url).scheme in {"postgres", "postgresql", "pgsql"}


def _database_name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if "bench" not in name:
        # The benchmark drops and creates this database: never someone's real one.
        raise SystemExit(
            f"Refusing to use PostgreSQL database {name!r}: its name must contain 'bench', "
            "since the benchmark drops and recreates it."
        )
    return name


def _maintenance_connection(url: str):
    import psycopg

    parts = urlsplit(url)
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    return psycopg.connect(maintenance, autocommit=True, connect_timeout=10)


def recreate_postgres_database(url: str) -> None:
    name = _database_name(url)
    with _maintenance_connection(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_postgres_database(url: str) -> None:
    name = _database_name(url)
    with _maintenance_connection(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def scratch_database(url: str | None):
    """A fresh, empty database for one run, dropped afterwards whatever happens.

    ``url`` names a PostgreSQL database (its name must contain "bench"); without one, a
    SQLite file in a temporary folder. Yields the DATABASE_URL to use.
    """
    if is_postgres(url):
        recreate_postgres_database(url)
        try:
            yield url
        finally:
            try:
                from django.db import connections

                connections.close_all()
            except Exception:  # Django was never set up
                pass
            drop_postgres_database(url)
    else:
        folder = tempfile.mkdtemp(prefix="newsforum-bench-")
        try:
            yield f"sqlite:///{folder}/bench.sqlite3"
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def static_root() -> Path:
    """Where this run's static files are collected: BENCH_STATIC_ROOT, set by the
    orchestrator for all the steps, or a folder of our own under the temp directory."""
    root = os.environ.get("BENCH_STATIC_ROOT")
    if not root:
        # Made by this process, inherited by the processes it starts, removed at its exit.
        root = tempfile.mkdtemp(prefix="newsforum-bench-static-")
        atexit.register(shutil.rmtree, root, ignore_errors=True)
        os.environ["BENCH_STATIC_ROOT"] = root
    return Path(root)


def setup_django(database_url: str, *, migrate: bool = True) -> None:
    """Point Django at ``database_url`` with production settings, create the tables and
    collect the static files if they are not there yet."""
    os.environ.update(production_environment())
    os.environ["DATABASE_URL"] = database_url
    static_root()

    import django
    from django.core.management import call_command

    django.setup()
    if migrate:
        call_command("migrate", verbosity=0, interactive=False)
    if not (static_root() / "staticfiles.json").exists():
        call_command("collectstatic", verbosity=0, interactive=False)
