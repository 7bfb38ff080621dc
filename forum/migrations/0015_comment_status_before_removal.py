"""Remember what a comment was before a moderator took it down, so that restoring it puts
it back there; comments already taken down learn it from the audit log."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

STATUSES = [
    ("pending", "Pending"),
    ("published", "Published"),
    ("spam", "Spam"),
    ("removed", "Removed"),
]
# The moderators' actions that take a comment down (forum/services.py).
TAKING_DOWN = {"remove", "mark spam", "reject"}


def fill(apps, schema_editor):
    Comment = apps.get_model("forum", "Comment")
    ModerationEvent = apps.get_model("forum", "ModerationEvent")
    latest = ModerationEvent.objects.filter(
        comment=OuterRef("pk"), to_status=OuterRef("status")
    ).order_by("-created_at", "-id")
    taken_down = Comment.objects.filter(
        status__in=["spam", "removed"], deleted_at__isnull=True
    ).annotate(
        last_action=Subquery(latest.values("action")[:1]),
        came_from=Subquery(latest.values("from_status")[:1]),
    )
    came_from = {}
    for pk, status, action, before in taken_down.values_list(
        "pk", "status", "last_action", "came_from"
    ):
        # Taken down by the rules, on an edit or by an import: nothing known to go back
        # to, and a restore sends it to the queue.
        if action in TAKING_DOWN and before in dict(STATUSES) and before != status:
            came_from.setdefault(before, []).append(pk)
    for before, pks in came_from.items():
        for start in range(0, len(pks), 500):
            Comment.objects.filter(pk__in=pks[start : start + 500]).update(
                status_before_removal=before
            )


class Migration(migrations.Migration):
    dependencies = [("forum", "0014_moderators_see_lockouts")]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="status_before_removal",
            field=models.CharField(blank=True, choices=STATUSES, editable=False, max_length=10),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
