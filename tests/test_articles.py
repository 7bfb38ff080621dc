import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article

from .factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_list_shows_published_articles_newest_first(client):
    older = ArticleFactory(
        title="Older story", published_at=timezone.now() - timezone.timedelta(days=2)
    )
    newer = ArticleFactory(
        title="Newer story", published_at=timezone.now() - timezone.timedelta(days=1)
    )
    ArticleFactory(title="Draft story", status=Article.Status.DRAFT)

    response = client.get(reverse("articles:list"))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(newer.title) < html.index(older.title)
    assert "Draft story" not in html


def test_list_hides_articles_scheduled_for_later(client):
    ArticleFactory(
        title="Tomorrow's story", published_at=timezone.now() + timezone.timedelta(days=1)
    )

    response = client.get(reverse("articles:list"))

    assert "Tomorrow" not in response.content.decode()


def test_a_story_published_while_the_site_runs_shows_at_once(client):
    # The site has been up a while: it has answered before. An editor publishes a story
    # now, and readers find it in the list and at its address.
    client.get(reverse("articles:list"))
    article = ArticleFactory(title="Just in", published_at=timezone.now())

    assert "Just in" in client.get(reverse("articles:list")).content.decode()
    assert client.get(article.get_absolute_url()).status_code == 200


def test_detail_shows_title_caption_and_paragraphs(client):
    article = ArticleFactory(
        title="Ferry service resumes",
        image_alt="The ferry at dawn",
        image_caption="The ferry leaves the harbour.",
        body="First paragraph.\n\nSecond paragraph,\nwith a line break.",
    )

    response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="story-title">Ferry service resumes</h1>' in html
    assert "The ferry leaves the harbour." in html
    assert "<p>First paragraph.</p>" in html
    assert "<p>Second paragraph,<br>with a line break.</p>" in html


def test_detail_url_is_readable(article):
    assert article.get_absolute_url() == "/articles/harbour-reopens/"


def test_draft_is_not_found_for_readers(client):
    draft = ArticleFactory(status=Article.Status.DRAFT)

    response = client.get(draft.get_absolute_url())

    assert response.status_code == 404


def test_draft_is_not_found_for_staff_either(client, moderator):
    draft = ArticleFactory(status=Article.Status.DRAFT)
    client.force_login(moderator)

    assert client.get(draft.get_absolute_url()).status_code == 404


def test_new_article_gets_an_open_thread():
    article = ArticleFactory()

    assert article.thread.is_open


def test_paragraphs_split_on_blank_lines_and_keep_line_breaks():
    article = Article(body="One.\r\n\r\nTwo,\nstill two.\n \nThree.")

    assert article.paragraphs == ["One.", "Two,\nstill two.", "Three."]


def test_pages_name_an_icon_that_exists(client):
    from django.contrib.staticfiles import finders

    html = client.get(reverse("articles:list")).content.decode()

    assert 'rel="icon" href="/static/img/favicon.svg"' in html
    assert finders.find("img/favicon.svg")


@pytest.mark.parametrize(
    ("image_alt", "image_caption", "photo", "caption"),
    [("", "", False, False), ("", "Seen from the pier.", False, True), ("Boats", "", True, False)],
)
def test_the_photo_area_is_drawn_only_for_a_photo_or_a_caption(
    client, image_alt, image_caption, photo, caption
):
    article = ArticleFactory(image_alt=image_alt, image_caption=image_caption)

    html = client.get(article.get_absolute_url()).content.decode()

    assert ("<figure" in html) == (photo or caption)
    assert ('class="story-photo"' in html) == photo
    assert ("<figcaption" in html) == caption
