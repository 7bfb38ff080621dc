"""The concurrency test's verdict (bench/concurrency.py): what counts as a clear refusal,
and that each broken promise of a run makes it fail. The run itself is on demand
(`make bench`); these check its judge on small, made-up runs."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bench.concurrency import (
    CLOSED,
    FLOOD,
    NO_ANSWER,
    SERVER_ERROR,
    STORED,
    UNCLEAR,
    Answer,
    Attempt,
    Evidence,
    StoredComment,
    judge,
    outcome_of,
    summary_line,
)

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def seconds(n: float) -> datetime:
    return START + timedelta(seconds=n)


def clean_run() -> Evidence:
    """Two readers: each stored one comment, was refused once by the flood rule and
    once by the closed thread."""
    attempts = [
        Attempt(0, "ann", "m0", outcome=STORED, status=302, comment_id=10),
        Attempt(1, "ann", "m1", outcome=FLOOD, status=429),
        Attempt(2, "bob", "m2", parent=10, outcome=STORED, status=302, comment_id=11),
        Attempt(3, "bob", "m3", outcome=CLOSED, status=403),
    ]
    return Evidence(
        planned=4,
        attempts=attempts,
        stored=[
            StoredComment(10, "m0", "ann", seconds(1), on_thread=True),
            StoredComment(11, "m2", "bob", seconds(2), on_thread=True),
        ],
        reader_times={"ann": [seconds(1)], "bob": [seconds(2)]},
        close_confirmed_at=seconds(4),
        close_recorded_at=seconds(3),
        counts={"published_count": (2, 2), "root_count": (1, 1)},
        flood_seconds=15,
        workers_posting=2,
        readers=2,
        clients=2,
        seconds=5.0,
        close_sent=2.5,
    )


def problems_of(evidence: Evidence) -> list[str]:
    return judge(evidence)[0]


def test_a_clean_run_passes_with_one_summary_line():
    problems, figures = judge(clean_run())

    line = summary_line(problems, figures)

    assert problems == []
    assert line.startswith("concurrency PASS: 2 readers sent 4 posts")
    assert "2 stored (1 replies)" in line
    assert "\n" not in line


def test_a_successful_post_stored_twice_fails():
    run = clean_run()
    run.stored.append(StoredComment(12, "m0", "ann", seconds(1.5), on_thread=True))

    assert problems_of(run)[0] == "1 successful posts not stored exactly once as answered"


def test_a_successful_post_not_stored_fails():
    run = clean_run()
    run.stored.pop(0)

    assert "1 successful posts not stored exactly once as answered" in problems_of(run)


def test_a_refused_post_that_was_stored_anyway_fails():
    run = clean_run()
    run.stored.append(StoredComment(12, "m1", "ann", seconds(1.5), on_thread=True))

    assert "1 refused posts were stored" in problems_of(run)


def test_a_post_without_answer_that_was_stored_fails():
    run = clean_run()
    run.attempts[3] = replace(run.attempts[3], outcome=NO_ANSWER, status=None)
    run.stored.append(StoredComment(12, "m3", "bob", seconds(2.5), on_thread=True))

    problems = problems_of(run)

    assert "1 posts got no answer" in problems
    assert "1 comments stored without a success answer" in problems


def test_a_comment_stored_after_the_close_was_confirmed_fails():
    run = clean_run()
    run.stored[1] = replace(run.stored[1], created_at=seconds(4.1))

    assert "1 comments stored after the close" in problems_of(run)


def test_a_comment_stored_after_the_thread_recorded_its_close_fails():
    run = clean_run()
    run.stored[1] = replace(run.stored[1], created_at=seconds(3.5))

    assert "1 comments stored after the close" in problems_of(run)


def test_a_thread_never_closed_fails():
    run = replace(clean_run(), close_confirmed_at=None, close_sent=None)

    assert "the thread was not closed" in problems_of(run)


def test_server_errors_and_unclear_refusals_fail():
    run = clean_run()
    run.attempts[1] = replace(run.attempts[1], outcome=SERVER_ERROR, status=500)
    run.attempts[3] = replace(run.attempts[3], outcome=UNCLEAR, status=400)

    problems = problems_of(run)

    assert "1 answers were 5xx" in problems
    assert "1 answers were no clear refusal {400: 1}" in problems


def test_counts_that_differ_from_the_rows_fail():
    run = replace(clean_run(), counts={"published_count": (3, 2), "root_count": (1, 1)})

    assert problems_of(run) == ["thread published_count is 3, its rows say 2"]


def test_two_comments_of_one_reader_closer_than_the_flood_interval_fail():
    run = replace(clean_run(), reader_times={"ann": [seconds(1), seconds(15.9)]})

    assert problems_of(run) == ["1 times a reader's next comment came sooner than the flood rule"]


def test_comments_exactly_the_flood_interval_apart_pass():
    run = replace(clean_run(), reader_times={"ann": [seconds(1), seconds(16)]})

    assert problems_of(run) == []


def test_a_run_without_any_429_did_not_exercise_the_flood_rule():
    run = clean_run()
    run.attempts[1] = replace(run.attempts[1], outcome=CLOSED, status=403)

    assert problems_of(run) == ["the flood rule was never exercised (no 429)"]


def test_posts_the_deadline_stopped_fail():
    run = clean_run()
    run.attempts[3] = replace(run.attempts[3], outcome="not sent", status=None)

    assert "only 3 of 4 posts sent before the deadline" in problems_of(run)


def test_a_redirect_to_the_new_comment_is_a_success():
    answer = Answer(302, "/articles/story/?cpage=2#comment-42", "")

    assert outcome_of(answer) == (STORED, 42)


def test_a_closed_thread_is_a_clear_refusal_only_with_its_message():
    assert outcome_of(Answer(403, "", "<p>Comments are closed.</p>")) == (CLOSED, None)
    assert outcome_of(Answer(403, "", "<h1>Forbidden</h1>")) == (UNCLEAR, None)


def test_other_answers_are_unclear_or_errors():
    assert outcome_of(Answer(429, "", "too quickly"))[0] == FLOOD
    assert outcome_of(Answer(302, "/accounts/login/?next=/", ""))[0] == UNCLEAR
    assert outcome_of(Answer(400, "", ""))[0] == UNCLEAR
    assert outcome_of(Answer(502, "", ""))[0] == SERVER_ERROR
