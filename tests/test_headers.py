"""What every answer tells the browser to refuse, and what production adds on top.

The headers of each kind of page, the policy's promise that our templates hold no inline
script or style, the icon the admin names, and HTTPS in production settings.
"""

import json
import re
from pathlib import Path

import pytest

from .test_project import run_manage

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent

POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}
EVERY_ANSWER = {
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def parse_policy(header: str) -> dict[str, set[str]]:
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = set(sources)
    return directives


# Each kind of answer: its address (given the fixtures), who asks, the status, and whether
# Django's X-Frame-Options middleware sees it (static files are served before it; the
# policy's frame-ancestors covers them).
PAGES = [
    pytest.param(lambda c: "/", None, 200, True, id="home"),
    pytest.param(lambda c: "/articles/harbour-reopens/", None, 200, True, id="article"),
    pytest.param(lambda c: "/articles/harbour-reopens/", "reader", 200, True, id="article-reader"),
    pytest.param(lambda c: f"/c/{c.pk}/", None, 200, True, id="permalink-target"),
    pytest.param(lambda c: "/accounts/signup/", None, 200, True, id="signup"),
    pytest.param(lambda c: "/accounts/login/", None, 200, True, id="login"),
    pytest.param(lambda c: "/accounts/me/", "reader", 200, True, id="account"),
    pytest.param(lambda c: "/admin/login/", None, 200, True, id="admin-login"),
    pytest.param(lambda c: "/admin/forum/comment/", "moderator", 200, True, id="admin-queue"),
    pytest.param(
        lambda c: f"/admin/forum/comment/{c.pk}/change/", "moderator", 200, True, id="admin-change"
    ),
    pytest.param(lambda c: "/api/articles/", None, 200, True, id="api"),
    pytest.param(lambda c: "/comments/feed/", None, 200, True, id="feed"),
    pytest.param(lambda c: "/no-such-page/", None, 404, True, id="not-found"),
    pytest.param(lambda c: "/static/css/forum.css", None, 200, False, id="static-file"),
]


@pytest.mark.parametrize(("address", "who", "status", "framed_by_django"), PAGES)
def test_every_kind_of_page_carries_the_security_headers(
    request, client, settings, published_comment, address, who, status, framed_by_django
):
    settings.WHITENOISE_USE_FINDERS = True  # serve static/ without collectstatic
    if who:
        client.force_login(request.getfixturevalue(who))
    url = address(published_comment)

    response = client.get(url, follow=True)

    assert response.status_code == status
    assert parse_policy(response["Content-Security-Policy"]) == POLICY
    for header, value in EVERY_ANSWER.items():
        assert response[header] == value, header
    if framed_by_django:
        assert response["X-Frame-Options"] == "DENY"


def test_an_article_page_from_the_visitor_cache_carries_the_headers(client, published_comment):
    client.get("/articles/harbour-reopens/")  # drawn and kept in the cache

    again = client.get("/articles/harbour-reopens/")

    assert again.templates == []  # served from the cache, not drawn
    assert parse_policy(again["Content-Security-Policy"]) == POLICY
    assert again["X-Frame-Options"] == "DENY"


# --- No inline script or style in our templates -------------------------------------

COMMENT_BLOCK = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.DOTALL)
INLINE = {
    "an inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "an on* handler": re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "a javascript: address": re.compile(r"javascript:", re.IGNORECASE),
    "a <style> element": re.compile(r"<style", re.IGNORECASE),
    "a style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE),
}


def test_no_template_holds_what_the_policy_refuses():
    found = []
    for template in sorted((ROOT / "templates").rglob("*.html")):
        source = COMMENT_BLOCK.sub("", template.read_text())
        for what, pattern in INLINE.items():
            if pattern.search(source):
                found.append(f"{template.relative_to(ROOT)}: {what}")

    assert found == []


# --- The icon ---------------------------------------------------------------------


def test_admin_pages_name_our_icon(client, moderator):
    client.force_login(moderator)

    response = client.get("/admin/")

    assert response.status_code == 200
    assert '<link rel="icon" href="/static/img/favicon.svg"' in response.text


def test_favicon_ico_redirects_to_our_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == "/static/img/favicon.svg"


# --- Production: HTTPS only -------------------------------------------------------

PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "n7Qv-3kPz_w9Lx2RfT8yBcE4mHs6UaJd1oKiGqVZtXeN5bYpW0rS",
    "DJANGO_ALLOWED_HOSTS": "forum.example.org",
    "DATABASE_URL": "sqlite://:memory:",
}
# Asks for a missing page (it needs neither the database nor collected static files) over
# plain HTTP, over HTTPS, and over HTTP from a proxy that says it took HTTPS.
PROBE = """
import json
from django.conf import settings
from django.test import Client

client = Client(HTTP_HOST="forum.example.org")
answers = {
    "plain": client.get("/nowhere/"),
    "secure": client.get("/nowhere/", secure=True),
    "forwarded": client.get("/nowhere/", HTTP_X_FORWARDED_PROTO="https"),
}
print(json.dumps({
    "cookies_secure": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
    **{
        name: [r.status_code, r.get("Location"), r.get("Strict-Transport-Security")]
        for name, r in answers.items()
    },
}))
"""
HSTS = "max-age=31536000; includeSubDomains; preload"


def probe_production(**env) -> dict:
    result = run_manage("shell", "-c", PROBE, **PRODUCTION, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_sends_plain_http_to_https_with_hsts_and_secure_cookies():
    seen = probe_production()

    assert seen["cookies_secure"] == [True, True]
    assert seen["plain"] == [301, "https://forum.example.org/nowhere/", None]
    assert seen["secure"] == [404, None, HSTS]
    # Without DJANGO_SECURE_PROXY_SSL_HEADER, anyone's X-Forwarded-Proto is ignored.
    assert seen["forwarded"] == [301, "https://forum.example.org/nowhere/", None]


def test_production_behind_a_proxy_trusts_its_forwarded_proto():
    seen = probe_production(DJANGO_SECURE_PROXY_SSL_HEADER="true")

    assert seen["forwarded"] == [404, None, HSTS]


def test_production_redirect_to_https_can_be_left_to_the_proxy():
    seen = probe_production(DJANGO_SECURE_SSL_REDIRECT="false")

    assert seen["plain"] == [404, None, None]
    assert seen["secure"] == [404, None, HSTS]
    assert seen["cookies_secure"] == [True, True]
