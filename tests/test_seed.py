"""The Havana Times seed: loads cleanly, twice, and reads like the original page."""

from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.management import call_command

from articles.models import Article
from forum import services
from forum.models import Comment, Thread
from forum.rendering import render_comment_body

pytestmark = pytest.mark.django_db

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SLUG = "cuba-usa-begin-talks-on-jan-21-to-normalize-relations"


def load_seed():
    call_command("loaddata", str(SEEDS / "havana_times.json"), verbosity=0)


def seed_blocks() -> list[str]:
    """Every paragraph of the original text, in order, as a reader should see it.

    The comments in the text file are bullets ("  • ") whose further lines are
    indented by four spaces; a blank line between indented lines is a paragraph break
    inside the comment.
    """
    lines = (SEEDS / "havana_times.txt").read_text(encoding="utf-8").split("\n")
    blocks: list[str] = []
    in_comment = False
    for index, line in enumerate(lines):
        if line.startswith("  • "):
            blocks.append(line[4:])
            in_comment = True
        elif line.startswith("    ") and in_comment:
            previous_blank = lines[index - 1] == ""
            if previous_blank:
                blocks.append(line[4:])
            else:
                blocks[-1] += "\n" + line[4:]
        elif line:
            in_comment = False
            blocks.append(line)
    return blocks


class PageBlocks(HTMLParser):
    """The text of each block on the page (headings, paragraphs, captions), in order;
    a <br> inside a block becomes a newline."""

    BLOCKS = {"h1", "h2", "p", "figcaption"}

    def __init__(self):
        super().__init__()
        self.blocks: list[str] = []
        self.current: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        is_photo = tag == "div" and ("class", "story-photo") in attrs
        if tag in self.BLOCKS or is_photo:
            self.current = []
        elif tag == "br" and self.current is not None:
            self.current.append("\n")

    def handle_endtag(self, tag):
        if (tag in self.BLOCKS or tag == "div") and self.current is not None:
            self.blocks.append("".join(self.current).strip())
            self.current = None

    def handle_data(self, data):
        if self.current is not None:
            self.current.append(data)


def test_seed_loads_the_story_its_closed_thread_and_seven_comments():
    load_seed()

    article = Article.objects.get(slug=SLUG)
    assert article.title == "Cuba-USA Begin Talks on Jan. 21 to Normalize Relations"
    assert article.is_published
    assert not article.thread.is_open
    comments = list(Comment.objects.filter(thread=article.thread))
    assert len(comments) == 7
    assert all(c.status == Comment.Status.PUBLISHED and c.parent is None for c in comments)
    assert all(c.author is None and c.author_name == "Havana Times reader" for c in comments)


def test_loading_the_seed_again_duplicates_nothing():
    load_seed()
    load_seed()

    assert Article.objects.filter(slug=SLUG).count() == 1
    assert Thread.objects.filter(article__slug=SLUG).count() == 1
    assert Comment.objects.count() == 7


def test_seed_publication_date_lies_between_the_announcement_and_the_talks():
    load_seed()

    published = Article.objects.get(slug=SLUG).published_at
    assert "2014-12-17" <= published.date().isoformat() <= "2015-01-21"


def test_seed_page_reproduces_every_paragraph_of_the_original_in_order(client):
    load_seed()

    response = client.get(f"/articles/{SLUG}/")

    assert response.status_code == 200
    parser = PageBlocks()
    parser.feed(response.content.decode())
    page = parser.blocks
    expected = seed_blocks()
    # The original's count heading lost its closing quote in the copy; the page has it.
    heading = "7 thoughts on “Cuba-USA Begin Talks on Jan. 21 to Normalize Relations"
    expected[expected.index(heading)] = heading + "”"
    assert len(expected) == 1 + 2 + 15 + 1 + 9 + 1  # title, photo, story, heading, comments
    position = 0
    for block in expected:
        assert block in page[position:], f"missing or out of order: {block!r}"
        position = page.index(block, position) + 1


def test_seed_page_has_no_comment_form(client, reader):
    load_seed()
    client.force_login(reader)

    html = client.get(f"/articles/{SLUG}/").content.decode()

    assert "Comments are closed." in html
    assert 'id="commentform"' not in html


def test_loadseed_loads_once_and_then_leaves_the_story_alone(moderator):
    call_command("loadseed", verbosity=0)
    thread = Thread.objects.get(article__slug=SLUG)
    services.reopen_thread(thread, by=moderator)

    call_command("loadseed", verbosity=0)

    assert Thread.objects.get(article__slug=SLUG).is_open
    assert Comment.objects.count() == 7


def test_seed_comments_carry_their_rendered_html_and_the_thread_its_counts():
    load_seed()

    for comment in Comment.objects.all():
        assert comment.body_html == render_comment_body(comment.body)
    thread = Thread.objects.get(article__slug=SLUG)
    assert (thread.published_count, thread.root_count) == (7, 7)
