"""Importing WordPress exports (manage.py import_wxr), as an editor moving a site in sees it:
the stored articles and comments, the article pages, the report, the errors."""

import datetime as dt
import html
import io
from pathlib import Path

import psycopg
import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import DataError
from django.urls import reverse

from articles.models import Article
from forum import email_confirmation
from forum.importers import writer
from forum.models import Comment, ModerationEvent, Thread
from forum.rendering import render_comment_body

from .factories import UserFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
POST = "wordpress:https://news.example.org:10"
UTC = dt.UTC


def run(*files, **options) -> str:
    out = io.StringIO()
    call_command("import_wxr", *[str(DATA / name) for name in files], stdout=out, **options)
    return out.getvalue()


def comment(key: str) -> Comment:
    return Comment.objects.get(source_id=f"{POST}:{key}")


@pytest.fixture
def ann(db):
    """A reader whose confirmed address an archived commenter used."""
    return UserFactory(
        username="ann", display_name="Ann A.", email="ann@example.org", confirmed=True
    )


@pytest.fixture
def imported(ann) -> str:
    return run("wordpress-1.2.xml")


def article_page(client, slug: str) -> str:
    """The article page with its whole thread (a page shows the first replies only)."""
    response = client.get(reverse("articles:detail", kwargs={"slug": slug}), {"cpage": "all"})
    assert response.status_code == 200
    return response.content.decode()


# Articles


def test_published_post_becomes_a_published_article_with_our_paragraphs(imported):
    article = Article.objects.get(source_id=POST)

    assert article.is_published
    assert article.slug == "harbour-reopens"
    assert article.title == "Harbour reopens — café owners cheer 🎉"
    assert article.source_url == "https://news.example.org/?p=10"
    assert article.published_at == dt.datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    assert article.standfirst == "Boats are back."
    assert article.paragraphs == [
        "The harbour reopened on Friday & the boats came back. Café owners cheered.",
        "Second paragraph, with a\nline break.",
        "Plain paragraph written in the editor: مرحبا بالعالم, e\u0301te\u0301, 👩‍👩‍👧 ✨",
    ]


def test_scripts_styles_and_handlers_of_a_post_are_dropped(imported, client):
    article = Article.objects.get(source_id=POST)

    assert "alert" not in article.body
    assert "color: red" not in article.body
    assert "onclick" not in article.body
    assert "stolen" not in article_page(client, "harbour-reopens")


def test_drafts_pending_private_and_future_posts_become_drafts_and_are_counted(imported):
    drafts = Article.objects.filter(status=Article.Status.DRAFT)

    assert set(drafts.values_list("source_id", flat=True)) == {
        f"wordpress:https://news.example.org:{post}" for post in (30, 40, 41, 42, 43)
    }
    assert "3 published, 5 as drafts" in imported
    assert "“private”" in Article.objects.get(slug="private-notes").source_note


def test_password_protected_post_is_a_draft_with_a_note_and_never_shown(imported, client):
    article = Article.objects.get(slug="members-only")

    assert article.status == Article.Status.DRAFT
    assert "password-protected" in article.source_note
    assert client.get(article.get_absolute_url()).status_code == 404


def test_attachments_and_menu_items_are_skipped_and_counted(imported):
    assert not Article.objects.filter(title="harbour.jpg").exists()
    assert Article.objects.count() == 8
    assert "1 item of type “attachment”" in imported
    assert "1 item of type “nav_menu_item”" in imported


def test_slugs_are_made_unique_and_fall_back_to_the_title(imported):
    assert Article.objects.get(title="About the harbour").slug == "harbour-reopens-2"
    assert Article.objects.get(title="A draft").slug == "a-draft"


def test_closed_post_gets_a_closed_thread_and_open_one_an_open_thread(imported):
    closed = Article.objects.get(slug="closed-story").thread
    assert closed.status == Thread.Status.CLOSED
    assert closed.status_changed_at is not None  # the admin's "closed since" reads it
    assert ModerationEvent.objects.get(thread=closed).action == "close thread"
    assert Article.objects.get(slug="harbour-reopens").thread.status == Thread.Status.OPEN


def test_gmt_date_of_zeros_falls_back_to_the_local_date_in_the_site_zone(ann, settings):
    settings.TIME_ZONE = "Europe/Madrid"

    run("wordpress-1.2.xml")

    article = Article.objects.get(slug="closed-story")
    assert article.published_at == dt.datetime(2024, 2, 1, 11, 0, tzinfo=UTC)
    repeated = Comment.objects.get(source_id="wordpress:https://news.example.org:20:1")
    assert repeated.created_at == dt.datetime(2024, 2, 2, 7, 30, tzinfo=UTC)


# Comments


def test_article_page_shows_published_comments_threaded_and_nothing_else(imported, client):
    page = article_page(client, "harbour-reopens")

    assert "First! Tom &amp; Jerry &lt;3 “quoted”" in page
    assert "Reply at depth 7." in page
    assert "Look" in page
    for hidden in ("Held for a moderator.", "Buy cheap pills", "Binned words.", "linked from"):
        assert hidden not in page
    assert "<script>alert" not in page
    assert 'href="javascript' not in page


def test_article_page_shows_no_private_field_of_imported_commenters(imported, client):
    page = article_page(client, "harbour-reopens")

    for private in ("ANN@Example.ORG", "ann@example.org", "ann.example.org", "Firefox/123.0"):
        assert private not in page
    assert "127.0.0.1" not in page


def test_replies_deeper_than_the_cap_are_stored_at_the_cap(imported, client):
    # 6 and 7 answer the comments at depths 5 and 6: they go beside 5, under 4, where
    # posting them here would have put them and where the page shows them.
    assert comment("6").parent == comment("7").parent == comment("4")
    assert comment("7").root == comment("1")
    assert "2 replies nested deeper than 5 levels are stored at the last level" in imported
    page = article_page(client, "harbour-reopens")
    assert 'class="comment depth-5"' in page
    assert "depth-6" not in page


def test_every_wordpress_status_is_kept(imported):
    assert comment("1").status == Comment.Status.PUBLISHED
    assert comment("8").status == Comment.Status.PENDING
    assert comment("9").status == Comment.Status.SPAM
    assert comment("11").status == Comment.Status.REMOVED
    assert "4 pending" not in imported
    assert "1 pending, 12 published, 1 spam, 1 removed" in imported


def test_author_details_are_trimmed_and_kept_for_moderators(imported):
    first = comment("1")

    assert first.author_name == "Ann Archive"
    assert first.author_email == "ANN@Example.ORG"
    assert first.author_url == "https://ann.example.org"
    assert first.ip_address == "127.0.0.1"
    assert first.user_agent == "Mozilla/5.0 (X11; Linux x86_64) Firefox/123.0"
    assert first.created_at == dt.datetime(2024, 3, 1, 11, 0, tzinfo=UTC)


def test_commenter_is_matched_to_the_account_with_their_email_ignoring_case(imported, ann):
    assert comment("1").author == ann


def test_other_commenters_keep_their_name_and_get_no_account(ann):
    users_before = type(ann).objects.count()

    run("wordpress-1.2.xml")

    assert type(ann).objects.count() == users_before
    assert comment("8").author is None
    assert comment("8").author_display_name == "Pat Pending"


@pytest.fixture
def squatter(db):
    """Someone who signed up with Ann's address before the import. They cannot confirm
    it: the link goes to Ann's mailbox."""
    return UserFactory(username="squatter", email="ann@example.org")


def test_account_that_did_not_confirm_the_address_gets_no_archived_comment(
    squatter, client, settings
):
    settings.FORUM_SITE_URL = "https://forum.example.org"  # 127.0.0.1 is the archived IP

    run("wordpress-1.2.xml")

    assert comment("1").author is None
    assert comment("1").author_display_name == "Ann Archive"
    client.force_login(squatter)
    download = client.get(reverse("forum:account-data"))
    assert download.json()["comments"] == []
    assert "127.0.0.1" not in download.content.decode()
    assert "ann.example.org" not in download.content.decode()


def test_confirmed_account_wins_over_an_older_unconfirmed_one(squatter, ann):
    run("wordpress-1.2.xml")

    assert comment("1").author == ann


def test_confirming_the_address_after_the_import_claims_the_archived_comment(squatter, client):
    run("wordpress-1.2.xml")
    token = email_confirmation.confirmation_token(squatter)

    response = client.post(reverse("forum:confirm-email", args=[token]))

    assert "1 comment you wrote under this address" in response.content.decode()
    assert comment("1").author == squatter


def test_with_claiming_off_no_account_gets_archived_comments_now_or_later(
    settings, squatter, ann, client
):
    settings.FORUM_CLAIM_IMPORTED_COMMENTS = False

    run("wordpress-1.2.xml")

    assert comment("1").author is None  # ann confirmed the address, yet gets nothing
    assert comment("1").author_display_name == "Ann Archive"
    token = email_confirmation.confirmation_token(squatter)
    response = client.post(reverse("forum:confirm-email", args=[token]))
    assert response.status_code == 200
    assert "comment you wrote under this address" not in response.content.decode()
    assert comment("1").author is None


def test_staff_account_gets_the_archived_comments_of_its_address_unconfirmed(db):
    journalist = UserFactory(username="ann", email="ann@example.org", is_staff=True)

    run("wordpress-1.2.xml")

    assert comment("1").author == journalist


def test_pingbacks_and_trackbacks_are_skipped_and_counted(imported):
    assert not Comment.objects.filter(source_id__in=[f"{POST}:12", f"{POST}:15"]).exists()
    assert "2 pingbacks and trackbacks" in imported


def test_with_pingbacks_they_are_kept_and_marked(ann):
    run("wordpress-1.2.xml", with_pingbacks=True)

    assert comment("12").kind == Comment.Kind.PINGBACK
    assert comment("15").kind == Comment.Kind.TRACKBACK
    assert comment("1").kind == Comment.Kind.COMMENT


def test_comment_whose_parent_is_missing_becomes_top_level_and_is_reported(imported):
    orphan = comment("13")

    assert orphan.parent is None and orphan.root is None
    assert "1 comment whose parent is missing became top-level" in imported
    assert f"{POST}:13" in imported


def test_comment_ids_repeated_across_posts_are_kept_apart(imported):
    keys = {
        "wordpress:https://news.example.org:10:1": "harbour-reopens",
        "wordpress:https://news.example.org:20:1": "closed-story",
        "wordpress:https://news.example.org:30:1": "members-only",
    }
    for key, slug in keys.items():
        assert Comment.objects.get(source_id=key).thread.article.slug == slug


def test_plain_text_comment_is_the_unescaped_text_rendered_as_ours(imported):
    first = comment("1")

    expected = html.unescape(
        "First! Tom &amp; Jerry &lt;3 &#8220;quoted&#8221;\n\nSecond paragraph."
    )
    assert first.body == expected
    assert first.body_html == render_comment_body(expected)


def test_html_comment_keeps_its_link_and_loses_scripts_and_handlers(imported):
    html_comment = comment("14")

    assert html_comment.body == "Look here and there"
    assert 'href="https://example.org/x"' in html_comment.body_html
    assert 'rel="nofollow ugc"' in html_comment.body_html
    for unsafe in ("onclick", "javascript", "<script", "alert"):
        assert unsafe not in html_comment.body_html


def test_emoji_right_to_left_text_and_combining_marks_survive(imported, client):
    arabic = comment("16")

    assert arabic.body == "نص عربي مع e\u0301 وإيموجي 🎉"
    assert arabic.author_name == "رائد"
    assert "نص عربي مع e\u0301 وإيموجي 🎉" in article_page(client, "harbour-reopens")


def test_threads_are_recounted_once_imported(imported):
    thread = Article.objects.get(slug="harbour-reopens").thread

    counted = Comment.objects.filter(thread=thread).counted()
    assert thread.published_count == counted.count() == 10
    assert thread.root_count == counted.filter(parent__isnull=True).count() == 4


def test_imported_comments_send_no_mail_and_meet_no_moderation_rule(ann, mailoutbox):
    ann.banned = True
    ann.save()

    run("wordpress-1.2.xml")

    assert comment("1").status == Comment.Status.PUBLISHED
    assert comment("1").first_published_at == comment("1").created_at
    assert mail.outbox == []
    assert not ModerationEvent.objects.exclude(action="close thread").exists()


# Running again


def test_second_run_adds_nothing_and_says_so(imported):
    before = (Article.objects.count(), Comment.objects.count())

    again = run("wordpress-1.2.xml")

    assert (Article.objects.count(), Comment.objects.count()) == before
    assert "8 already imported" in again
    assert "15 already imported" in again
    assert "Nothing new" in again


def test_later_export_adds_only_new_comments_under_the_stored_ones(imported):
    later = run("wordpress-1.2-later.xml")

    late = comment("17")
    assert late.parent == comment("4")  # it answers 7, stored at the cap under 4
    assert late.root == comment("1")
    assert comment("18").parent is None
    assert Article.objects.filter(source_id=POST).count() == 1
    assert "2 imported" in later
    assert "1 already imported" in later


# Other versions of the format


def test_wxr_1_1_with_the_http_namespace_plain_text_and_entities():
    out = run("wordpress-1.1-http.xml")

    article = Article.objects.get(source_id="wordpress:http://old.example.com:5")
    assert article.title == "Tom & Jerry\u2019s day out"
    assert article.paragraphs == ["Hello & welcome.", "Two paragraphs."]
    assert article.published_at == dt.datetime(2012, 5, 1, 7, 0, tzinfo=UTC)
    imported_comment = article.thread.comments.get()
    assert imported_comment.author_name == "José García"
    assert imported_comment.body == "Fish & chips ☕"
    assert imported_comment.ip_address == "::1"
    assert "1 published" in out


def test_wxr_1_0_is_read_too():
    run("wordpress-1.0.xml")

    assert Article.objects.get(source_id="wordpress:http://older.example.com:5").is_published


# Text as the newsroom wrote it


@pytest.mark.parametrize(
    "title",
    [
        # WordPress keeps titles as HTML: entities in CDATA, or escaped once more outside it.
        "<![CDATA[Tom &amp; Jerry&#8217;s &quot;day&quot; <b>out</b>]]>",
        "Tom &amp;amp; Jerry&amp;#8217;s &amp;quot;day&amp;quot; &lt;b&gt;out&lt;/b&gt;",
    ],
)
def test_entities_and_tags_in_a_title_become_the_text_they_stand_for(tmp_path, client, title):
    call_command(
        "import_wxr", str(write(tmp_path, small_export(title=title))), stdout=io.StringIO()
    )

    assert Article.objects.get().title == 'Tom & Jerry’s "day" out'
    page = article_page(client, "small")
    assert "Tom &amp; Jerry’s &quot;day&quot; out</h1>" in page
    assert "&amp;amp;" not in page and "#8217" not in page


def import_comment(tmp_path, content: str) -> Comment:
    path = write(tmp_path, small_export(content=f"<![CDATA[{content}]]>"))
    call_command("import_wxr", str(path), stdout=io.StringIO())
    return Comment.objects.get()


def comment_on_page(client) -> str:
    page = article_page(client, "small")
    start = page.index('<div class="comment-content">') + len('<div class="comment-content">')
    return page[start : page.index("</div>", start)]


def test_html_comment_paragraphs_show_as_paragraphs_with_their_link(tmp_path, client):
    stored = import_comment(tmp_path, '<p>one</p>\n<p>two <a href="http://x.example/">x</a></p>')

    assert comment_on_page(client) == (
        '<p>one</p>\n\n<p>two <a href="http://x.example/" rel="nofollow ugc">x</a></p>'
    )
    assert stored.body == "one\n\ntwo x"


def test_html_comment_breaks_blank_lines_and_blocks_make_lines_and_paragraphs(tmp_path, client):
    stored = import_comment(
        tmp_path, "one<br>two\n\nthree<blockquote>q</blockquote><p></p><p>&nbsp;</p>"
    )

    assert comment_on_page(client) == "<p>one<br>two</p>\n\n<p>three</p>\n\n<p>q</p>"
    assert stored.body == "one\ntwo\n\nthree\n\nq"


def test_html_comment_loses_emphasis_scripts_handlers_and_unsafe_links(tmp_path, client):
    stored = import_comment(
        tmp_path,
        '<p onclick="evil()"><em>Look</em> <a href="javascript:alert(1)">there</a> &amp; '
        "<b>here</b></p><script>alert('x')</script>",
    )

    assert comment_on_page(client) == "<p>Look there &amp; here</p>"
    assert stored.body == "Look there & here"


# Bad files


def write(tmp_path, text: str | bytes, name: str = "export.xml") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def fails(path, *options) -> str:
    with pytest.raises(CommandError) as error:
        call_command("import_wxr", str(path), *options, stdout=io.StringIO())
    message = str(error.value)
    assert "\n" not in message
    assert str(path) in message
    return message


def test_truncated_file_is_refused_naming_file_and_line_and_nothing_is_stored():
    message = fails(DATA / "wordpress-truncated.xml")

    assert "line 93" in message
    assert "ends early" in message
    assert not Article.objects.exists()
    assert not Comment.objects.exists()


def test_unknown_comment_status_is_refused_naming_the_item_and_nothing_is_stored():
    message = fails(DATA / "wordpress-unknown-status.xml")

    assert "line 65" in message
    assert "item “Bad one” (post 2)" in message
    assert "unknown comment status “approved-ish”" in message
    assert not Article.objects.exists()


def run_failing(*files, **options) -> tuple[str, str]:
    """The command's output and the error it exits with (status 1)."""
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import_wxr", *[str(DATA / name) for name in files], stdout=out, **options)
    assert error.value.returncode == 1
    return out.getvalue(), str(error.value)


def test_with_continue_good_items_are_imported_and_bad_ones_listed_and_the_command_fails():
    out, error = run_failing("wordpress-unknown-status.xml", keep_going=True)

    assert error == "1 item failed: see above."

    assert set(Article.objects.values_list("slug", flat=True)) == {"good-one", "another-good-one"}
    assert "1 item failed" in out
    assert "item “Bad one” (post 2)" in out


def test_with_continue_a_truncated_file_keeps_the_items_before_the_break():
    out, error = run_failing("wordpress-truncated.xml", keep_going=True)

    assert error == "1 item failed: see above."

    assert list(Article.objects.values_list("slug", flat=True)) == ["complete"]
    assert "1 item failed" in out
    assert "ends early" in out


def test_broken_xml_is_refused_with_its_line(tmp_path):
    path = write(tmp_path, '<?xml version="1.0"?>\n<rss>\n<channel>\n<item></channel>\n</rss>\n')

    message = fails(path)

    assert "line 4" in message
    assert "not well-formed" in message or "broken XML" in message


def test_xml_that_is_not_a_wordpress_export_is_refused(tmp_path):
    message = fails(write(tmp_path, "<html><body><p>Hello</p></body></html>"))

    assert "not a WordPress export" in message


def test_rss_feed_without_the_wordpress_namespace_is_refused(tmp_path):
    feed = "<rss><channel><title>A feed</title><item><title>Post</title></item></channel></rss>"

    assert "not a WordPress export" in fails(write(tmp_path, feed))


def test_file_that_is_not_xml_is_refused(tmp_path):
    message = fails(write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00binary", name="photo.xml"))

    assert "line 1" in message


def test_missing_file_is_refused(tmp_path):
    assert "cannot be read" in fails(tmp_path / "nowhere.xml")


def test_entity_expansion_bomb_is_refused(tmp_path):
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "aaaaaaaaaa">\n'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">\n]>\n'
        "<rss><channel><title>&c;</title></channel></rss>"
    )

    message = fails(write(tmp_path, bomb))

    assert "DTD or entities" in message
    assert "line 2:" in message  # where the DTD starts


def test_external_entity_is_refused(tmp_path):
    secret = write(tmp_path, "top secret", name="secret.txt")
    external = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY leak SYSTEM "file://{secret}">]>\n'
        "<rss><channel><item><title>&leak;</title></item></channel></rss>"
    )

    assert "DTD or entities" in fails(write(tmp_path, external))
    assert not Article.objects.exists()


def test_first_bad_file_stops_the_import_but_earlier_files_stay(tmp_path):
    with pytest.raises(CommandError):
        call_command(
            "import_wxr",
            str(DATA / "wordpress-1.1-http.xml"),
            str(DATA / "wordpress-truncated.xml"),
            stdout=io.StringIO(),
        )

    assert list(Article.objects.values_list("slug", flat=True)) == ["tom-jerry-day-out"]


def small_export(
    *, post_id="1", comment_id="1", parent="0", meta="", title="Small", content="Hello"
) -> str:
    return (
        '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><link>http://a.example</link>'
        "<wp:wxr_version>1.2</wp:wxr_version>"
        f"<item><title>{title}</title><wp:post_id>{post_id}</wp:post_id>"
        "<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>"
        f"<wp:post_name>small</wp:post_name>"
        f"<wp:post_date_gmt>2024-01-01 09:00:00</wp:post_date_gmt>{meta}"
        f"<wp:comment><wp:comment_id>{comment_id}</wp:comment_id>"
        "<wp:comment_date_gmt>2024-01-01 10:00:00</wp:comment_date_gmt>"
        f"<wp:comment_content>{content}</wp:comment_content>"
        f"<wp:comment_approved>1</wp:comment_approved><wp:comment_parent>{parent}</wp:comment_parent>"
        "</wp:comment></item></channel></rss>"
    )


@pytest.mark.parametrize(
    ("ids", "complaint"),
    [
        ({"post_id": "5" * 600}, "<wp:post_id>"),
        ({"post_id": "abc"}, "<wp:post_id>"),
        ({"post_id": "-3"}, "<wp:post_id>"),
        ({"comment_id": "7" * 600}, "<wp:comment_id>"),
        ({"comment_id": "1.5"}, "<wp:comment_id>"),
        ({"parent": "x" * 600}, "<wp:comment_parent>"),
    ],
)
def test_post_or_comment_id_that_is_not_a_whole_number_is_refused_naming_the_item(
    tmp_path, ids, complaint
):
    path = write(tmp_path, small_export(**ids))

    message = fails(path)

    assert "line 1: item “Small”" in message
    assert f"{complaint} is not a whole number" in message
    assert len(message) < 300
    assert not Article.objects.exists()


def test_over_long_article_meta_is_cut_to_the_fields_length(tmp_path):
    meta = "".join(
        f"<wp:postmeta><wp:meta_key>{key}</wp:meta_key>"
        f"<wp:meta_value>{letter * 900}</wp:meta_value></wp:postmeta>"
        for key, letter in [
            ("_forum_credit", "c"),
            ("_forum_image_alt", "a"),
            ("_forum_image_caption", "p"),
            ("_forum_standfirst", "s"),
        ]
    )

    call_command("import_wxr", str(write(tmp_path, small_export(meta=meta))), stdout=io.StringIO())

    article = Article.objects.get()
    assert (article.credit, article.image_alt) == ("c" * 300, "a" * 300)
    assert article.image_caption == "p" * 500
    assert article.standfirst == "s" * 900  # a text field, with no limit


@pytest.mark.parametrize(
    "refusal",
    [
        DataError("value too long for type character varying(500)\nDETAIL: more"),
        psycopg.errors.StringDataRightTruncation("value too long for type character varying(500)"),
    ],
)
def test_database_refusing_a_value_is_a_one_line_error_and_nothing_of_the_file_stays(
    tmp_path, monkeypatch, refusal
):
    # What the checks before storing did not foresee: the database's own limits.
    def refuse(rows):
        raise refusal

    monkeypatch.setattr(writer, "insert_comments", refuse)
    path = write(tmp_path, small_export())

    message = fails(path)

    assert "the database refused it" in message
    assert "value too long" in message
    assert not Article.objects.exists()


# Cost


def test_comments_are_stored_in_bulk_not_one_query_each(tmp_path, django_assert_max_num_queries):
    comments = "".join(
        f"<wp:comment><wp:comment_id>{n}</wp:comment_id>"
        f"<wp:comment_author>Reader {n}</wp:comment_author>"
        f"<wp:comment_author_email>reader{n}@example.org</wp:comment_author_email>"
        f"<wp:comment_date_gmt>2024-01-01 10:00:00</wp:comment_date_gmt>"
        f"<wp:comment_content>Comment {n}</wp:comment_content>"
        f"<wp:comment_approved>1</wp:comment_approved>"
        f"<wp:comment_parent>{n - 1 if n % 3 else 0}</wp:comment_parent></wp:comment>"
        for n in range(1, 301)
    )
    export = (
        '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><link>http://a.example</link>'
        "<wp:wxr_version>1.2</wp:wxr_version>"
        "<item><title>Busy</title><wp:post_id>1</wp:post_id><wp:status>publish</wp:status>"
        "<wp:post_type>post</wp:post_type><wp:post_date_gmt>2024-01-01 09:00:00</wp:post_date_gmt>"
        f"{comments}</item></channel></rss>"
    )
    path = write(tmp_path, export)

    with django_assert_max_num_queries(30):
        call_command("import_wxr", str(path), stdout=io.StringIO())

    assert Comment.objects.count() == 300


# Moderators


def test_moderators_see_the_imported_author_details_on_the_comment_admin_page(imported, client):
    from .factories import ModeratorFactory

    client.force_login(ModeratorFactory())
    page = client.get(reverse("admin:forum_comment_change", args=[comment("1").pk]))

    content = page.content.decode()
    for detail in ("ANN@Example.ORG", "https://ann.example.org", "Firefox/123.0", f"{POST}:1"):
        assert detail in content


def test_post_with_a_title_in_another_script_gets_an_ascii_slug(tmp_path):
    export = (
        '<rss xmlns:wp="https://wordpress.org/export/1.2/"><channel><link>http://a.example</link>'
        "<wp:wxr_version>1.2</wp:wxr_version><item><title>سلام</title>"
        "<wp:post_id>7</wp:post_id><wp:status>publish</wp:status><wp:post_type>post</wp:post_type>"
        "<wp:post_name>%d8%b3%d9%84%d8%a7%d9%85</wp:post_name>"
        "<wp:post_date_gmt>2024-01-01 09:00:00</wp:post_date_gmt></item></channel></rss>"
    )
    call_command("import_wxr", str(write(tmp_path, export)), stdout=io.StringIO())

    article = Article.objects.get()
    assert article.title == "سلام"
    assert article.slug == "post-7"


def test_article_writer_is_the_account_with_the_wordpress_authors_email(ann):
    editor = UserFactory(username="ed", email="EDITOR@example.org", confirmed=True)

    run("wordpress-1.2.xml")

    assert Article.objects.get(slug="harbour-reopens").author == editor


def test_article_writer_is_a_staff_account_with_that_address_even_unconfirmed(ann):
    editor = UserFactory(username="ed", email="editor@example.org", is_staff=True)

    run("wordpress-1.2.xml")

    assert Article.objects.get(slug="harbour-reopens").author == editor


def test_with_claiming_off_bylines_still_go_to_their_accounts(settings, ann):
    settings.FORUM_CLAIM_IMPORTED_COMMENTS = False
    editor = UserFactory(username="ed", email="editor@example.org", is_staff=True)

    run("wordpress-1.2.xml")

    assert Article.objects.get(slug="harbour-reopens").author == editor


def test_article_writer_is_not_a_reader_who_did_not_confirm_that_address(ann):
    UserFactory(username="ed", email="editor@example.org")

    run("wordpress-1.2.xml")

    assert Article.objects.get(slug="harbour-reopens").author is None


def test_article_writer_without_an_account_here_gets_none_made(imported):
    assert Article.objects.get(slug="harbour-reopens").author is None
    assert (
        not type(Article.objects.get(slug="harbour-reopens"))
        .objects.filter(author__isnull=False)
        .exists()
    )


def test_summary_names_one_skipped_thing_in_the_singular(tmp_path):
    pingback = (
        "<wp:comment><wp:comment_id>2</wp:comment_id><wp:comment_type>pingback</wp:comment_type>"
        "<wp:comment_content>Linked.</wp:comment_content>"
        "<wp:comment_approved>1</wp:comment_approved></wp:comment>"
    )
    trashed = (
        "<item><title>Binned</title><wp:post_id>2</wp:post_id><wp:status>trash</wp:status>"
        "<wp:post_type>post</wp:post_type></item>"
        "<item><title>Logo</title><wp:post_id>3</wp:post_id><wp:status>inherit</wp:status>"
        "<wp:post_type>attachment</wp:post_type></item>"
    )
    export = small_export().replace("</wp:comment>", "</wp:comment>" + pingback, 1)
    export = export.replace("</item>", "</item>" + trashed, 1)
    out = io.StringIO()

    call_command("import_wxr", str(write(tmp_path, export)), stdout=out)

    assert (
        "Skipped: 1 item of type “attachment”, 1 pingback or trackback, 1 trash post."
        in out.getvalue()
    )


def test_with_continue_a_file_that_cannot_be_read_still_fails_the_command(tmp_path):
    with pytest.raises(CommandError, match="1 file could not be imported"):
        call_command(
            "import_wxr",
            str(tmp_path / "nowhere.xml"),
            str(DATA / "wordpress-1.1-http.xml"),
            keep_going=True,
            stdout=io.StringIO(),
        )

    assert list(Article.objects.values_list("slug", flat=True)) == ["tom-jerry-day-out"]
