"""The policy pipeline in forum/moderation.py: one test per rule and per outcome."""

import pytest
from django.utils import timezone

from forum import moderation, services
from forum.models import Comment, ModerationWord, ReasonCode, SiteSettings
from forum.rendering import render_comment_body

from .factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


def review(author, thread, body="A fair point.", parent=None):
    return moderation.review(
        moderation.Submission(author=author, thread=thread, body=body, parent=parent)
    )


def words(kind, *phrases):
    for phrase in phrases:
        ModerationWord.objects.create(phrase=phrase, kind=kind)


# The word matcher


@pytest.mark.parametrize(
    ("phrase", "text", "matches"),
    [
        ("press", "I love WordPress", False),
        ("press", "The press was there", True),
        ("press", "PRESS release", True),
        ("press", "press-release", True),
        ("press", "pressing matters", False),
        ("дурак", "Ты ДУРАК!", True),
        ("ДУРАК", "ты дурак", True),
        ("дурак", "дураки", False),
        ("straße", "STRASSE", True),  # case folding, not just lower-casing
        ("cafe", "ｃａｆｅ in full width", True),  # NFKC folds full-width letters
        ("buy now", "Buy   now while it lasts", True),  # phrases, any whitespace
        ("buy now", "buy nowhere", False),
        ("viagra", "v i a g r a", False),
        ("c++", "I write C++ daily", True),
        ("", "anything", False),
    ],
)
def test_word_matcher(phrase, text, matches):
    assert (moderation.find_phrase(text, [phrase]) is not None) is matches


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("no links here", 0),
        ("see https://example.org", 1),
        ("http://a.example and www.b.example", 2),
        ("HTTPS://A.EXAMPLE/x https://b.example https://c.example", 3),
        ("cheap-pills.com and more-pills.net", 2),  # bare domains become links too
        ("javascript:alert(1) mailto:x@example.org", 0),
    ],
)
def test_link_counter_counts_the_links_readers_would_see(text, links):
    assert moderation.count_links(render_comment_body(text)) == links


# Refusals


def test_closed_thread_refuses(closed_thread, trusted_reader):
    verdict = review(trusted_reader, closed_thread)

    assert verdict.outcome == moderation.Outcome.REFUSE
    assert verdict.reason == "Comments are closed."


def test_read_only_site_refuses_everywhere(open_thread, trusted_reader, moderator):
    services.update_site_settings(by=moderator, read_only=True, approve_all_manually=False)

    with pytest.raises(moderation.CommentRefused, match=r"Comments are closed\."):
        services.post_comment(thread=open_thread, author=trusted_reader, body="Hi")


def test_thread_closes_itself_after_the_auto_close_days(settings, open_thread, trusted_reader):
    settings.FORUM_AUTO_CLOSE_DAYS = 14
    article = open_thread.article
    article.published_at = timezone.now() - timezone.timedelta(days=15)
    article.save()

    assert not open_thread.is_open
    assert review(trusted_reader, open_thread).outcome == moderation.Outcome.REFUSE


def test_keep_open_overrides_auto_close(settings, open_thread, trusted_reader, moderator):
    settings.FORUM_AUTO_CLOSE_DAYS = 14
    open_thread.article.published_at = timezone.now() - timezone.timedelta(days=15)
    services.set_keep_open(open_thread, by=moderator, keep_open=True)

    assert open_thread.is_open


def test_auto_close_is_off_by_default(open_thread):
    open_thread.article.published_at = timezone.now() - timezone.timedelta(days=400)

    assert open_thread.is_open


def test_banned_user_is_refused(open_thread, trusted_reader, moderator):
    services.ban(trusted_reader, by=moderator, note="Abuse")

    with pytest.raises(moderation.CommentRefused) as refusal:
        services.post_comment(thread=open_thread, author=trusted_reader, body="Hi")

    assert refusal.value.message == "You have been banned from commenting."
    assert refusal.value.status_code == 403


def test_suspended_user_is_refused_with_the_end_of_the_suspension(
    open_thread, trusted_reader, moderator
):
    until = timezone.now() + timezone.timedelta(days=3)
    services.suspend(trusted_reader, by=moderator, until=until)

    verdict = review(trusted_reader, open_thread)

    assert verdict.outcome == moderation.Outcome.REFUSE
    assert verdict.reason.startswith("You cannot comment until ")
    assert str(timezone.localtime(until).year) in verdict.reason


def test_suspension_ends_by_itself(open_thread, trusted_reader, moderator):
    services.suspend(
        trusted_reader, by=moderator, until=timezone.now() - timezone.timedelta(minutes=1)
    )

    assert review(trusted_reader, open_thread).outcome == moderation.Outcome.PUBLISH


def test_second_comment_within_15_seconds_is_refused_as_flood(open_thread, trusted_reader):
    services.post_comment(thread=open_thread, author=trusted_reader, body="One")

    with pytest.raises(moderation.CommentRefused) as refusal:
        services.post_comment(thread=open_thread, author=trusted_reader, body="Two")

    assert refusal.value.status_code == 429
    assert refusal.value.message == "You are posting comments too quickly. Slow down."


def test_comment_after_15_seconds_is_not_flood(open_thread, trusted_reader):
    CommentFactory(
        author=trusted_reader, created_at=timezone.now() - timezone.timedelta(seconds=16)
    )

    assert review(trusted_reader, open_thread).outcome == moderation.Outcome.PUBLISH


def test_moderators_are_exempt_from_flood(open_thread, moderator):
    services.post_comment(thread=open_thread, author=moderator, body="One")

    comment = services.post_comment(thread=open_thread, author=moderator, body="Two")

    assert comment.status == Comment.Status.PUBLISHED


def test_duplicate_comment_is_refused_with_409(open_thread, trusted_reader):
    CommentFactory(thread=open_thread, author=trusted_reader, body="Same  words\nhere")

    verdict = review(trusted_reader, open_thread, body="  Same words here ")

    assert verdict.outcome == moderation.Outcome.REFUSE
    assert verdict.deciding[0].status_code == 409
    assert verdict.reason == (
        "Duplicate comment detected; it looks as though you’ve already said that!"
    )


@pytest.mark.parametrize("hidden", ["\u200b", "\u00ad", "\u2060", "\ufeff", "\u200d"])
def test_characters_nobody_sees_do_not_make_a_comment_new(open_thread, trusted_reader, hidden):
    CommentFactory(thread=open_thread, author=trusted_reader, body="Same words here")

    verdict = review(trusted_reader, open_thread, body=f"Same wo{hidden}rds here{hidden}")

    assert verdict.outcome == moderation.Outcome.REFUSE
    assert verdict.deciding[0].status_code == 409


@pytest.mark.parametrize("difference", ["other parent", "removed earlier", "other author"])
def test_same_text_elsewhere_is_not_a_duplicate(open_thread, trusted_reader, difference):
    earlier = CommentFactory(thread=open_thread, author=trusted_reader, body="Same words")
    parent = None
    if difference == "other parent":
        parent = CommentFactory(thread=open_thread)
    elif difference == "removed earlier":
        earlier.status, earlier.reason = Comment.Status.REMOVED, "removed"
        earlier.save()
    else:
        earlier.author = UserFactory()
        earlier.save()

    verdict = review(trusted_reader, open_thread, body="Same words", parent=parent)

    assert verdict.outcome == moderation.Outcome.PUBLISH


# Spam and holds


def test_disallowed_word_marks_spam_with_the_word(open_thread, trusted_reader):
    words(ModerationWord.Kind.DISALLOW, "casino bonus")

    comment = services.post_comment(
        thread=open_thread, author=trusted_reader, body="Best CASINO  bonus today"
    )

    assert comment.status == Comment.Status.SPAM
    assert comment.reason_code == ReasonCode.DISALLOWED_WORD
    assert comment.reason == "disallowed word: casino bonus"


def test_a_word_split_by_characters_nobody_sees_is_still_found(open_thread, trusted_reader):
    words(ModerationWord.Kind.DISALLOW, "casino bonus")

    comment = services.post_comment(
        thread=open_thread, author=trusted_reader, body="Best ca\u200bsino bo\u00adnus today"
    )

    assert comment.status == Comment.Status.SPAM
    assert comment.reason == "disallowed word: casino bonus"
    assert comment.body == "Best ca\u200bsino bo\u00adnus today"  # stored as written


def test_a_word_between_zero_width_spaces_is_found_as_in_thai(open_thread, trusted_reader):
    words(ModerationWord.Kind.DISALLOW, "คาสิโน")  # "casino"

    comment = services.post_comment(
        thread=open_thread, author=trusted_reader, body="เล่น\u200bคาสิโน\u200bวันนี้"
    )

    assert comment.status == Comment.Status.SPAM


def test_moderation_word_holds_with_the_word(open_thread, trusted_reader):
    words(ModerationWord.Kind.HOLD, "idiot")

    comment = services.post_comment(thread=open_thread, author=trusted_reader, body="You Idiot.")

    assert comment.status == Comment.Status.PENDING
    assert comment.reason == "held word: idiot"


def test_spam_beats_hold(open_thread, trusted_reader):
    words(ModerationWord.Kind.HOLD, "idiot")
    words(ModerationWord.Kind.DISALLOW, "casino")

    verdict = review(trusted_reader, open_thread, body="idiot casino")

    assert verdict.status == Comment.Status.SPAM
    assert [f.code for f in verdict.findings] == ["disallowed_word", "held_word"]


def test_two_links_hold_with_reason_2_links(open_thread, trusted_reader):
    comment = services.post_comment(
        thread=open_thread,
        author=trusted_reader,
        body="See https://a.example and https://b.example",
    )

    assert comment.status == Comment.Status.PENDING
    assert comment.reason == "2 links"


def test_one_link_is_fine(open_thread, trusted_reader):
    assert review(trusted_reader, open_thread, body="https://a.example").outcome == 0


def test_first_comment_is_held(open_thread, reader):
    verdict = review(reader, open_thread)

    assert verdict.status == Comment.Status.PENDING
    assert verdict.reason_code == ReasonCode.FIRST_COMMENT
    assert verdict.reason == "first comment"


def test_premoderated_user_is_held(open_thread, trusted_reader, moderator):
    services.premoderate(trusted_reader, by=moderator, note="Watch")

    verdict = review(trusted_reader, open_thread)

    assert verdict.status == Comment.Status.PENDING
    assert verdict.reason == "author is pre-moderated"


def test_approve_everything_by_hand_holds_everyone(open_thread, trusted_reader, moderator):
    services.update_site_settings(by=moderator, read_only=False, approve_all_manually=True)

    verdict = review(trusted_reader, open_thread)

    assert verdict.status == Comment.Status.PENDING
    assert verdict.reason == "all comments are approved by hand"


def test_every_hold_reason_is_recorded(open_thread, reader):
    words(ModerationWord.Kind.HOLD, "idiot")

    comment = services.post_comment(
        thread=open_thread, author=reader, body="idiot https://a.example https://b.example"
    )

    assert comment.reason == "held word: idiot; 2 links; first comment"


def test_moderators_are_published_despite_words_and_links(open_thread, moderator):
    words(ModerationWord.Kind.DISALLOW, "casino")

    comment = services.post_comment(
        thread=open_thread, author=moderator, body="casino https://a.example https://b.example"
    )

    assert comment.status == Comment.Status.PUBLISHED


def test_nothing_fires_for_a_trusted_reader(open_thread, trusted_reader):
    verdict = review(trusted_reader, open_thread)

    assert verdict.findings == []
    assert verdict.status == Comment.Status.PUBLISHED


def test_site_settings_default_without_a_row():
    assert not SiteSettings.objects.exists()

    site = SiteSettings.load()

    assert not site.read_only
    assert not site.approve_all_manually


def test_a_new_word_applies_to_the_next_comment_at_once(open_thread, trusted_reader):
    assert review(trusted_reader, open_thread, body="casino").outcome == 0  # fills the cache
    words(ModerationWord.Kind.DISALLOW, "casino")

    assert review(trusted_reader, open_thread, body="casino").status == Comment.Status.SPAM

    ModerationWord.objects.all().delete()
    assert review(trusted_reader, open_thread, body="casino").outcome == 0
