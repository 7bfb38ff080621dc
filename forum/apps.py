from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class ForumConfig(AppConfig):
    name = "forum"
    verbose_name = "Forum"

    def ready(self):
        from . import signals  # noqa: F401  (connects the receivers)


class ForumAdminConfig(AdminConfig):
    """Django's admin, with an index page that shows the moderation queue's size."""

    default_site = "forum.admin_site.ForumAdminSite"
