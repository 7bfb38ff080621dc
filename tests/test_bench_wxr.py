"""The import benchmark's WordPress export (bench/wxr.py): a file WordPress's format
readers accept, with the counts and shapes it claims, so that the benchmark cannot
silently measure an easier file."""

import xml.etree.ElementTree as ElementTree
from collections import Counter

from django.conf import settings

from bench.wxr import WxrSummary, write_wxr

WP = "{http://wordpress.org/export/1.2/}"


def read_back(path) -> dict:
    """What a reader of the file finds in it, by the file's own fields."""
    root = ElementTree.parse(path).getroot()
    channel = root.find("channel")
    found = {
        "wxr_version": channel.findtext(f"{WP}wxr_version"),
        "base_blog_url": channel.findtext(f"{WP}base_blog_url"),
        "post_types": Counter(),
        "statuses": Counter(),
        "pingbacks": Counter(),
        "comments_per_post": [],
        "max_depth": 0,
        "top_level": 0,
        "comment_ids_per_post_unique": True,
        "bodies": [],
    }
    for item in channel.iter("item"):
        post_type = item.findtext(f"{WP}post_type")
        found["post_types"][post_type] += 1
        depth_of = {}
        comments = 0
        for comment in item.iter(f"{WP}comment"):
            kind = comment.findtext(f"{WP}comment_type")
            if kind in {"pingback", "trackback"}:
                found["pingbacks"][kind] += 1
                continue
            comment_id = comment.findtext(f"{WP}comment_id")
            parent = comment.findtext(f"{WP}comment_parent")
            # Parents come before their replies, as WordPress's ids do.
            depth = 1 if parent == "0" else depth_of[parent] + 1
            found["comment_ids_per_post_unique"] &= comment_id not in depth_of
            depth_of[comment_id] = depth
            found["max_depth"] = max(found["max_depth"], depth)
            found["top_level"] += depth == 1
            found["statuses"][comment.findtext(f"{WP}comment_approved")] += 1
            found["bodies"].append(comment.findtext(f"{WP}comment_content"))
            comments += 1
        if post_type in {"post", "page"}:
            found["comments_per_post"].append(comments)
    return found


def test_export_holds_the_posts_comments_and_statuses_it_claims(tmp_path):
    summary = write_wxr(tmp_path / "export.xml", posts=20, comments=200)

    found = read_back(tmp_path / "export.xml")

    assert found["wxr_version"] == "1.2"
    assert found["base_blog_url"] == "https://news.example.org"
    assert found["post_types"]["post"] + found["post_types"]["page"] == 20 == summary.posts
    assert sum(found["comments_per_post"]) == 200 == summary.comments
    assert found["comments_per_post"] == summary.thread_sizes
    assert dict(found["statuses"]) == summary.comments_by_wordpress_status
    assert set(found["statuses"]) == {"1", "0", "spam", "trash"}
    assert sum(summary.comments_by_forum_status.values()) == 200
    assert found["pingbacks"] == Counter(summary.pingbacks)
    assert found["comment_ids_per_post_unique"]


def test_export_has_one_huge_thread_and_replies_deeper_than_the_cap(tmp_path):
    summary = write_wxr(tmp_path / "export.xml", posts=20, comments=200)

    found = read_back(tmp_path / "export.xml")

    assert found["comments_per_post"][0] == 40  # the first story: a fifth of the comments
    assert 0 in found["comments_per_post"]  # drafts, pages and quiet posts
    assert found["max_depth"] == summary.max_depth > settings.FORUM_MAX_THREAD_DEPTH
    assert found["top_level"] == summary.top_level < 200 / 2


def test_export_bodies_carry_what_real_comments_do(tmp_path):
    write_wxr(tmp_path / "export.xml", posts=100, comments=2000)

    bodies = read_back(tmp_path / "export.xml")["bodies"]

    assert any("\n\n" in body for body in bodies)  # paragraphs
    assert any("’" in body for body in bodies)  # curly apostrophes
    assert any("&amp;" in body or "&#8230;" in body for body in bodies)  # HTML entities
    assert any('<a href="https://' in body for body in bodies)
    assert any(ord(char) > 0xFFFF for body in bodies for char in body)  # emoji
    assert any("]]>" in body for body in bodies)  # split across CDATA sections


def test_same_seed_writes_the_same_file_and_another_seed_another(tmp_path):
    first = write_wxr(tmp_path / "first.xml", posts=20, comments=200, seed=7)
    again = write_wxr(tmp_path / "again.xml", posts=20, comments=200, seed=7)
    other = write_wxr(tmp_path / "other.xml", posts=20, comments=200, seed=8)

    first_bytes = (tmp_path / "first.xml").read_bytes()
    assert first_bytes == (tmp_path / "again.xml").read_bytes()
    assert first_bytes != (tmp_path / "other.xml").read_bytes()
    assert WxrSummary.from_json(first.as_json()).comments == again.comments == other.comments


def test_import_that_stores_nothing_fails_every_import_target(tmp_path):
    from bench.imports import problems_with
    from bench.report import import_verdicts

    summary = write_wxr(tmp_path / "export.xml", posts=20, comments=200)
    nothing = {
        "articles": {},
        "comments": {},
        "comments_total": 0,
        "pingbacks": 0,
        "closed_threads": 0,
        "top_level": 0,
        "threads_not_recounted": 0,
    }
    problems = problems_with(nothing, summary)
    run = {"seconds": 1.0, "peak_rss_mb": 50.0, "stored": nothing, "problems": problems}
    results = {"file": summary.as_json(), "runs": [run, {**run, "problems": []}]}

    verdicts = import_verdicts({"sqlite": results, "postgresql": results})

    assert problems
    assert all(
        passed is False for verdict in verdicts for passed, _ in verdict.by_database.values()
    )
