# ruff: noqa: E501  (the matrix below is a table: one line per action, one column per actor)
"""Who may do what: one line per action, one column per actor, and each cell a test.

What a cell expects:

- OK: the request succeeds (2xx or 3xx) and what it does is stored (or, for a page, shown).
- LOGIN: a redirect to the log-in page; the admin's own for the admin's pages, which is
  also where a signed-in reader who is not staff is sent.
- REFUSED: the action's own refusal, as its line says (``refused=``), and nothing stored
  changes.
- NOT_FOUND: 404, as for a comment that is not one's own; nothing stored changes.

The admin's actions on comments, threads and users are read from the admin: an action
added there without a line here fails the test.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from forum import moderation, services
from forum.models import (
    Comment,
    CommentRevision,
    ModerationEvent,
    ModerationWord,
    Report,
    SiteSettings,
    Subscription,
    Thread,
    User,
)

from .factories import ArticleFactory, CommentFactory, ModeratorFactory, UserFactory

pytestmark = pytest.mark.django_db

OK, LOGIN, REFUSED, NOT_FOUND = "OK", "LOGIN", "REFUSED", "NOT_FOUND"
ACTORS = (
    "anonymous",
    "reader",
    "other reader",
    "suspended reader",
    "banned reader",
    "moderator",
    "superuser",
)
# Anonymous and the four readers: the admin sends whoever is not staff to its log-in page.
READERS_LOG_IN = (LOGIN, LOGIN, LOGIN, LOGIN, LOGIN)

# The reader is the author of the comment under test; the others try the reader's comment.
# Admin lines: "comment: approve" is CommentAdmin's action "approve", and so on; a user
# action acts on the reader, "a staff account" on another moderator.
# fmt: off
MATRIX = [
    # action                                 anonymous  reader     other      suspended  banned     moderator  superuser
    ("read the article page",               (OK,        OK,        OK,        OK,        OK,        OK,        OK)),
    ("read the comment's permalink",        (OK,        OK,        OK,        OK,        OK,        OK,        OK)),
    ("read a pending comment's permalink",  (NOT_FOUND, OK,        NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND)),
    ("post a comment",                      (LOGIN,     OK,        OK,        REFUSED,   REFUSED,   OK,        OK)),
    ("reply to the comment",                (LOGIN,     OK,        OK,        REFUSED,   REFUSED,   OK,        OK)),
    ("edit own comment",                    (LOGIN,     OK,        NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND)),
    ("delete own comment",                  (LOGIN,     OK,        NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND)),
    ("report the comment",                  (LOGIN,     REFUSED,   OK,        REFUSED,   REFUSED,   OK,        OK)),
    ("follow the thread",                   (LOGIN,     OK,        OK,        OK,        OK,        OK,        OK)),
    ("comment: approve",                    (*READERS_LOG_IN,                                       OK,        OK)),
    ("comment: mark_spam",                  (*READERS_LOG_IN,                                       OK,        OK)),
    ("comment: remove",                     (*READERS_LOG_IN,                                       OK,        OK)),
    ("comment: remove_with_replies",        (*READERS_LOG_IN,                                       OK,        OK)),
    ("comment: reject_with_reason",         (*READERS_LOG_IN,                                       OK,        OK)),
    ("comment: restore",                    (*READERS_LOG_IN,                                       OK,        OK)),
    ("comment: the why-held page",          (*READERS_LOG_IN,                                       OK,        OK)),
    ("thread: close_comments",              (*READERS_LOG_IN,                                       OK,        OK)),
    ("thread: reopen_comments",             (*READERS_LOG_IN,                                       OK,        OK)),
    ("thread: keep_open_action",            (*READERS_LOG_IN,                                       OK,        OK)),
    ("thread: stop_keeping_open",           (*READERS_LOG_IN,                                       OK,        OK)),
    ("user: premoderate",                   (*READERS_LOG_IN,                                       OK,        OK)),
    ("user: end_premoderation",             (*READERS_LOG_IN,                                       OK,        OK)),
    ("user: suspend",                       (*READERS_LOG_IN,                                       OK,        OK)),
    ("user: ban",                           (*READERS_LOG_IN,                                       OK,        OK)),
    ("user: ban_and_remove_comments",       (*READERS_LOG_IN,                                       OK,        OK)),
    ("user: lift_restrictions",             (*READERS_LOG_IN,                                       OK,        OK)),
    ("user: ban a staff account",           (*READERS_LOG_IN,                                       REFUSED,   OK)),
    ("user: download personal data",        (*READERS_LOG_IN,                                       OK,        OK)),
    ("user: erase the account",             (*READERS_LOG_IN,                                       OK,        OK)),
    ("user: erase a staff account",         (*READERS_LOG_IN,                                       REFUSED,   OK)),
    ("site settings: change",               (*READERS_LOG_IN,                                       OK,        OK)),
    ("word list: add",                      (*READERS_LOG_IN,                                       OK,        OK)),
    ("word list: change",                   (*READERS_LOG_IN,                                       OK,        OK)),
    ("audit log: read",                     (*READERS_LOG_IN,                                       OK,        OK)),
    ("audit log: change",                   (*READERS_LOG_IN,                                       REFUSED,   REFUSED)),
    ("audit log: delete",                   (*READERS_LOG_IN,                                       REFUSED,   REFUSED)),
    ("audit log: delete selected",          (*READERS_LOG_IN,                                       REFUSED,   REFUSED)),
]
# fmt: on
# What REFUSED is, line by line (each line's ``refused=`` below checks it):
# - post, reply: 403 with the rule's sentence ("You have been banned from commenting.",
#   "You cannot comment until ...");
# - report: 403, "You cannot report your own comment." or the same sentence as posting;
# - ban a staff account: the admin's warning "... left as it was: staff accounts are
#   restricted by a superuser ..." on its redirect (302), as its batch actions answer;
# - erase a staff account: 403;
# - audit log change and delete: 403, and the admin offers neither to anyone; delete
#   selected: the list again (200), as the audit log has no actions at all.

# The admins whose actions each need a line, by the prefix of their lines.
ADMIN_ACTIONS = {"comment": Comment, "thread": Thread, "user": User}


@dataclass
class World:
    """What each cell starts from: one actor of each kind, an article, the reader's
    published comment, another moderator, a listed word and an audit row."""

    users: dict[str, User]
    actor: User | None
    thread: Thread
    comment: Comment
    colleague: User
    word: ModerationWord
    event: ModerationEvent

    @property
    def reader(self) -> User:
        return self.users["reader"]


@dataclass(frozen=True)
class Action:
    do: Callable  # (client, world) -> response
    done: Callable  # (world, response) -> bool: what an allowed request shows or stores
    refused: Callable | None = None  # (world, response) -> None: asserts the refusal
    prepare: Callable | None = None  # (world) -> None: the state the action applies to
    admin: bool = False  # an admin page: LOGIN is the admin's log-in page


@pytest.fixture(autouse=True)
def no_flood_rule_nor_first_comment_hold(settings, monkeypatch):
    """Every actor posts at once and is published: the cells are about who, not when."""
    settings.FORUM_FLOOD_SECONDS = 0
    monkeypatch.setattr(
        moderation,
        "HOLDS_AND_SPAM",
        [
            check
            for check in moderation.HOLDS_AND_SPAM
            if check is not moderation.check_first_comment
        ],
    )


@pytest.fixture
def world(db):
    now = timezone.now()
    users = {
        "reader": UserFactory(username="reader"),
        "other reader": UserFactory(username="other"),
        "suspended reader": UserFactory(
            username="suspended", suspended_until=now + timedelta(days=3)
        ),
        "banned reader": UserFactory(username="banned", banned=True),
        "moderator": ModeratorFactory(username="mod"),
        "superuser": UserFactory(username="root", is_staff=True, is_superuser=True),
    }
    thread = ArticleFactory(slug="harbour").thread
    comment = CommentFactory(
        thread=thread,
        author=users["reader"],
        body="The harbour wall held.",
        created_at=now - timedelta(minutes=1),  # within the edit window
    )
    return World(
        users=users,
        actor=None,
        thread=thread,
        comment=comment,
        colleague=ModeratorFactory(username="colleague"),
        word=ModerationWord.objects.create(phrase="casino", kind=ModerationWord.Kind.HOLD),
        event=ModerationEvent.objects.create(action="pre-moderate", actor_name="mod"),
    )


def stored() -> dict:
    """Every row a request could change, to compare before and after a refusal."""
    models = (
        User,
        Thread,
        Comment,
        CommentRevision,
        Report,
        Subscription,
        SiteSettings,
        ModerationWord,
        ModerationEvent,
    )
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


def fresh(obj):
    obj.refresh_from_db()
    return obj


# Refusals


def says(status: int, text: Callable | str):
    """Refused with ``status`` and a page that says ``text`` (or ``text(world)``)."""

    def check(world, response):
        assert response.status_code == status
        expected = text(world) if callable(text) else text
        assert expected in response.content.decode()

    return check


def restriction_sentence(world) -> str:
    return moderation.restriction(world.actor)[1]


def report_refusal(world) -> str:
    if moderation.restriction(world.actor):
        return restriction_sentence(world)
    return "You cannot report your own comment."


def forbidden(world, response):
    assert response.status_code == 403


def left_as_it_was(world, response):
    """The admin's batch actions skip what the moderator may not touch, and say so."""
    assert response.status_code == 302
    warnings = [str(message) for message in get_messages(response.wsgi_request)]
    assert any("staff accounts are restricted by a superuser" in each for each in warnings)


def audit_log_refused(permission: str):
    """403, and the admin offers the change or delete to nobody."""

    def check(world, response):
        assert response.status_code == 403
        request = RequestFactory().get("/")
        request.user = world.actor
        event_admin = admin.site.get_model_admin(ModerationEvent)
        assert not getattr(event_admin, f"has_{permission}_permission")(request, world.event)

    return check


def no_bulk_delete(world, response):
    assert response.status_code == 200
    request = RequestFactory().get("/")
    request.user = world.actor
    assert "delete_selected" not in admin.site.get_model_admin(ModerationEvent).get_actions(request)


# The reader's actions


def article_page(client, world):
    return client.get(world.thread.article.get_absolute_url())


def permalink(client, world):
    return client.get(reverse("forum:comment-permalink", args=[world.comment.pk]))


def make_pending(world):
    Comment.objects.filter(pk=world.comment.pk).update(
        status=Comment.Status.PENDING, first_published_at=None
    )
    services.refresh_thread(world.thread.pk)


def post(body: str, *, reply: bool = False):
    def do(client, world):
        data = {"body": body, **({"parent": world.comment.pk} if reply else {})}
        return client.post(reverse("forum:post-comment", args=[world.thread.pk]), data)

    return do


def posted(body: str, *, reply: bool = False):
    def done(world, response):
        parent = world.comment if reply else None
        return Comment.objects.filter(author=world.actor, body=body, parent=parent).exists()

    return done


def on_comment(url_name: str, **data):
    def do(client, world):
        return client.post(reverse(f"forum:{url_name}", args=[world.comment.pk]), data)

    return do


READER_ACTIONS = {
    "read the article page": Action(
        do=article_page,
        done=lambda world, response: (
            response.status_code == 200 and world.comment.body in response.content.decode()
        ),
    ),
    "read the comment's permalink": Action(
        do=permalink,
        done=lambda world, response: response.url.endswith(f"#comment-{world.comment.pk}"),
    ),
    "read a pending comment's permalink": Action(
        do=permalink,
        prepare=make_pending,
        done=lambda world, response: response.url.endswith(f"#comment-{world.comment.pk}"),
    ),
    "post a comment": Action(
        do=post("Good to hear it."),
        done=posted("Good to hear it."),
        refused=says(403, restriction_sentence),
    ),
    "reply to the comment": Action(
        do=post("It did, this time.", reply=True),
        done=posted("It did, this time.", reply=True),
        refused=says(403, restriction_sentence),
    ),
    "edit own comment": Action(
        do=on_comment("edit-comment", body="The harbour wall held, just."),
        done=lambda world, response: fresh(world.comment).body == "The harbour wall held, just.",
    ),
    "delete own comment": Action(
        do=on_comment("delete-comment"),
        done=lambda world, response: fresh(world.comment).deleted_at is not None,
    ),
    "report the comment": Action(
        do=on_comment("report-comment", reason=Report.Reason.SPAM),
        done=lambda world, response: Report.objects.filter(
            comment=world.comment, reporter=world.actor
        ).exists(),
        refused=says(403, report_refusal),
    ),
    "follow the thread": Action(
        do=lambda client, world: client.post(reverse("forum:follow", args=[world.thread.pk])),
        done=lambda world, response: Subscription.objects.filter(
            user=world.actor, thread=world.thread
        ).exists(),
    ),
}


# The admin's actions


def changelist_action(model: str, name: str, target: Callable, query: str = "", **data):
    """The POST of the admin's action form, as a moderator sends it from the list."""

    def do(client, world):
        url = reverse(f"admin:forum_{model}_changelist") + query
        return client.post(url, {"action": name, "_selected_action": [target(world).pk], **data})

    return do


def comment_action(name: str, **data):
    # The queue opens on pending comments; "All" lists the comment whatever its status.
    return changelist_action("comment", name, lambda world: world.comment, "?status=all", **data)


def comment_is(status: str, **fields):
    def done(world, response):
        comment = fresh(world.comment)
        return comment.status == status and all(
            getattr(comment, name) == value for name, value in fields.items()
        )

    return done


def add_a_reply(world):
    CommentFactory(thread=world.thread, parent=world.comment, body="Mine too.")


def comment_and_reply_removed(world, response):
    replies = Comment.objects.filter(parent=world.comment)
    return fresh(world.comment).status == Comment.Status.REMOVED and not replies.exclude(
        status=Comment.Status.REMOVED
    )


def take_down(world):
    Comment.objects.filter(pk=world.comment.pk).update(
        status=Comment.Status.REMOVED, status_before_removal=Comment.Status.PUBLISHED
    )
    services.refresh_thread(world.thread.pk)


def thread_action(name: str):
    return changelist_action("thread", name, lambda world: world.thread)


def thread_is(**fields):
    def done(world, response):
        thread = fresh(world.thread)
        return all(getattr(thread, name) == value for name, value in fields.items())

    return done


def set_thread(**fields):
    return lambda world: Thread.objects.filter(pk=world.thread.pk).update(**fields)


def user_action(name: str, **data):
    return changelist_action("user", name, lambda world: world.reader, **data)


def reader_is(**fields):
    def done(world, response):
        reader = fresh(world.reader)
        return all(getattr(reader, name) == value for name, value in fields.items())

    return done


def set_reader(**fields):
    return lambda world: User.objects.filter(pk=world.reader.pk).update(**fields)


def next_week() -> str:
    return (timezone.localtime() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")


def user_page(name: str, target: Callable, **data):
    def do(client, world):
        url = reverse(f"admin:forum_user_{name}", args=[target(world).pk])
        return client.post(url, data) if data else client.get(url)

    return do


def admin_line(**fields) -> Action:
    return Action(admin=True, **fields)


def admin_post(url_name: str, args: Callable, **data):
    def do(client, world):
        return client.post(reverse(url_name, args=args(world)), data)

    return do


ADMIN_LINES = {
    "comment: approve": admin_line(
        do=comment_action("approve"),
        prepare=make_pending,
        done=comment_is(Comment.Status.PUBLISHED),
    ),
    "comment: mark_spam": admin_line(
        do=comment_action("mark_spam"), done=comment_is(Comment.Status.SPAM)
    ),
    "comment: remove": admin_line(
        do=comment_action("remove"), done=comment_is(Comment.Status.REMOVED)
    ),
    "comment: remove_with_replies": admin_line(
        do=comment_action("remove_with_replies"),
        prepare=add_a_reply,
        done=comment_and_reply_removed,
    ),
    "comment: reject_with_reason": admin_line(
        do=comment_action("reject_with_reason", post="yes", reason_code="off_topic"),
        done=comment_is(Comment.Status.REMOVED, reason_code="off_topic"),
    ),
    "comment: restore": admin_line(
        do=comment_action("restore"),
        prepare=take_down,
        done=comment_is(Comment.Status.PUBLISHED),
    ),
    "comment: the why-held page": admin_line(
        do=lambda client, world: client.get(reverse("admin:forum_comment_why_held")),
        done=lambda world, response: response.status_code == 200,
    ),
    "thread: close_comments": admin_line(
        do=thread_action("close_comments"), done=thread_is(status=Thread.Status.CLOSED)
    ),
    "thread: reopen_comments": admin_line(
        do=thread_action("reopen_comments"),
        prepare=set_thread(status=Thread.Status.CLOSED),
        done=thread_is(status=Thread.Status.OPEN),
    ),
    "thread: keep_open_action": admin_line(
        do=thread_action("keep_open_action"), done=thread_is(keep_open=True)
    ),
    "thread: stop_keeping_open": admin_line(
        do=thread_action("stop_keeping_open"),
        prepare=set_thread(keep_open=True),
        done=thread_is(keep_open=False),
    ),
    "user: premoderate": admin_line(
        do=user_action("premoderate"), done=reader_is(premoderated=True)
    ),
    "user: end_premoderation": admin_line(
        do=user_action("end_premoderation"),
        prepare=set_reader(premoderated=True),
        done=reader_is(premoderated=False),
    ),
    "user: suspend": admin_line(
        do=user_action("suspend", post="yes", until=next_week()),
        done=lambda world, response: fresh(world.reader).is_suspended(),
    ),
    "user: ban": admin_line(do=user_action("ban"), done=reader_is(banned=True)),
    "user: ban_and_remove_comments": admin_line(
        do=user_action("ban_and_remove_comments"),
        done=lambda world, response: (
            fresh(world.reader).banned and fresh(world.comment).status == Comment.Status.REMOVED
        ),
    ),
    "user: lift_restrictions": admin_line(
        do=user_action("lift_restrictions"),
        prepare=set_reader(banned=True, suspended_until=timezone.now() + timedelta(days=1)),
        done=reader_is(banned=False, suspended_until=None),
    ),
    "user: ban a staff account": admin_line(
        do=changelist_action("user", "ban", lambda world: world.colleague),
        done=lambda world, response: fresh(world.colleague).banned,
        refused=left_as_it_was,
    ),
    "user: download personal data": admin_line(
        do=user_page("personal_data", lambda world: world.reader),
        done=lambda world, response: (
            response.status_code == 200
            and ModerationEvent.objects.filter(
                action="download personal data", user=world.reader
            ).exists()
        ),
    ),
    "user: erase the account": admin_line(
        do=user_page("erase", lambda world: world.reader, comments="anonymise"),
        done=lambda world, response: not User.objects.filter(pk=world.reader.pk).exists(),
    ),
    "user: erase a staff account": admin_line(
        do=user_page("erase", lambda world: world.colleague, comments="anonymise"),
        done=lambda world, response: not User.objects.filter(pk=world.colleague.pk).exists(),
        refused=forbidden,
    ),
    "site settings: change": admin_line(
        do=admin_post(
            "admin:forum_sitesettings_change", lambda world: [1], approve_all_manually="on"
        ),
        done=lambda world, response: SiteSettings.objects.filter(
            pk=1, approve_all_manually=True
        ).exists(),
    ),
    "word list: add": admin_line(
        do=admin_post(
            "admin:forum_moderationword_add", lambda world: [], phrase="lottery", kind="hold"
        ),
        done=lambda world, response: ModerationWord.objects.filter(phrase="lottery").exists(),
    ),
    "word list: change": admin_line(
        do=admin_post(
            "admin:forum_moderationword_change",
            lambda world: [world.word.pk],
            phrase="casino",
            kind="disallow",
        ),
        done=lambda world, response: fresh(world.word).kind == ModerationWord.Kind.DISALLOW,
    ),
    "audit log: read": admin_line(
        do=lambda client, world: client.get(reverse("admin:forum_moderationevent_changelist")),
        done=lambda world, response: (
            response.status_code == 200 and "pre-moderate" in response.content.decode()
        ),
    ),
    "audit log: change": admin_line(
        do=admin_post(
            "admin:forum_moderationevent_change",
            lambda world: [world.event.pk],
            action="nothing happened",
            actor_name="nobody",
        ),
        done=lambda world, response: fresh(world.event).action == "nothing happened",
        refused=audit_log_refused("change"),
    ),
    "audit log: delete": admin_line(
        do=admin_post(
            "admin:forum_moderationevent_delete", lambda world: [world.event.pk], post="yes"
        ),
        done=lambda world, response: not ModerationEvent.objects.filter(pk=world.event.pk).exists(),
        refused=audit_log_refused("delete"),
    ),
    "audit log: delete selected": admin_line(
        do=changelist_action(
            "moderationevent", "delete_selected", lambda world: world.event, post="yes"
        ),
        done=lambda world, response: not ModerationEvent.objects.filter(pk=world.event.pk).exists(),
        refused=no_bulk_delete,
    ),
}
ACTIONS = {**READER_ACTIONS, **ADMIN_LINES}


def cells():
    lines = dict(MATRIX)
    for prefix, model in ADMIN_ACTIONS.items():
        for name in admin.site.get_model_admin(model).actions:
            lines.setdefault(f"{prefix}: {name}", None)
    for action, outcomes in lines.items():
        for index, actor in enumerate(ACTORS):
            expected = outcomes[index] if outcomes else None
            yield pytest.param(action, actor, expected, id=f"{action} / {actor}")


def is_login_redirect(response, *, admin_login: bool) -> bool:
    login = reverse("admin:login" if admin_login else "login")
    return response.status_code == 302 and response.url.startswith(f"{login}?next=")


@pytest.mark.parametrize(("action_name", "actor", "expected"), list(cells()))
def test_permission(client, world, action_name, actor, expected):
    assert expected is not None, f"The admin's action {action_name!r} has no line in MATRIX."
    assert len(dict(MATRIX)[action_name]) == len(ACTORS)
    action = ACTIONS[action_name]
    if action.prepare:
        action.prepare(world)
    world.actor = world.users.get(actor)
    if world.actor is not None:
        client.force_login(world.actor)
    before = stored()

    response = action.do(client, world)

    if expected == OK:
        assert response.status_code < 400
        assert not is_login_redirect(response, admin_login=action.admin)
        assert action.done(world, response)
        return
    if expected == LOGIN:
        assert is_login_redirect(response, admin_login=action.admin)
    elif expected == NOT_FOUND:
        assert response.status_code == 404
    else:
        assert action.refused is not None, f"{action_name!r} names no refusal"
        action.refused(world, response)
    assert stored() == before
