from django.contrib import admin


class ForumAdminSite(admin.AdminSite):
    site_header = "News Forum moderation"
    site_title = "News Forum admin"
    index_title = "Moderation and content"
    index_template = "admin/forum_index.html"

    def index(self, request, extra_context=None):
        from django.db.models import Exists, OuterRef

        from .models import Comment, Report

        extra_context = extra_context or {}
        if request.user.has_perm("forum.view_comment"):
            extra_context["pending_comment_count"] = Comment.objects.awaiting_moderation().count()
            # Comments with a report no moderator has looked at, whatever their status:
            # the "Reported" queue.
            extra_context["reported_comment_count"] = Comment.objects.filter(
                Exists(Report.objects.unresolved().filter(comment=OuterRef("pk")))
            ).count()
        return super().index(request, extra_context)
