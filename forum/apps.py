from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class ForumConfig(AppConfig):
    name = "forum"
    verbose_name = _("Forum")

    def ready(self):
        from . import signals  # noqa: F401  (connects the receivers)


class ForumAdminConfig(AdminConfig):
    """Django's admin, with an index page that shows the moderation queue's size."""

    default_site = "forum.admin_site.ForumAdminSite"
