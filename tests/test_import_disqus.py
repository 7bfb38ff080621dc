"""Importing a Disqus export (manage.py import_disqus) onto articles we already have."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from forum import email_confirmation
from forum.models import Comment, ModerationEvent, Thread

from .factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
FORUM = "disqus:newsexample"


def run(*options, file: str | Path = DATA / "disqus.xml") -> str:
    out = io.StringIO()
    call_command("import_disqus", str(file), *options, stdout=out)
    return out.getvalue()


def post(dsq_id: int) -> Comment:
    return Comment.objects.get(source_id=f"{FORUM}:{dsq_id}")


@pytest.fixture
def ann(db):
    return UserFactory(
        username="ann", display_name="Ann A.", email="ann@example.org", confirmed=True
    )


@pytest.fixture
def articles(db, settings):
    settings.FORUM_SITE_URL = "http://127.0.0.1:8000"
    return {
        # imported from the old site, which Disqus knew by its address there
        "harbour": ArticleFactory(slug="harbour", source_url="https://news.example.org/harbour/"),
        # written here, so Disqus knew it by our own address
        "own": ArticleFactory(slug="an-own-story"),
        # known to Disqus by an address only the --map file links to it
        "mapped": ArticleFactory(slug="mapped-story"),
    }


@pytest.fixture
def imported(ann, articles) -> str:
    return run("--map", str(DATA / "disqus-map.csv"))


def test_posts_land_on_the_article_whose_original_address_is_the_thread_link(imported, articles):
    assert post(1001).thread.article == articles["harbour"]
    assert post(1001).body == "First on Disqus, Tom & Jerry."
    assert post(1001).created_at == dt.datetime(2015, 6, 1, 10, 0, tzinfo=dt.UTC)


def test_threads_are_matched_by_our_own_address_too(imported, articles):
    assert post(1010).thread.article == articles["own"]


def test_closed_disqus_thread_closes_ours(imported, articles):
    articles["own"].thread.refresh_from_db()

    assert articles["own"].thread.status == Thread.Status.CLOSED
    assert articles["own"].thread.status_changed_at is not None
    assert Thread.objects.get(article=articles["harbour"]).status == Thread.Status.OPEN
    # The audit log says the import closed it, as it says who closed any thread.
    event = ModerationEvent.objects.get(thread=articles["own"].thread)
    assert (event.action, event.actor, event.to_status) == ("close thread", None, "closed")


def test_a_thread_reopened_here_stays_open_when_the_export_is_imported_again(
    imported, articles, moderator
):
    from forum import services

    services.reopen_thread(articles["own"].thread, by=moderator)

    run("--map", str(DATA / "disqus-map.csv"))

    articles["own"].thread.refresh_from_db()
    assert articles["own"].thread.status == Thread.Status.OPEN


def test_map_file_links_a_thread_to_an_article_by_slug(imported, articles):
    mapped = post(1011)

    assert mapped.thread.article == articles["mapped"]
    assert mapped.body == "Mapped: bold link 🎉 مرحبا e\u0301"
    assert 'href="https://example.org/"' in mapped.body_html
    for unsafe in ("onclick", "<script", "alert", "<b>"):
        assert unsafe not in mapped.body_html


def test_without_the_map_that_thread_is_reported_as_matched_to_no_article(ann, articles):
    out = run()

    assert not Comment.objects.filter(source_id=f"{FORUM}:1011").exists()
    assert "2 threads matched to no article" in out
    assert "Threads matched to no article: https://elsewhere.example.net/mapped-page, " in out


def test_replies_keep_their_parent_even_when_it_comes_later_in_the_file(imported):
    assert post(1002).parent == post(1001)
    assert post(1003).parent == post(1005)
    assert post(1003).root == post(1005)


def test_replies_deeper_than_the_cap_are_stored_at_the_cap(imported, client, articles):
    deepest = post(1026)

    assert deepest.parent == post(1025).parent == post(1023)
    assert deepest.root == post(1020)
    whole_thread = {"cpage": "all"}
    page = client.get(articles["harbour"].get_absolute_url(), whole_thread).content.decode()
    assert "Depth 7" in page
    assert "depth-6" not in page


def test_spam_and_deleted_posts_are_kept_with_their_status(imported):
    assert post(1004).status == Comment.Status.SPAM
    assert post(1006).status == Comment.Status.REMOVED
    assert post(1001).status == Comment.Status.PUBLISHED


def test_article_page_shows_only_published_posts_and_no_private_fields(imported, client, articles):
    page = client.get(articles["harbour"].get_absolute_url()).content.decode()

    assert "First on Disqus" in page
    assert "Cheap pills" not in page
    assert "Deleted on Disqus." not in page
    for private in ("ANN@example.org", "ann@example.org", "127.0.0.1"):
        assert private not in page


def test_commenter_is_matched_by_email_but_an_anonymous_one_never_is(imported, ann):
    assert post(1001).author == ann
    assert post(1001).author_email == "ANN@example.org"
    anonymous = post(1007)
    assert anonymous.author is None
    assert anonymous.author_display_name == "Guest"


def test_confirming_later_claims_named_posts_but_never_anonymous_ones(articles, client):
    reader = UserFactory(username="ann", email="ann@example.org")
    run("--map", str(DATA / "disqus-map.csv"))
    assert post(1001).author is None

    token = email_confirmation.confirmation_token(reader)
    client.post(reverse("forum:confirm-email", args=[token]))

    assert post(1001).author == reader
    assert post(1007).author is None
    assert post(1007).author_display_name == "Guest"


def test_post_whose_parent_is_missing_becomes_top_level_and_is_reported(imported):
    assert post(1012).parent is None
    assert "1 comment whose parent is missing became top-level" in imported


def test_orphan_posts_unmatched_empty_and_deleted_threads_are_reported_and_skipped(imported):
    assert not Comment.objects.filter(source_id__in=[f"{FORUM}:1008", f"{FORUM}:1009"]).exists()
    assert "1 orphan post (its thread is not in the file)" in imported
    assert "Orphan post: 1008." in imported
    assert "1 thread matched to no article" in imported
    assert "Thread matched to no article: https://news.example.org/nowhere/." in imported
    assert "1 empty thread," in imported
    assert "1 deleted thread," in imported


def test_counts_are_printed(imported):
    assert "Comments: 17 imported (0 pending, 15 published, 1 spam, 1 removed)" in imported


def test_threads_are_recounted(imported, articles):
    thread = Thread.objects.get(article=articles["harbour"])

    assert thread.published_count == Comment.objects.filter(thread=thread).counted().count() == 13


def test_second_run_adds_nothing_and_says_so(imported):
    count = Comment.objects.count()

    again = run("--map", str(DATA / "disqus-map.csv"))

    assert Comment.objects.count() == count
    assert "17 already imported" in again
    assert "Nothing new" in again


def test_imported_posts_send_no_mail_and_log_no_moderation(imported):
    assert mail.outbox == []
    assert not ModerationEvent.objects.exclude(action="close thread").exists()


def test_moderators_see_the_imported_address_in_the_admin(imported, client):
    from .factories import ModeratorFactory

    client.force_login(ModeratorFactory())
    page = client.get(reverse("admin:forum_comment_change", args=[post(1001).pk]))

    assert "ANN@example.org" in page.content.decode()


# Bad files


def fails(*options, file) -> str:
    with pytest.raises(CommandError) as error:
        run(*options, file=file)
    message = str(error.value)
    assert "\n" not in message
    return message


def test_truncated_export_is_refused_and_nothing_is_stored(articles, tmp_path):
    text = (DATA / "disqus.xml").read_text()
    truncated = tmp_path / "disqus-truncated.xml"
    truncated.write_text(text[: text.index('<post dsq:id="1010">') + 40])

    message = fails(file=truncated)

    assert str(truncated) in message
    assert "ends early" in message
    assert not Comment.objects.exists()


def test_unknown_flag_value_is_refused_naming_the_post(articles, tmp_path):
    text = (
        (DATA / "disqus.xml").read_text().replace("<isSpam>true</isSpam>", "<isSpam>maybe</isSpam>")
    )
    broken = tmp_path / "disqus-bad.xml"
    broken.write_text(text)

    message = fails(file=broken)

    assert "post 1004" in message
    assert "<isSpam> is “maybe”" in message
    assert not Comment.objects.exists()

    out = io.StringIO()
    with pytest.raises(CommandError, match=r"^1 item failed: see above\.$"):
        call_command("import_disqus", str(broken), "--continue", stdout=out)
    assert "1 item failed" in out.getvalue()
    assert Comment.objects.filter(source_id=f"{FORUM}:1001").exists()


def test_a_wordpress_file_is_not_a_disqus_export(articles):
    assert "not a Disqus export" in fails(file=DATA / "wordpress-1.2.xml")


def test_entity_bomb_is_refused(articles, tmp_path):
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE disqus [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
        '<disqus xmlns="http://disqus.com"><thread>&b;</thread></disqus>'
    )

    assert "DTD or entities" in fails(file=bomb)


def test_map_naming_an_unknown_slug_is_refused(articles, tmp_path):
    mapping = tmp_path / "map.csv"
    mapping.write_text("https://elsewhere.example.net/mapped-page,no-such-story\n")

    assert "no-such-story" in fails("--map", str(mapping), file=DATA / "disqus.xml")


@pytest.mark.parametrize(
    "header", ["", "link,slug\r\n", " Link , SLUG \r\n"], ids=["no header", "header", "spaced"]
)
def test_map_saved_by_excel_with_a_bom_and_crlf_lines_is_read(articles, tmp_path, header):
    mapping = tmp_path / "map.csv"
    lines = header + "https://elsewhere.example.net/mapped-page,mapped-story\r\n"
    mapping.write_bytes(b"\xef\xbb\xbf" + lines.encode())

    run("--map", str(mapping))

    assert post(1011).thread.article == articles["mapped"]


def test_map_with_crlf_lines_and_a_header_in_capitals_is_read(articles, tmp_path):
    mapping = tmp_path / "map.csv"
    mapping.write_bytes(b"LINK,Slug\r\nhttps://elsewhere.example.net/mapped-page,mapped-story\r\n")

    run("--map", str(mapping))

    assert post(1011).thread.article == articles["mapped"]


def test_missing_file_is_refused(articles, tmp_path):
    assert "cannot be read" in fails(file=tmp_path / "nowhere.xml")


# Small files written by the tests


def disqus_file(tmp_path, *elements: str) -> Path:
    path = tmp_path / "disqus-small.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<disqus xmlns="http://disqus.com" '
        'xmlns:dsq="http://disqus.com/disqus-internals">\n' + "\n".join(elements) + "\n</disqus>\n"
    )
    return path


def thread_element(dsq_id: str, slug: str, *, closed: bool = False) -> str:
    return (
        f'<thread dsq:id="{dsq_id}"><forum>newsexample</forum>'
        f"<link>http://127.0.0.1:8000/articles/{slug}/</link>"
        f"<isClosed>{str(closed).lower()}</isClosed><isDeleted>false</isDeleted></thread>"
    )


def post_element(dsq_id: str, thread: str, *, parent: str = "") -> str:
    return (
        f'<post dsq:id="{dsq_id}"><message>Post {dsq_id}</message>'
        "<createdAt>2015-06-01T09:00:00Z</createdAt>"
        "<isDeleted>false</isDeleted><isSpam>false</isSpam>"
        "<author><name>Pat</name><isAnonymous>false</isAnonymous></author>"
        f'<thread dsq:id="{thread}"/>'
        + (f'<parent dsq:id="{parent}"/>' if parent else "")
        + "</post>"
    )


def test_reply_whose_parent_is_in_another_thread_becomes_top_level_and_is_reported(
    articles, tmp_path
):
    path = disqus_file(
        tmp_path,
        thread_element("1", "an-own-story"),
        thread_element("2", "mapped-story"),
        post_element("10", "1"),
        post_element("11", "2", parent="10"),
        post_element("12", "2", parent="11"),
    )

    out = run(file=path)

    assert post(11).thread.article == articles["mapped"]
    assert post(11).parent is None
    assert post(12).parent == post(11)
    assert f"1 comment whose parent is missing became top-level: {FORUM}:11" in out


def test_reply_whose_parent_was_imported_before_into_another_thread_becomes_top_level(
    articles, tmp_path
):
    run(file=disqus_file(tmp_path, thread_element("1", "an-own-story"), post_element("10", "1")))

    out = run(
        file=disqus_file(
            tmp_path, thread_element("2", "mapped-story"), post_element("11", "2", parent="10")
        )
    )

    assert post(11).thread.article == articles["mapped"]
    assert post(11).parent is None
    assert "1 comment whose parent is missing became top-level" in out


@pytest.mark.parametrize("where", ["thread", "post", "parent"])
def test_dsq_id_longer_than_any_disqus_makes_is_refused_naming_the_item(articles, tmp_path, where):
    long = "9" * 101
    path = disqus_file(
        tmp_path,
        thread_element(long if where == "thread" else "1", "an-own-story"),
        post_element(long if where == "post" else "10", long if where == "thread" else "1"),
        post_element("11", "1", parent=long if where == "parent" else "10"),
    )

    message = fails(file=path)

    assert str(path) in message
    assert f"line {({'thread': 3, 'post': 4, 'parent': 5})[where]}:" in message
    assert "dsq:id is longer than 100 characters" in message
    assert len(message) < 300
    assert not Comment.objects.exists()
