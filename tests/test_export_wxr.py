"""manage.py export_wxr: WordPress eXtended RSS 1.2 as WordPress's importer reads it."""

import datetime as dt
import html
import io
import re
import xml.etree.ElementTree as ET

import pytest
from django.conf import settings
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.urls import reverse

from articles.models import Article
from forum import services
from forum.exporters import export_wxr
from forum.importers.base import comment_text
from forum.models import Comment
from forum.threads import reply_parent

from .factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

NS = {
    "wp": "http://wordpress.org/export/1.2/",
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "wfw": "http://wellformedweb.org/CommentAPI/",
}
UTC = dt.UTC
JANUARY = dt.datetime(2015, 1, 8, 12, 0, tzinfo=UTC)  # Havana is UTC-5 then
JULY = dt.datetime(2015, 7, 1, 12, 30, 15, tzinfo=UTC)  # and UTC-4 (summer time) then


def export_text(**options) -> str:
    out = io.StringIO()
    call_command("export_wxr", stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def export(**options) -> ET.Element:
    """The export, parsed: the <rss> element."""
    return ET.fromstring(export_text(**options).encode("utf-8"))


def item_of(rss: ET.Element, slug: str) -> ET.Element:
    for item in rss.iterfind("channel/item"):
        if item.findtext("wp:post_name", namespaces=NS) == slug:
            return item
    raise AssertionError(f"no item for {slug}")


def comments_of(item: ET.Element) -> list[dict]:
    """Each wp:comment as a dict of its fields (without "wp:"), its meta under "meta"."""
    comments = []
    for element in item.iterfind("wp:comment", NS):
        fields = {child.tag.split("}")[1]: child.text or "" for child in element}
        fields["meta"] = {
            meta.findtext("wp:meta_key", namespaces=NS): meta.findtext(
                "wp:meta_value", namespaces=NS
            )
            for meta in element.iterfind("wp:commentmeta", NS)
        }
        comments.append(fields)
    return comments


def postmeta_of(item: ET.Element) -> dict[str, str]:
    return {
        meta.findtext("wp:meta_key", namespaces=NS): meta.findtext("wp:meta_value", namespaces=NS)
        for meta in item.iterfind("wp:postmeta", NS)
    }


def wp(item: ET.Element, name: str) -> str:
    return item.findtext(f"wp:{name}", namespaces=NS)


def test_export_is_wxr_1_2_with_the_namespaces_declared_on_rss(article):
    text = export_text()
    rss = ET.fromstring(text.encode())
    channel = rss.find("channel")

    assert rss.tag == "rss" and rss.get("version") == "2.0"
    # WordPress's SimpleXML parser reads the namespaces declared on the root element,
    # and its XML parser matches the prefixes as written.
    root_tag = text[text.index("<rss") : text.index(">", text.index("<rss"))]
    for prefix, uri in NS.items():
        assert f'xmlns:{prefix}="{uri}"' in root_tag
    assert "<!DOCTYPE" not in text  # WordPress refuses files with one
    assert wp(channel, "wxr_version") == "1.2"
    assert wp(channel, "base_site_url") == settings.FORUM_SITE_URL
    assert wp(channel, "base_blog_url") == settings.FORUM_SITE_URL
    assert channel.findtext("title") == "News Forum"
    assert channel.findtext("link") == settings.FORUM_SITE_URL
    assert channel.findtext("language") == "en"  # LANGUAGE_CODE


def test_article_item_has_every_field_wordpress_imports(moderator):
    article = ArticleFactory(
        title="Harbour reopens",
        slug="harbour-reopens",
        author=moderator,
        standfirst="Boats are back.",
        credit="Staff reporter",
        image_alt="Fishing boats",
        image_caption="The harbour at dawn.",
        body="First paragraph.\n\nSecond, line one.\nSecond, line two.",
        published_at=JANUARY,
    )
    item = item_of(export(), "harbour-reopens")

    assert item.findtext("title") == "Harbour reopens"
    assert item.findtext("link") == f"{settings.FORUM_SITE_URL}/articles/harbour-reopens/"
    assert item.findtext("pubDate") == "Thu, 08 Jan 2015 12:00:00 +0000"
    assert item.findtext("dc:creator", namespaces=NS) == moderator.username
    assert item.find("guid").get("isPermaLink") == "false"
    assert item.findtext("guid") == f"{settings.FORUM_SITE_URL}/?p={article.pk}"
    assert item.findtext("content:encoded", namespaces=NS) == (
        "<p>First paragraph.</p>\n\n<p>Second, line one.<br />\nSecond, line two.</p>"
    )
    assert item.findtext("excerpt:encoded", namespaces=NS) == "Boats are back."
    assert wp(item, "post_id") == str(article.pk)
    assert wp(item, "post_name") == "harbour-reopens"
    assert wp(item, "status") == "publish"
    assert wp(item, "post_type") == "post"
    assert wp(item, "comment_status") == "open"
    assert wp(item, "ping_status") == "closed"
    assert (wp(item, "post_parent"), wp(item, "menu_order"), wp(item, "is_sticky")) == (
        "0",
        "0",
        "0",
    )
    assert wp(item, "post_password") == ""  # present (findtext gives None if not) and empty
    assert postmeta_of(item) == {
        "_forum_standfirst": "Boats are back.",
        "_forum_credit": "Staff reporter",
        "_forum_image_alt": "Fishing boats",
        "_forum_image_caption": "The harbour at dawn.",
    }


def test_article_authors_are_listed_and_commenters_are_not(moderator, reader, article):
    ArticleFactory(author=moderator)
    CommentFactory(thread=article.thread, author=reader)
    authors = export().findall("channel/wp:author", NS)

    assert [wp(author, "author_login") for author in authors] == [moderator.username]
    assert wp(authors[0], "author_email") == moderator.email
    assert wp(authors[0], "author_display_name") == "Mo Moderator"
    assert wp(authors[0], "author_id") == str(moderator.pk)


def test_each_author_is_on_one_line_for_the_regex_parser(moderator):
    ArticleFactory(author=moderator)
    lines = [line for line in export_text().splitlines() if "<wp:author>" in line]

    assert len(lines) == 1 and lines[0].strip().endswith("</wp:author>")


def test_closed_thread_is_closed_with_its_closing_message(closed_thread):
    item = item_of(export(), "an-old-story")

    assert wp(item, "comment_status") == "closed"
    assert postmeta_of(item)["_forum_closing_message"] == "Archived after a year."


def test_drafts_are_exported_as_drafts_and_scheduled_articles_as_future(article):
    ArticleFactory(slug="a-draft", status=Article.Status.DRAFT)
    ArticleFactory(slug="tomorrow", published_at=dt.datetime.now(UTC) + dt.timedelta(days=1))
    rss = export()

    assert wp(item_of(rss, "a-draft"), "status") == "draft"
    assert wp(item_of(rss, "tomorrow"), "status") == "future"
    assert wp(item_of(rss, "harbour-reopens"), "status") == "publish"


def test_dates_are_in_the_site_zone_and_in_gmt(settings):
    settings.TIME_ZONE = "America/Havana"
    article = ArticleFactory(slug="havana", published_at=JANUARY)
    CommentFactory(thread=article.thread, created_at=JULY)
    item = item_of(export(), "havana")
    (comment,) = comments_of(item)

    assert wp(item, "post_date") == "2015-01-08 07:00:00"
    assert wp(item, "post_date_gmt") == "2015-01-08 12:00:00"
    assert item.findtext("pubDate") == "Thu, 08 Jan 2015 12:00:00 +0000"
    assert comment["comment_date"] == "2015-07-01 08:30:15"
    assert comment["comment_date_gmt"] == "2015-07-01 12:30:15"
    assert wp(item, "post_modified_gmt") == article.updated_at.astimezone(UTC).strftime(
        "%Y-%m-%d %H:%M:%S"
    )


def test_comment_by_a_user_has_their_public_name_and_email(article):
    user = UserFactory(username="tom", display_name="Tom T.", email="tom@example.org")
    CommentFactory(thread=article.thread, author=user, body="Hello.", ip_address="127.0.0.1")
    (comment,) = comments_of(item_of(export(), article.slug))

    assert comment["comment_author"] == "Tom T."
    assert comment["comment_author_email"] == "tom@example.org"
    assert comment["comment_author_IP"] == "127.0.0.1"
    assert comment["comment_user_id"] == "0"
    assert comment["comment_content"] == "Hello."


def test_comment_without_a_user_keeps_its_imported_author(article):
    CommentFactory(
        thread=article.thread,
        author=None,
        author_name="Havana Times reader",
        author_email="reader@example.org",
        author_url="http://127.0.0.1/blog/",
        user_agent="Mozilla/5.0",
    )
    (comment,) = comments_of(item_of(export(), article.slug))

    assert comment["comment_author"] == "Havana Times reader"
    assert comment["comment_author_email"] == "reader@example.org"
    assert comment["comment_author_url"] == "http://127.0.0.1/blog/"
    assert comment["comment_author_IP"] == ""
    assert comment["comment_agent"] == "Mozilla/5.0"  # for our importer; WordPress skips it


def test_every_status_and_kind_has_its_wordpress_value(article):
    for status in Comment.Status:
        CommentFactory(thread=article.thread, status=status, body=status)
    CommentFactory(thread=article.thread, kind=Comment.Kind.PINGBACK, body="pingback")
    CommentFactory(thread=article.thread, kind=Comment.Kind.TRACKBACK, body="trackback")
    comments = comments_of(item_of(export(), article.slug))
    by_body = {comment["comment_content"]: comment for comment in comments}

    assert {body: by_body[body]["comment_approved"] for body in Comment.Status.values} == {
        "pending": "0",
        "published": "1",
        "spam": "spam",
        "removed": "trash",
    }
    assert by_body["published"]["comment_type"] == ""
    assert by_body["pingback"]["comment_type"] == "pingback"
    assert by_body["trackback"]["comment_type"] == "trackback"


def test_replies_at_the_cap_are_exported_where_they_are_stored(article):
    chain = []
    for _ in range(settings.FORUM_MAX_THREAD_DEPTH):
        chain.append(CommentFactory(thread=article.thread, parent=chain[-1] if chain else None))
    reply = services.post_comment(
        thread=article.thread, author=UserFactory(), body="Deeper", parent=chain[-1]
    )
    comments = comments_of(item_of(export(), article.slug))

    parents = {comment["comment_id"]: comment["comment_parent"] for comment in comments}
    assert parents[str(reply.pk)] == str(chain[-2].pk)  # beside the comment at the cap
    assert parents[str(chain[-1].pk)] == str(chain[-2].pk)


def test_a_reply_with_a_smaller_id_than_its_parent_comes_after_it(article):
    reply = CommentFactory(thread=article.thread, body="the reply")
    parent = CommentFactory(thread=article.thread, body="the parent")
    Comment.objects.filter(pk=reply.pk).update(parent=parent, root=parent)
    comments = comments_of(item_of(export(), article.slug))

    assert [comment["comment_content"] for comment in comments] == ["the parent", "the reply"]
    assert comments[1]["comment_parent"] == str(parent.pk)


def test_comment_text_is_escaped_whatever_it_holds(article):
    body = "<script>alert('x')</script> ]]> Tom & Jerry <b>bold</b> 🎉 שלום"
    CommentFactory(thread=article.thread, body=body)
    title = "Fish &amp; chips <i>now</i>"
    Article.objects.filter(pk=article.pk).update(title=title, standfirst="Queue ]]> lunch")
    text = export_text()
    item = item_of(ET.fromstring(text.encode()), article.slug)
    (comment,) = comments_of(item)

    # WordPress shows the escaped text as the reader typed it, and it reads back as such.
    assert comment["comment_content"] == html.escape(body, quote=False)
    assert html.unescape(comment["comment_content"]) == body
    assert item.findtext("title") == html.escape(title, quote=False)
    assert "<script>" not in text
    # "]]>" cannot end a CDATA section early: WordPress's own split.
    assert "]]]]><![CDATA[>" in text


def test_characters_xml_cannot_carry_are_dropped(article):
    CommentFactory(thread=article.thread, body="form\x0cfeed and bell\x07")
    (comment,) = comments_of(item_of(export(), article.slug))

    assert comment["comment_content"] == "formfeed and bell"


def test_deleted_and_edited_comments_say_so_in_comment_meta(article):
    deleted_at = dt.datetime(2015, 1, 9, 10, 0, tzinfo=UTC)
    edited_at = dt.datetime(2015, 1, 9, 11, 0, 30, tzinfo=UTC)
    CommentFactory(thread=article.thread, body="gone", deleted_at=deleted_at)
    CommentFactory(thread=article.thread, body="changed", edited_at=edited_at)
    CommentFactory(thread=article.thread, body="plain")
    comments = {c["comment_content"]: c for c in comments_of(item_of(export(), article.slug))}

    assert comments["gone"]["meta"] == {
        "_forum_deleted_at": "2015-01-09T10:00:00+00:00",
        "_forum_status": "published",
    }
    assert comments["changed"]["meta"] == {"_forum_edited_at": "2015-01-09T11:00:30+00:00"}
    assert comments["plain"]["meta"] == {}


def test_article_option_exports_only_that_article(article, closed_thread):
    items = export(article="an-old-story").findall("channel/item")

    assert [wp(item, "post_name") for item in items] == ["an-old-story"]


def test_article_option_lists_only_that_articles_author(moderator, reader):
    ArticleFactory(slug="mine", author=moderator)
    ArticleFactory(slug="theirs", author=reader)
    authors = export(article="mine").findall("channel/wp:author", NS)

    assert [wp(author, "author_login") for author in authors] == [moderator.username]


def test_unknown_article_is_a_clear_error():
    with pytest.raises(CommandError, match="No article has the slug “nope”"):
        export_text(article="nope")


def test_unknown_article_exits_non_zero_without_a_traceback(capsys):
    with pytest.raises(SystemExit) as exit_status:
        execute_from_command_line(["manage.py", "export_wxr", "--article", "nope"])

    assert exit_status.value.code == 1
    error = capsys.readouterr().err
    assert "No article has the slug “nope”" in error
    assert "Traceback" not in error


def test_summary_goes_to_stderr_and_the_file_alone_to_stdout(article):
    CommentFactory(thread=article.thread)
    out, err = io.StringIO(), io.StringIO()
    call_command("export_wxr", stdout=out, stderr=err)

    assert err.getvalue() == "Exported 1 article and 1 comment.\n"
    assert out.getvalue().startswith('<?xml version="1.0" encoding="UTF-8" ?>')
    assert out.getvalue().endswith("</rss>\n")


def test_export_is_written_comment_by_comment_with_few_queries(
    article, django_assert_max_num_queries
):
    for number in range(30):
        CommentFactory(thread=article.thread, author=UserFactory(), body=f"comment {number}")
    parts = []
    # The authors, the articles (with author and thread), the comments (with authors).
    with django_assert_max_num_queries(3):
        counts = export_wxr(write=parts.append)

    assert (counts.articles, counts.comments) == (1, 30)
    assert len(parts) > 30  # streamed, not built whole
    assert "".join(parts).count("<wp:comment>") == 30


def test_comment_deleted_by_its_author_goes_to_wordpress_trash_with_our_status(
    article, trusted_reader
):
    comment = CommentFactory(thread=article.thread, author=trusted_reader, body="Oops.")
    services.delete_own_comment(comment, by=trusted_reader)
    (exported,) = comments_of(item_of(export(), article.slug))

    assert exported["comment_approved"] == "trash"  # WordPress would otherwise show it
    assert exported["comment_content"] == "Oops."  # its moderators still see it
    assert exported["meta"]["_forum_status"] == "published"
    assert "_forum_deleted_at" in exported["meta"]


@pytest.mark.parametrize(
    ("take_down", "before", "meta"),
    [("remove", "published", "1"), ("mark_spam", "published", "1"), ("remove", "pending", "0")],
)
def test_a_comment_taken_down_says_where_wordpress_restores_it(
    article, moderator, take_down, before, meta
):
    comment = CommentFactory(thread=article.thread, status=before)
    getattr(services, take_down)(comment, by=moderator)
    (exported,) = comments_of(item_of(export(), article.slug))

    assert exported["comment_approved"] == ("trash" if take_down == "remove" else "spam")
    assert exported["meta"]["_wp_trash_meta_status"] == meta


# Round trips: our own export imported into an empty forum gives the same pages.
#
# What is compared is the page a reader gets (the story and the whole comment section,
# as HTML) with two things normalised. Comment ids, which the import gives anew: they are
# numbered by their first appearance on the page (in ids, permalinks and reply links),
# so that a comment moved, dropped, re-nested or re-ordered still shows as a difference.
# And fractions of a second in datetime attributes: WXR carries times to the second
# (WordPress's "YYYY-MM-DD HH:MM:SS"); pages show the minute. Comparing the HTML rather
# than the visible text also compares the nesting (<ol class="children">, the depth
# classes), "edited", "[comment deleted]", the times and the closed state with its
# message. What readers cannot see (pending, spam and removed comments, the moderators'
# fields) is compared on the stored rows.

SEED_SLUG = "cuba-usa-begin-talks-on-jan-21-to-normalize-relations"
COMMENT_ID = re.compile(r'(comment-|/c/|replyto=|data-comment-id=")(\d+)')
FRACTION_OF_A_SECOND = re.compile(r'(datetime="[^"]*:\d\d)\.\d+')


def reader_page(client, slug: str) -> str:
    """The page's <main> with the whole thread, as an anonymous reader gets it, comment
    ids numbered by order of appearance."""
    response = client.get(reverse("articles:detail", args=[slug]), {"cpage": "all"})
    assert response.status_code == 200
    page = response.content.decode()
    main = page[page.index("<main") : page.index("</main>")]
    numbers: dict[str, int] = {}

    def renumber(match) -> str:
        return match[1] + str(numbers.setdefault(match[2], len(numbers) + 1))

    return FRACTION_OF_A_SECOND.sub(r"\1", COMMENT_ID.sub(renumber, main))


def stored(slug: str) -> dict:
    """What the forum holds of an article and its comments, ids left out: each comment
    in thread order, with the position of its parent in that order."""
    article = Article.objects.select_related("thread").get(slug=slug)
    thread = article.thread
    comments = list(
        Comment.objects.filter(thread=thread).select_related("author").order_by("created_at", "pk")
    )
    position = {comment.pk: number for number, comment in enumerate(comments)}
    return {
        "article": [
            getattr(article, name)
            for name in ("title", "body", "standfirst", "credit", "image_alt", "image_caption")
        ]
        + [article.is_published, article.published_at.replace(microsecond=0)],
        "thread": [
            thread.status,
            thread.closing_message,
            thread.published_count,
            thread.root_count,
        ],
        "comments": [
            {
                "parent": position.get(comment.parent_id),
                "root": position.get(comment.root_id),
                "author": comment.author_display_name,
                "account": comment.author_id,
                "body": comment.body,
                "body_html": comment.body_html,
                "status": comment.status,
                "kind": comment.kind,
                "created_at": comment.created_at.replace(microsecond=0),
                "edited_at": comment.edited_at,
                "deleted_at": comment.deleted_at,
                "ip_address": comment.ip_address,
                "author_url": comment.author_url,
                # The import also copies an account's address onto the comment.
                "email": comment.author.email if comment.author_id else comment.author_email,
                "user_agent": comment.user_agent,
            }
            for comment in comments
        ],
    }


def export_then_import_into_an_empty_forum(tmp_path, **options) -> str:
    """Export, delete every article (their threads and comments go with them), import
    the file back; returns import_wxr's report."""
    path = tmp_path / "export.xml"
    path.write_text(export_text(**options), encoding="utf-8")
    Article.objects.all().delete()
    assert not Comment.objects.exists()
    report = io.StringIO()
    call_command("import_wxr", str(path), stdout=report, stderr=io.StringIO())
    return report.getvalue()


def test_seed_story_exported_and_imported_back_gives_the_same_page(client, tmp_path):
    call_command("loadseed", verbosity=0)
    page_before, stored_before = reader_page(client, SEED_SLUG), stored(SEED_SLUG)

    export_then_import_into_an_empty_forum(tmp_path)

    assert "Comments are closed." in page_before and page_before.count('id="comment-') == 7
    assert reader_page(client, SEED_SLUG) == page_before
    assert stored(SEED_SLUG) == stored_before


@pytest.fixture
def rich_thread(db, settings, reader, trusted_reader):
    """An article whose thread has what a WordPress round trip could lose: replies to
    comments at the cap (stored beside them, as posting does), every status, a comment
    its author deleted with a reply below it (and one without), an edited one, a
    commenter without an account, a pingback-free mix of markup-looking text, and two
    comments written in the same second."""
    # Confirmed addresses, so that the import gives the readers their comments back.
    for user in (reader, trusted_reader):
        user.email_confirmed_at = JANUARY
        user.save(update_fields=["email_confirmed_at"])
    settings.TIME_ZONE = "America/Havana"
    article = ArticleFactory(
        title="Fish & chips 🎉 at the harbour",
        slug="fish-and-chips",
        standfirst="The stall & its queue.",
        credit="Staff reporter",
        image_alt="A paper cone",
        image_caption="Lunch, <by the sea>.",
        body="First paragraph & more.\n\nSecond, line one.\nSecond, line two.",
        published_at=JANUARY,
    )
    thread = article.thread
    at = iter(JANUARY + dt.timedelta(minutes=minute) for minute in range(1, 100))

    def comment(**fields):
        fields.setdefault("author", reader)
        return CommentFactory(thread=thread, created_at=next(at), **fields)

    first = comment(body="Top of the deep chain.\nWith a second line.")
    parent = first
    for level in range(2, settings.FORUM_MAX_THREAD_DEPTH + 4):
        author = trusted_reader if level % 2 else reader
        parent = comment(parent=reply_parent(parent), author=author, body=f"Reply at {level}.")
    comment(parent=first, body="A second reply to the top, after the chain.")
    comment(
        author=None,
        author_name="Old Reader",
        author_email="old@example.org",
        author_url="http://127.0.0.1/old/",
        ip_address="127.0.0.1",
        user_agent="Mozilla/5.0 (X11; Linux x86_64)",
        body="<script>alert('x')</script> ]]> Tom & Jerry",
    )
    same_second = next(at)
    CommentFactory(thread=thread, author=reader, created_at=same_second, body="Same second, first.")
    CommentFactory(
        thread=thread, author=reader, created_at=same_second, body="Same second, second."
    )
    comment(status=Comment.Status.PENDING, body="Waiting for a moderator.", reason="first comment")
    comment(status=Comment.Status.SPAM, body="Cheap watches.", reason="spam")
    removed_parent = comment(body="Will lose a reply.")
    comment(parent=removed_parent, status=Comment.Status.REMOVED, body="Rude.", reason="abuse")
    taken_back = comment(author=trusted_reader, body="I take this back.")
    comment(parent=taken_back, body="Too late, I read it.")
    services.delete_own_comment(taken_back, by=trusted_reader)
    alone = comment(author=trusted_reader, body="Deleted, nobody answered.")
    services.delete_own_comment(alone, by=trusted_reader)
    edited = comment(body="Edited text.")
    Comment.objects.filter(pk=edited.pk).update(
        edited_at=edited.created_at + dt.timedelta(minutes=3)
    )
    services.refresh_thread(thread.pk)
    return article


def test_rich_thread_exported_and_imported_back_gives_the_same_page(
    client, tmp_path, rich_thread, moderator
):
    slug = rich_thread.slug
    page_before, stored_before = reader_page(client, slug), stored(slug)

    export_then_import_into_an_empty_forum(tmp_path)

    page_after = reader_page(client, slug)
    assert page_after == page_before
    assert stored(slug) == stored_before
    # What the page shows, so that the comparison above compares something.
    assert "[comment deleted]" in page_after and "Deleted, nobody answered." not in page_after
    assert f"depth-{settings.FORUM_MAX_THREAD_DEPTH}" in page_after
    assert "&lt;script&gt;" in page_after and "<script>" not in page_after
    assert 'class="comment-edited' in page_after
    assert "Waiting for a moderator." not in page_after


def test_a_second_import_of_the_same_export_adds_nothing(tmp_path, rich_thread):
    export_then_import_into_an_empty_forum(tmp_path)
    articles, comments = Article.objects.count(), Comment.objects.count()

    call_command(
        "import_wxr", str(tmp_path / "export.xml"), stdout=io.StringIO(), stderr=io.StringIO()
    )

    assert (Article.objects.count(), Comment.objects.count()) == (articles, comments)


def test_article_author_comes_back_after_a_round_trip(client, tmp_path, moderator):
    ArticleFactory(slug="by-mo", author=moderator)
    page_before = reader_page(client, "by-mo")

    export_then_import_into_an_empty_forum(tmp_path)

    assert reader_page(client, "by-mo") == page_before


def test_closed_thread_comes_back_closed_with_its_message(client, tmp_path, closed_thread):
    CommentFactory(thread=closed_thread, author__confirmed=True, body="Said before it closed.")
    slug = closed_thread.article.slug
    page_before, stored_before = reader_page(client, slug), stored(slug)

    export_then_import_into_an_empty_forum(tmp_path)

    page_after = reader_page(client, slug)
    assert page_after == page_before
    assert stored(slug) == stored_before
    assert "Comments are closed." in page_after and "Archived after a year." in page_after


def test_html_comment_keeps_its_link_and_paragraphs_after_a_round_trip(client, tmp_path, article):
    # As an import of WordPress HTML stores it: its own body_html, with the link.
    body, body_html = comment_text(
        '<p>See <a href="https://example.org/report">the report</a>.</p><p>Second one.</p>'
    )
    CommentFactory(thread=article.thread, author__confirmed=True, body=body, body_html=body_html)
    CommentFactory(
        thread=article.thread,
        author__confirmed=True,
        body="Plain, with https://example.org/plain in it.",
    )
    page_before, stored_before = reader_page(client, article.slug), stored(article.slug)

    export_then_import_into_an_empty_forum(tmp_path)

    page_after = reader_page(client, article.slug)
    assert page_after == page_before
    assert stored(article.slug) == stored_before
    assert (
        '<p>See <a href="https://example.org/report" rel="nofollow ugc">the report</a>.</p>'
        "\n\n<p>Second one.</p>"
    ) in page_after
    assert 'href="https://example.org/plain"' in page_after


def test_title_with_markup_and_entities_comes_back_as_typed(client, tmp_path, article):
    Article.objects.filter(pk=article.pk).update(title="Tom &amp; Jerry's <i>day</i> & night")
    page_before = reader_page(client, article.slug)

    export_then_import_into_an_empty_forum(tmp_path)

    assert Article.objects.get().title == "Tom &amp; Jerry's <i>day</i> & night"
    assert reader_page(client, article.slug) == page_before


def test_pingbacks_come_back_as_pingbacks_with_pingbacks_kept(tmp_path, article):
    CommentFactory(thread=article.thread, author=None, kind=Comment.Kind.PINGBACK, body="Linked.")
    path = tmp_path / "export.xml"
    path.write_text(export_text(), encoding="utf-8")
    Article.objects.all().delete()

    call_command("import_wxr", str(path), "--with-pingbacks", stdout=io.StringIO())

    assert list(Comment.objects.values_list("kind", "body")) == [("pingback", "Linked.")]


@pytest.mark.parametrize("take_down", ["remove", "mark_spam"])
def test_a_comment_taken_down_is_restored_to_what_it_was_after_a_round_trip(
    client, tmp_path, article, moderator, take_down
):
    comment = CommentFactory(thread=article.thread, body="Taken down, then wanted back.")
    getattr(services, take_down)(comment, by=moderator)

    export_then_import_into_an_empty_forum(tmp_path)

    imported = Comment.objects.get(body="Taken down, then wanted back.")
    services.restore(imported, by=UserFactory(is_staff=True, is_superuser=True))
    imported.refresh_from_db()
    assert imported.status == Comment.Status.PUBLISHED
    assert "Taken down, then wanted back." in reader_page(client, article.slug)
