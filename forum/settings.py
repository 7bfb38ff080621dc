"""Settings for the news forum, read from the environment.

Development is the default: ``make run`` needs no configuration and keeps its data
in ``db.sqlite3`` beside this package. Production sets at least::

    DJANGO_DEBUG=false
    DJANGO_SECRET_KEY=<50 or more random characters>
    DJANGO_ALLOWED_HOSTS=forum.example.org
    DATABASE_URL=postgres://user@host:5432/forum

and then refuses to start without a real secret key.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

# A key that is only good for development; production must bring its own.
DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false (production mode)."
        )
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
elif not DEBUG and (SECRET_KEY.startswith("django-insecure") or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY is not a real secret; generate a random one.")
elif not DEBUG and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 50 characters long.")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "forum.apps.ForumAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",  # django-csp: the Content-Security-Policy header
    "bootstrap",  # Bootstrap's CSS and JS, from the django-bootstrap-static package
    "django_tasks",
    "django_tasks_db",  # the queue's table, and its task results in the admin
    "axes",  # log-in lockouts (django-axes)
    "forum.apps.ForumConfig",
    "articles.apps.ArticlesConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so that static files (an SVG opened on its own) carry it too.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "forum.middleware.RefuseNulInAddressMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The reader's language: the language cookie (the footer's switch), else Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Outside the visitors' cache, so that a page from the cache remembers the order too.
    "forum.middleware.CommentOrderMiddleware",
    "forum.middleware.CommentPageRedirectMiddleware",
    "forum.middleware.VisitorPageCacheMiddleware",
    "forum.middleware.DeferredHtmlMiddleware",
    # Last, as django-axes asks: it turns a refused log-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "forum.urls"
# Where the admin is served, e.g. "backstage/": off the usual address, scripts that guess
# log-ins at /admin/ find nothing. Leading and trailing slashes are optional.
ADMIN_URL = (os.environ.get("DJANGO_ADMIN_URL", "").strip().strip("/") or "admin") + "/"
WSGI_APPLICATION = "forum.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Write-ahead logging: readers do not wait for a writer, and a commit costs one
    # sync of the log rather than of the database file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "forum.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "articles:list"
LOGOUT_REDIRECT_URL = "articles:list"
# Django's database sessions, refusing forged keys (forum/sessions.py).
SESSION_ENGINE = "forum.sessions"

# django-axes checks every log-in (the site's and the admin's) before Django's own backend
# does. Tests that use ``client.login()`` must pass ``request=HttpRequest()``, as axes'
# documentation says; ``force_login`` needs nothing.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# After this many failed log-ins for one username, or from one address, log-ins by that
# name or from that address are refused for the cool-off time. Failures are stored in the
# database (axes' default handler), which every worker process shares.
AXES_FAILURE_LIMIT = int(os.environ.get("FORUM_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("FORUM_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks out
AXES_LOCKOUT_CALLABLE = "forum.account_views.locked_out"
AXES_CLIENT_IP_CALLABLE = "forum.throttling.client_address"
AXES_USERNAME_CALLABLE = "forum.throttling.attempted_username"
# A successful log-in does not wipe the failures: it would also wipe those of its address,
# so an attacker with an account of their own could start counting again at will.
AXES_RESET_ON_SUCCESS = False
# Keep only what the lockouts need: no log of every successful log-in (who, from where).
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False  # no banner on every manage.py command; failures are still logged

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# English and Spanish, as the publisher's two editions. The catalogues are in
# forum/locale and articles/locale (README, "Languages"); the stories themselves are
# not translated.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "forum" / "locale"]
# Our English dates ("January 5, 2024"); Spanish ones are Django's ("5 de enero de 2024").
FORMAT_MODULE_PATH = ["forum.formats"]
# The footer's switch keeps the choice for a year (Django's default: until the browser closes).
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "forum@localhost")
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
# Seconds before a mail server that does not answer counts as down (the try is repeated
# later); without it a hanging server would hold the worker forever.
EMAIL_TIMEOUT = int(os.environ.get("DJANGO_EMAIL_TIMEOUT", "30"))

# Mails are background tasks (forum/mail.py). "database": they wait in the database for
# `manage.py db_worker`, the production default; "immediate": sent at once, inside the
# request, the default while debugging (`make run`) and in tests.
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
FORUM_TASKS_BACKEND = os.environ.get("FORUM_TASKS_BACKEND", "").strip().lower() or (
    "immediate" if DEBUG else "database"
)
if FORUM_TASKS_BACKEND not in TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"FORUM_TASKS_BACKEND must be 'database' or 'immediate', not {FORUM_TASKS_BACKEND!r}."
    )
TASKS = {"default": {"BACKEND": TASK_BACKENDS[FORUM_TASKS_BACKEND]}}

# Behind a proxy that terminates TLS, set DJANGO_SECURE_PROXY_SSL_HEADER=true so that
# Django knows the request was secure.
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# What browsers are told to refuse. Django's defaults, written out because tests and the
# README rely on them.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts and styles come from our own static files only: no inline <script>, no on*
# attribute, no style attribute or <style> element, no eval. Django's admin keeps to that
# too (tests/browser/test_security_policy.py watches it).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)

LOG_LEVEL = os.environ.get("DJANGO_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Django gives its "django" logger a console handler of its own (while debugging) and
    # lets it pass records on to the root too, which printed every warning twice: here it
    # only passes them on.
    "loggers": {"django": {"handlers": [], "level": LOG_LEVEL, "propagate": True}},
}

# The forum's own settings. The moderation rules that read them live in
# forum/moderation.py.
FORUM_COMMENT_MAX_LENGTH = 5000
FORUM_MAX_THREAD_DEPTH = 5  # WordPress's default for threaded comments
# Close threads this many days after publication (WordPress: off, 14 when turned on).
FORUM_AUTO_CLOSE_DAYS = int(os.environ.get("FORUM_AUTO_CLOSE_DAYS", "0")) or None
FORUM_FLOOD_SECONDS = 15  # the shortest time between two comments by one reader
# At most this many sign-ups from one address in an hour, counted in Django's cache (Redis,
# shared by all workers, when REDIS_URL is set).
FORUM_SIGNUPS_PER_HOUR = int(os.environ.get("FORUM_SIGNUPS_PER_HOUR", "5"))
# How many proxies in front of the site add the reader's address to X-Forwarded-For: with
# 0, REMOTE_ADDR is the reader's. Log-in lockouts and the sign-up limit count by address.
FORUM_PROXY_COUNT = int(os.environ.get("FORUM_PROXY_COUNT", "0"))
FORUM_HOLD_LINKS = 2  # hold comments with this many links or more
FORUM_EDIT_WINDOW_MINUTES = 15  # how long authors may edit their comment
FORUM_REPORTS_TO_HIDE = 3  # reports from distinct readers that hide a comment for review
FORUM_MODERATOR_MAIL_MINUTES = 15  # at most one "comments are waiting" mail this often
FORUM_MAIL_ATTEMPTS = 6  # tries to send a mail, 1, 5, 25, 125 and 625 minutes apart
# Where the forum is served, for links in mails.
FORUM_SITE_URL = os.environ.get("FORUM_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
FORUM_THREADS_PER_PAGE = 50  # top-level comments per page of the article
# Under each of them the page shows the first replies of each comment (oldest first),
# this many, down this many levels; the rest of the thread opens from "N more replies".
FORUM_REPLIES_PER_LEVEL = 3
FORUM_REPLY_LEVELS = 1
FORUM_NEWEST_FIRST = False  # WordPress's default: oldest first
# What erasing an account does to its comments (forum/personal_data.py): "anonymise"
# keeps their text under "[deleted user]"; "remove" takes the text away too, leaving
# "[comment deleted]" where others replied.
_erase_spellings = {"anonymise": "anonymise", "anonymize": "anonymise", "remove": "remove"}
_erase_comments = os.environ.get("FORUM_ERASE_COMMENTS", "").strip().lower() or "anonymise"
if _erase_comments not in _erase_spellings:
    raise ImproperlyConfigured(
        f"FORUM_ERASE_COMMENTS must be 'anonymise' or 'remove', not {_erase_comments!r}."
    )
FORUM_ERASE_COMMENTS = _erase_spellings[_erase_comments]
# Whether imported comments go to the account that confirmed their author's address, at
# import and when the address is confirmed later. Off where the old system never checked
# the addresses its guests typed: then a stranger could confirm one and be handed those
# words. Articles' bylines (the old site's own authors) are matched either way.
FORUM_CLAIM_IMPORTED_COMMENTS = env_bool("FORUM_CLAIM_IMPORTED_COMMENTS", True)
# How long a rendered comment list stays cached; 0 turns the cache off.
FORUM_SECTION_CACHE_SECONDS = int(os.environ.get("FORUM_SECTION_CACHE_SECONDS", "3600"))
# Other sites whose scripts may read the JSON API (CORS), e.g. "https://news.example.org";
# "*" for any. None by default.
FORUM_API_CORS_ORIGINS = env_list("FORUM_API_CORS_ORIGINS")

# Django's cache: local memory by default; Redis (shared by all workers) when REDIS_URL
# is set, as in production.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "forum.cache.SharedClientRedisCache",  # Django's, sharing its client
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "newsforum",
        }
    }
