"""Give existing comments their root and pre-rendered HTML, and threads their counts."""

from django.db import migrations

from forum.rendering import render_comment_body


def fill(apps, schema_editor):
    Comment = apps.get_model("forum", "Comment")
    Thread = apps.get_model("forum", "Thread")
    root_of = {}
    # Parents are older than their replies, so one pass in id order sees them first.
    for comment in Comment.objects.order_by("id").only("id", "parent_id", "body"):
        # A top-level comment has no root; a reply's root is its parent's, or its parent.
        comment.root_id = root_of.get(comment.parent_id) or comment.parent_id
        root_of[comment.pk] = comment.root_id
        comment.body_html = render_comment_body(comment.body)
        comment.save(update_fields=["root", "body_html"])
    for thread in Thread.objects.all():
        published = Comment.objects.filter(thread=thread, status="published")
        thread.published_count = published.filter(deleted_at__isnull=True).count()
        thread.root_count = published.filter(parent__isnull=True).count()
        thread.save(update_fields=["published_count", "root_count"])


class Migration(migrations.Migration):
    dependencies = [("forum", "0005_comment_root_body_html_thread_counts")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
