from django.contrib import admin


class ForumAdminSite(admin.AdminSite):
    site_header = "News Forum moderation"
    site_title = "News Forum admin"
    index_title = "Moderation and content"
    index_template = "admin/forum_index.html"

    def index(self, request, extra_context=None):
        from django.db.models import Exists, OuterRef

        from .models import Comment, Report
        from .throttling import locked_out

        extra_context = extra_context or {}
        if request.user.has_perm("axes.view_accessattempt"):
            extra_context["locked_out"] = locked_out()
        if request.user.has_perm("forum.view_comment"):
            extra_context["pending_comment_count"] = Comment.objects.awaiting_moderation().count()
            # Comments with a report no moderator has looked at, whatever their status:
            # the "Reported" queue.
            extra_context["reported_comment_count"] = Comment.objects.filter(
                Exists(Report.objects.unresolved().filter(comment=OuterRef("pk")))
            ).count()
        return super().index(request, extra_context)
