"""Create the "Moderators" group: staff in it work the comment queue in the admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODERATORS_GROUP = "Moderators"

# (app label, codename) of each permission the group holds.
MODERATOR_PERMISSIONS = [
    ("forum", "view_comment"),
    ("forum", "change_comment"),
    ("forum", "moderate_comment"),
    ("forum", "view_thread"),
    ("forum", "change_thread"),
    ("forum", "close_thread"),
    ("articles", "view_article"),
]


def create_moderators_group(apps, schema_editor):
    # Permissions are normally created after all migrations ran; make sure they exist now.
    for app_label in ("forum", "articles"):
        app_config = apps.get_app_config(app_label)
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


def delete_moderators_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=MODERATORS_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0001_initial"),
        ("articles", "0002_article_author"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_moderators_group, delete_moderators_group)]
