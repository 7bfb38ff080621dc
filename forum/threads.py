"""Reading a thread: the comments a reader sees, arranged as a reply tree."""

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings

from .models import Comment, Thread


@dataclass
class ThreadView:
    """A thread as one reader sees it, ready for the template.

    ``comments`` is in display order: each comment is followed by its replies. Every
    comment carries ``depth`` (1 for top level, capped at the thread depth limit) and
    the markup hints ``opens_children`` and ``closes`` (how many reply lists end after
    it), so the template nests ``<ol class="children">`` without recursion.
    """

    thread: Thread
    comments: list[Comment]
    published_count: int


def thread_for_reader(thread: Thread, user) -> ThreadView:
    """One query, whatever the size of the thread."""
    max_depth = settings.FORUM_MAX_THREAD_DEPTH
    visible = list(Comment.objects.visible_to(user).filter(thread=thread).select_related("author"))
    visible_ids = {comment.pk for comment in visible}
    roots = []
    replies = defaultdict(list)
    for comment in visible:
        if comment.parent_id is None:
            roots.append(comment)
        elif comment.parent_id in visible_ids:
            replies[comment.parent_id].append(comment)
        # A reply whose parent is hidden (removed, or someone else's pending comment)
        # has no place in the tree, so it is not shown.

    in_order = []
    stack = [(comment, 1) for comment in reversed(roots)]
    while stack:
        comment, depth = stack.pop()
        comment.real_depth = depth
        in_order.append(comment)
        stack.extend((reply, depth + 1) for reply in reversed(replies[comment.pk]))

    # A comment its author deleted stays as "[comment deleted]" only while replies
    # below it are shown. Replies come after their parent, so walk backwards.
    shown = set()
    for comment in reversed(in_order):
        if comment.deleted_at is None or any(r.pk in shown for r in replies[comment.pk]):
            shown.add(comment.pk)
    ordered = [comment for comment in in_order if comment.pk in shown]

    for index, comment in enumerate(ordered):
        # Replies past the depth limit are shown at the limit, after their parent.
        comment.depth = min(comment.real_depth, max_depth)
        next_depth = (
            min(ordered[index + 1].real_depth, max_depth) if index + 1 < len(ordered) else 1
        )
        comment.opens_children = next_depth > comment.depth
        comment.closes = range(max(comment.depth - next_depth, 0))
        comment.can_be_replied_to = (
            comment.depth < max_depth
            and comment.status == Comment.Status.PUBLISHED
            and comment.deleted_at is None
        )

    published_count = sum(
        1
        for comment in ordered
        if comment.status == Comment.Status.PUBLISHED and comment.deleted_at is None
    )
    return ThreadView(thread=thread, comments=ordered, published_count=published_count)
