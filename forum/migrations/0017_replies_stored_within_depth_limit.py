"""Replies that were stored deeper than FORUM_MAX_THREAD_DEPTH (a reply to a comment at the
limit, or an import from a site that nests deeper) move beside the comment at the limit,
under its parent, where the forum now stores them: the page showed them at the limit
already, and the API, the export and the counts now say the same. Not undone when
migrating back: the deeper parents are not kept."""

from collections import defaultdict

from django.conf import settings
from django.db import migrations
from django.db.models import Exists, F, OuterRef, Q


def new_parents(parents: dict, max_depth: int) -> dict:
    """{id: parent id} in, the new parent of each comment deeper than ``max_depth`` out:
    its ancestor at depth ``max_depth - 1`` (None: the top level). As in
    forum.threads.parents_within_limit, copied so that this migration stays as it is."""
    depth_of = {}
    moved = {}
    for pk in parents:
        chain = []
        current = pk
        while current is not None and current not in depth_of and current not in chain:
            chain.append(current)
            current = parents.get(current)
        depth = depth_of.get(current, 0)
        for each in reversed(chain):
            depth += 1
            depth_of[each] = depth
        if depth_of[pk] > max_depth:
            ancestor = pk
            for _ in range(depth_of[pk] - max_depth + 1):
                ancestor = parents[ancestor]
            moved[pk] = ancestor
    return moved


def attach_at_the_limit(apps, schema_editor):
    Comment = apps.get_model("forum", "Comment")
    Thread = apps.get_model("forum", "Thread")
    parents, thread_of = {}, {}
    rows = Comment.objects.values_list("pk", "parent_id", "thread_id")
    for pk, parent_id, thread_id in rows.iterator(chunk_size=5000):
        parents[pk], thread_of[pk] = parent_id, thread_id
    moved = new_parents(parents, settings.FORUM_MAX_THREAD_DEPTH)
    if not moved:
        return
    by_new_parent = defaultdict(list)
    for pk, new_parent in moved.items():
        by_new_parent[new_parent].append(pk)
    for new_parent, pks in by_new_parent.items():
        root = {} if new_parent is not None else {"root": None}
        for start in range(0, len(pks), 500):
            Comment.objects.filter(pk__in=pks[start : start + 500]).update(
                parent=new_parent, **root
            )
    # The threads' cached pages are stale; their counts too if comments became top-level.
    thread_ids = sorted({thread_of[pk] for pk in moved})
    counted = Comment.objects.filter(status="published", deleted_at__isnull=True)
    for thread_id in thread_ids:
        roots = Comment.objects.filter(thread_id=thread_id, status="published", parent=None)
        answered = Exists(counted.filter(root=OuterRef("pk")))
        Thread.objects.filter(pk=thread_id).update(
            version=F("version") + 1,
            published_count=counted.filter(thread_id=thread_id).count(),
            root_count=roots.filter(Q(deleted_at__isnull=True) | Q(answered)).count(),
        )


class Migration(migrations.Migration):
    dependencies = [("forum", "0016_discussion_outlives_authors_and_parents")]

    operations = [migrations.RunPython(attach_at_the_limit, migrations.RunPython.noop)]
