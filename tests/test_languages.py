"""English and Spanish: the reader's language from Accept-Language or the footer's switch,
pages cached apart by language, plural forms and dates, and a Spanish catalogue with
nothing left untranslated."""

import ast
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from articles.models import Article

from .factories import ArticleFactory, CommentFactory, UserFactory, thread_of
from .test_seed import SLUG, load_seed

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = [ROOT / "forum" / "locale", ROOT / "articles" / "locale"]
# What `make messages` passes to makemessages (Makefile, MAKEMESSAGES_ARGS).
MAKEMESSAGES_ARGS = [
    "-l",
    "es",
    "--add-location=file",
    *(
        f"--ignore={folder}"
        for folder in (
            ".venv",
            "tests",
            "bench",
            "seeds",
            "staticfiles",
            "forum/importers",
            "forum/exporters",
            "forum/management",
        )
    ),
]
needs_gettext = pytest.mark.skipif(
    shutil.which("msgfmt") is None, reason="GNU gettext is not installed (apt-get install gettext)"
)


def in_spanish(client, path, **headers):
    return client.get(path, headers={"accept-language": "es", **headers})


def text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


# The catalogue


def po_entries(path: Path) -> list[dict]:
    """The entries of a .po file, without the header and obsolete ones: each with its
    flags, msgctxt, msgid, msgid_plural and msgstr (one per plural form)."""
    entries, entry, field = [], None, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith("#~"):  # obsolete: no longer in the code
            continue
        if not line.strip():
            if entry and entry.get("msgid"):
                entries.append(entry)
            entry = None
            continue
        entry = entry or {"flags": [], "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"] += [flag.strip() for flag in line[2:].split(",")]
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if isinstance(field, int):
                entry["msgstr"][field] += value
            else:
                entry[field] += value
        elif not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            field = int(keyword[7:-1]) if keyword.startswith("msgstr[") else keyword
            field = 0 if field == "msgstr" else field
            if isinstance(field, int):
                entry["msgstr"][field] = ast.literal_eval(rest)
            else:
                entry[field] = ast.literal_eval(rest)
    return entries


def untranslated(path: Path) -> list[str]:
    return [
        entry["msgid"]
        for entry in po_entries(path)
        if "fuzzy" in entry["flags"] or not all(entry["msgstr"].values())
    ]


@needs_gettext
def test_every_string_of_ours_has_a_spanish_translation(tmp_path):
    """makemessages, run on a copy of the project, finds no string that the committed
    catalogue lacks or only guesses (fuzzy)."""
    for name in ("forum", "articles", "templates", "manage.py"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    environment = {**os.environ, "DJANGO_DEBUG": "true", "DJANGO_SETTINGS_MODULE": "forum.settings"}
    environment.pop("DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", *MAKEMESSAGES_ARGS],
        cwd=tmp_path,
        env=environment,
        check=True,
        capture_output=True,
    )
    for app in ("forum", "articles"):
        catalogue = tmp_path / app / "locale" / "es" / "LC_MESSAGES" / "django.po"
        assert untranslated(catalogue) == [], f"untranslated in {app}: run `make messages`"


@needs_gettext
@pytest.mark.parametrize("locale", CATALOGUES, ids=["forum", "articles"])
def test_compiled_catalogue_is_the_committed_one_compiled(locale, tmp_path):
    source = locale / "es" / "LC_MESSAGES" / "django.po"
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", compiled, source], check=True)
    committed = source.with_suffix(".mo")
    assert committed.read_bytes() == compiled.read_bytes(), "run `make messages`"


def test_a_missing_translation_is_found(tmp_path):
    catalogue = tmp_path / "django.po"
    catalogue.write_text(
        'msgid ""\nmsgstr "Language: es\\n"\n\n'
        'msgid "Reply"\nmsgstr "Responder"\n\n'
        'msgid "Edit"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Delete"\nmsgstr "Borrar"\n\n'
        'msgid "%(n)s comment"\nmsgid_plural "%(n)s comments"\n'
        'msgstr[0] "%(n)s comentario"\nmsgstr[1] ""\n',
        encoding="utf-8",
    )
    assert untranslated(catalogue) == ["Edit", "Delete", "%(n)s comment"]


# Choosing the language


def test_accept_language_spanish_gets_the_article_page_in_spanish(client):
    article = ArticleFactory(title="Cuba y EE. UU.")
    CommentFactory(thread=thread_of(article))

    html = text(in_spanish(client, article.get_absolute_url()))

    assert '<html lang="es">' in html
    assert "1 comentario sobre «Cuba y EE. UU.»" in html
    assert "Inicia sesión para responder" in html


def test_without_a_preference_the_page_is_in_english(client):
    article = ArticleFactory(title="Talks")
    CommentFactory(thread=thread_of(article))

    html = text(client.get(article.get_absolute_url()))

    assert '<html lang="en">' in html
    assert "1 thought on “Talks”" in html


def test_visitor_page_cache_keeps_each_language_apart(client):
    article = ArticleFactory(title="Talks")
    CommentFactory(thread=thread_of(article))
    url = article.get_absolute_url()

    english = text(client.get(url))
    spanish = text(in_spanish(client, url))
    english_again = text(client.get(url))

    assert "1 thought on" in english and "1 thought on" in english_again
    assert "1 comentario sobre" in spanish and "1 thought on" not in spanish


def test_comment_list_cache_keeps_each_language_apart_for_signed_in_readers(client, reader):
    article = ArticleFactory(title="Talks")
    CommentFactory(thread=thread_of(article))
    client.force_login(reader)

    english = text(client.get(article.get_absolute_url()))
    spanish = text(in_spanish(client, article.get_absolute_url()))

    assert "1 thought on “Talks”" in english
    assert "1 comentario sobre «Talks»" in spanish and "1 thought on" not in spanish


def test_footer_has_a_language_switch_without_script(client, article):
    html = text(client.get(article.get_absolute_url()))

    assert f'action="{reverse("set_language")}?next={article.get_absolute_url()}"' in html
    assert '<option value="en" lang="en" selected>English</option>' in html
    assert '<option value="es" lang="es">Español</option>' in html
    # Each language keeps its own name on the Spanish page too.
    spanish = text(in_spanish(client, reverse("articles:list")))
    assert '<option value="en" lang="en">English</option>' in spanish
    assert "Change language</button>" in html


def test_footer_switch_sets_the_cookie_and_the_choice_sticks(client):
    article = ArticleFactory(title="Talks")
    CommentFactory(thread=thread_of(article))
    url = article.get_absolute_url()

    response = client.post(f"{reverse('set_language')}?next={url}", {"language": "es"})

    assert response.status_code == 302 and response["Location"] == url
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "es" and cookie["max-age"] == 365 * 24 * 60 * 60
    # The cookie wins over the browser's own preference, on every later page.
    html = text(client.get(url, headers={"accept-language": "en"}))
    assert "1 comentario sobre «Talks»" in html
    assert "Últimas noticias" in text(client.get(reverse("articles:list")))


def test_footer_switch_does_not_send_readers_off_the_site(client):
    response = client.post(
        f"{reverse('set_language')}?next=https://evil.example/", {"language": "es"}
    )

    assert response.status_code == 302 and response["Location"] == "/"


# Plural forms, numbers and dates


@pytest.mark.parametrize(
    ("count", "english", "spanish"),
    [
        (1, "1 thought on “Talks”", "1 comentario sobre «Talks»"),
        (7, "7 thoughts on “Talks”", "7 comentarios sobre «Talks»"),
    ],
)
def test_comment_count_heading_has_the_right_plural(client, count, english, spanish):
    article = ArticleFactory(title="Talks")
    CommentFactory.create_batch(count, thread=thread_of(article))

    assert english in text(client.get(article.get_absolute_url()))
    assert spanish in text(in_spanish(client, article.get_absolute_url()))


def test_dates_are_written_in_spanish(client):
    moment = datetime(2024, 1, 5, 15, 4, tzinfo=UTC)
    article = ArticleFactory(published_at=moment)
    CommentFactory(thread=thread_of(article), created_at=moment)

    english = text(client.get(article.get_absolute_url()))
    spanish = text(in_spanish(client, article.get_absolute_url()))

    assert "January 5, 2024</time>" in english  # the story
    assert "January 5, 2024 at 3:04 p.m.</time>" in english  # the comment
    assert "5 de enero de 2024</time>" in spanish
    assert "5 de enero de 2024 a las 15:04</time>" in spanish


# What stays as it is, and what else is translated


def test_the_seed_story_stays_in_english_on_the_spanish_page(client):
    load_seed()
    article = Article.objects.get(slug=SLUG)

    html = text(in_spanish(client, article.get_absolute_url()))

    assert article.title in html
    assert article.paragraphs[0] in html
    assert "Los comentarios están cerrados." in html  # the page around it is Spanish


def test_refusal_is_told_in_the_readers_language(client, reader, closed_thread):
    client.force_login(reader)

    response = client.post(
        reverse("forum:post-comment", args=[closed_thread.pk]),
        {"body": "Hola"},
        headers={"accept-language": "es"},
    )

    assert response.status_code == 403
    assert "Los comentarios están cerrados." in response.content.decode()


def test_form_errors_are_in_spanish(client, reader, open_thread):
    client.force_login(reader)

    response = client.post(
        reverse("forum:post-comment", args=[open_thread.pk]),
        {"body": ""},
        headers={"accept-language": "es"},
    )

    assert response.status_code == 400
    assert "Escribe un comentario antes de publicar." in response.content.decode()


def test_mail_is_written_in_the_language_of_the_page_that_asked_for_it(client, reader):
    response = client.post(
        reverse("password_reset"), {"email": reader.email}, headers={"accept-language": "es"}
    )

    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.subject == "[News Forum] Elige una contraseña nueva"
    assert f"Hola, {reader.public_name}:" in message.body


# The admin: the moderators' own labels


class PageTexts(HTMLParser):
    """What a page says: its text, and the words of buttons, images and labels."""

    SAID_BY = ("title", "placeholder", "aria-label", "alt")

    def __init__(self):
        super().__init__()
        self.hidden = 0
        self.texts = set()

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("script", "style")
        attrs = dict(attrs)
        words = [attrs.get(name) for name in self.SAID_BY]
        if tag == "input" and attrs.get("type") in ("submit", "button"):
            words.append(attrs.get("value"))
        self.texts.update(" ".join(word.split()) for word in words if word and word.strip())

    def handle_endtag(self, tag):
        self.hidden -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.texts.add(" ".join(data.split()))


def page_texts(response) -> set[str]:
    assert response.status_code == 200
    parser = PageTexts()
    parser.feed(response.content.decode())
    return parser.texts


# The same in both languages, and rightly so: Django's own untranslated image texts, words
# that Spanish shares, and other apps' names and permissions (theirs to translate).
SAME_IN_SPANISH = {"Search", "True", "False", "None", "Spam", "Slug", "slug", "Email"}
OTHER_APPS = ("Axes", "Access attempt", "Task", "Tasks Database Backend")


def stored_words() -> set[str]:
    """Every text the database holds (names, titles, bodies, reasons, codes), which
    the admin shows as they are."""
    from django.apps import apps

    words = set()
    for model in apps.get_models():
        texts = [
            field.attname
            for field in model._meta.concrete_fields
            if field.get_internal_type() in ("CharField", "TextField", "EmailField", "SlugField")
        ]
        for row in model.objects.values_list(*texts) if texts else ():
            words.update(" ".join(str(value).split()) for value in row if value)
    return words


@pytest.mark.parametrize("who", ["superuser", "moderator"])
def test_the_admin_speaks_spanish_in_every_label_of_ours(
    client, moderator, reader, pending_comment, who
):
    from forum import services
    from forum.models import Report

    superuser = UserFactory(is_staff=True, is_superuser=True, username="chief")
    comment = CommentFactory(thread=pending_comment.thread, body="Read the council minutes.")
    Report.objects.create(comment=comment, reporter=reader, reason="spam")
    services.remove(comment, by=superuser)
    article = comment.thread.article
    # One paragraph each, which the page shows as one text.
    Article.objects.filter(pk=article.pk).update(
        standfirst="Ships sail again.", body="The harbour reopened on Monday."
    )
    client.force_login(superuser if who == "superuser" else moderator)
    pages = [
        "",
        "forum/comment/",
        "forum/comment/?status=all",
        f"forum/comment/{comment.pk}/change/",
        "forum/thread/",
        f"forum/thread/{comment.thread_id}/change/",
        "forum/user/",
        f"forum/user/{reader.pk}/change/",
        "forum/report/",
        "forum/moderationevent/",
        "forum/moderationword/",
        "forum/moderationword/add/",
        "forum/sitesettings/1/change/",
        "articles/article/",
        "articles/article/add/",
        f"articles/article/{article.pk}/change/",
    ]
    data = sorted(stored_words(), key=len, reverse=True)

    def words_of_ours(text: str) -> bool:
        """Whether ``text`` has words left once stored data is taken out of it."""
        for stored in data:
            text = text.replace(stored, " ")
        return re.search(r"[A-Za-z]{3}", text) is not None

    untranslated = {}
    for page in pages:
        url = reverse("admin:index") + page
        english = client.get(url, headers={"accept-language": "en"})
        if english.status_code == 403:
            continue  # not the moderators' to see
        same = {
            text
            for text in page_texts(english) & page_texts(in_spanish(client, url))
            if words_of_ours(text)
            and not set(re.findall(r"[^\W\d_]+", text)) <= SAME_IN_SPANISH
            and not text.startswith(OTHER_APPS)
            and "*****" not in text  # a password hash, masked
        }
        if same:
            untranslated[page or "index"] = sorted(same)

    assert untranslated == {}


def test_the_admin_tells_how_a_batch_went_in_spanish(client, moderator, pending_comment):
    client.force_login(moderator)

    response = client.post(
        reverse("admin:forum_comment_changelist"),
        {"action": "approve", "_selected_action": [pending_comment.pk]},
        headers={"accept-language": "es"},
        follow=True,
    )

    assert "1 comentario fue aprobado." in response.content.decode()
    response = client.post(
        reverse("admin:forum_comment_changelist") + "?status=all",
        {"action": "approve", "_selected_action": [pending_comment.pk]},
        headers={"accept-language": "es"},
        follow=True,
    )
    assert (
        "1 comentario se quedó como estaba: solo se pueden aprobar comentarios pendientes."
        in response.content.decode()
    )
