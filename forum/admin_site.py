from django.contrib import admin


class ForumAdminSite(admin.AdminSite):
    site_header = "News Forum moderation"
    site_title = "News Forum admin"
    index_title = "Moderation and content"
    index_template = "admin/forum_index.html"

    def index(self, request, extra_context=None):
        from .models import Comment

        extra_context = extra_context or {}
        if request.user.has_perm("forum.view_comment"):
            extra_context["pending_comment_count"] = Comment.objects.awaiting_moderation().count()
        return super().index(request, extra_context)
