"""Give the Moderators group what the moderation tools need, and fill reason codes in."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODERATORS_GROUP = "Moderators"

MODERATOR_PERMISSIONS = [
    ("forum", "view_user"),
    ("forum", "change_user"),
    ("forum", "moderate_user"),
    ("forum", "view_report"),
    ("forum", "view_commentrevision"),
    ("forum", "view_moderationevent"),
    ("forum", "view_moderationword"),
    ("forum", "add_moderationword"),
    ("forum", "change_moderationword"),
    ("forum", "delete_moderationword"),
    ("forum", "view_sitesettings"),
    ("forum", "change_sitesettings"),
]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("forum")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
    for app_label, codename in MODERATOR_PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    # Comments held before reason codes existed were all held as first comments.
    Comment = apps.get_model("forum", "Comment")
    Comment.objects.filter(reason="first comment", reason_code="").update(
        reason_code="first_comment"
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=MODERATORS_GROUP).first()
    if group:
        for app_label, codename in MODERATOR_PERMISSIONS:
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )


class Migration(migrations.Migration):
    dependencies = [("forum", "0003_moderation_policy_reports_revisions_audit")]

    operations = [migrations.RunPython(grant, revoke)]
