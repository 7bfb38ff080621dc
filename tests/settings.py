"""Settings for the test suite: the project's own, with a throwaway key and fast hashing.

The database comes from DATABASE_URL like everywhere else: SQLite by default,
PostgreSQL in CI.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-" + "k" * 50)

from forum.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Mails are sent at once, whatever FORUM_TASKS_BACKEND says; tests of the queue switch to
# the database backend themselves.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# SQLite's test database is a file rather than memory, so that a second process (the
# flood test) can open it too.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"newsforum-tests-{os.getpid()}.sqlite3")
    }

# django-axes stays on, since its lockouts are tested: it keeps failed log-ins in the
# database, which each test rolls back, so no test inherits another's lockout. It needs the
# request to authenticate: use force_login, or client.login(request=HttpRequest(), ...).
