"""manage.py export_wxr: WordPress eXtended RSS 1.2 as WordPress's importer reads it."""

import datetime as dt
import html
import io
import xml.etree.ElementTree as ET

import pytest
from django.conf import settings
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError

from articles.models import Article
from forum import services
from forum.exporters import export_wxr
from forum.models import Comment

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
    assert channel.findtext("language") == "en-US"


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
    )
    (comment,) = comments_of(item_of(export(), article.slug))

    assert comment["comment_author"] == "Havana Times reader"
    assert comment["comment_author_email"] == "reader@example.org"
    assert comment["comment_author_url"] == "http://127.0.0.1/blog/"
    assert comment["comment_author_IP"] == ""


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


def test_replies_deeper_than_the_cap_keep_their_parents(article):
    parent = None
    chain = []
    for level in range(settings.FORUM_MAX_THREAD_DEPTH + 2):
        parent = CommentFactory(thread=article.thread, parent=parent, body=f"level {level}")
        chain.append(parent)
    comments = comments_of(item_of(export(), article.slug))

    assert [comment["comment_id"] for comment in comments] == [str(c.pk) for c in chain]
    assert [comment["comment_parent"] for comment in comments] == ["0"] + [
        str(c.pk) for c in chain[:-1]
    ]


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
    Article.objects.filter(pk=article.pk).update(title="Fish & chips ]]> <i>now</i>")
    text = export_text()
    item = item_of(ET.fromstring(text.encode()), article.slug)
    (comment,) = comments_of(item)

    # WordPress shows the escaped text as the reader typed it, and it reads back as such.
    assert comment["comment_content"] == html.escape(body, quote=False)
    assert html.unescape(comment["comment_content"]) == body
    assert item.findtext("title") == "Fish & chips ]]> <i>now</i>"
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

    assert comments["gone"]["meta"] == {"_forum_deleted_at": "2015-01-09T10:00:00+00:00"}
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


def test_comment_deleted_by_its_author_keeps_its_status_and_text(article, trusted_reader):
    comment = CommentFactory(thread=article.thread, author=trusted_reader, body="Oops.")
    services.delete_own_comment(comment, by=trusted_reader)
    (exported,) = comments_of(item_of(export(), article.slug))

    assert exported["comment_approved"] == "1"
    assert exported["comment_content"] == "Oops."
    assert "_forum_deleted_at" in exported["meta"]
