from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.timesince import timesince
from django.utils.translation import ngettext

from . import services
from .models import Comment, Thread, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "display_name", "email", "is_staff", "date_joined")
    search_fields = ("username", "display_name", "email")
    fieldsets = (
        *DjangoUserAdmin.fieldsets[:1],
        ("Personal info", {"fields": ("display_name", "first_name", "last_name", "email")}),
        *DjangoUserAdmin.fieldsets[2:],
    )


class CommentStatusFilter(admin.SimpleListFilter):
    """The queue: opens on pending comments, the ones that need a moderator."""

    title = "status"
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*Comment.Status.choices, (self.ALL, "All")]

    def value(self):
        return super().value() or Comment.Status.PENDING

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == self.ALL:
            return queryset
        return queryset.filter(status=self.value())


def _moderate(modeladmin, request, queryset, service, *, done: tuple[str, str], skipped: str):
    """Apply one moderation service to each selected comment and report how it went."""
    done_count = skipped_count = 0
    for comment in queryset:
        try:
            service(comment, by=request.user)
            done_count += 1
        except services.InvalidTransition:
            skipped_count += 1
    if done_count:
        message = ngettext(done[0], done[1], done_count) % {"count": done_count}
        modeladmin.message_user(request, message, messages.SUCCESS)
    if skipped_count:
        message = ngettext(
            "%(count)d comment was left as it was: " + skipped,
            "%(count)d comments were left as they were: " + skipped,
            skipped_count,
        ) % {"count": skipped_count}
        modeladmin.message_user(request, message, messages.WARNING)


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("excerpt", "author_column", "article", "parent_excerpt", "age", "reason")
    list_display_links = ("excerpt",)
    list_filter = (CommentStatusFilter, "created_at")
    list_select_related = ("author", "thread__article", "parent")
    search_fields = (
        "body",
        "author__username",
        "author__display_name",
        "author_name",
        "thread__article__title",
    )
    ordering = ("-created_at", "-id")
    list_per_page = 50
    actions = ("approve", "mark_spam", "remove", "restore")
    fields = (
        "article",
        "parent",
        "author",
        "author_name",
        "body",
        "status",
        "reason",
        "created_at",
        "edited_at",
        "moderated_by",
        "moderated_at",
        "ip_address",
    )
    readonly_fields = tuple(field for field in fields if field != "body")

    def has_add_permission(self, request):
        # Comments are written on the site, where the rules apply.
        return False

    def has_moderate_permission(self, request):
        return request.user.has_perm("forum.moderate_comment")

    @admin.display(description="comment")
    def excerpt(self, comment):
        return comment.excerpt

    @admin.display(description="author", ordering="author__username")
    def author_column(self, comment):
        return comment.author_display_name

    @admin.display(description="article", ordering="thread__article__title")
    def article(self, comment):
        return comment.thread.article.title

    @admin.display(description="in reply to")
    def parent_excerpt(self, comment):
        return comment.parent.excerpt if comment.parent_id else "—"

    @admin.display(description="age", ordering="created_at")
    def age(self, comment):
        return f"{timesince(comment.created_at)} ago"

    @admin.action(permissions=["moderate"], description="Approve selected comments")
    def approve(self, request, queryset):
        _moderate(
            self,
            request,
            queryset,
            services.approve,
            done=("%(count)d comment was approved.", "%(count)d comments were approved."),
            skipped="only pending comments can be approved.",
        )

    @admin.action(permissions=["moderate"], description="Mark selected comments as spam")
    def mark_spam(self, request, queryset):
        _moderate(
            self,
            request,
            queryset,
            services.mark_spam,
            done=(
                "%(count)d comment was marked as spam.",
                "%(count)d comments were marked as spam.",
            ),
            skipped="already spam.",
        )

    @admin.action(permissions=["moderate"], description="Remove selected comments")
    def remove(self, request, queryset):
        _moderate(
            self,
            request,
            queryset,
            services.remove,
            done=("%(count)d comment was removed.", "%(count)d comments were removed."),
            skipped="already removed.",
        )

    @admin.action(permissions=["moderate"], description="Restore selected comments")
    def restore(self, request, queryset):
        _moderate(
            self,
            request,
            queryset,
            services.restore,
            done=("%(count)d comment was restored.", "%(count)d comments were restored."),
            skipped="only spam or removed comments can be restored.",
        )


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = ("article", "status", "status_changed_by", "status_changed_at")
    list_filter = ("status",)
    list_select_related = ("article", "status_changed_by")
    search_fields = ("article__title",)
    actions = ("close_comments", "reopen_comments")
    fields = ("article", "status", "closing_message", "status_changed_by", "status_changed_at")
    readonly_fields = ("article", "status_changed_by", "status_changed_at")

    def has_add_permission(self, request):
        # Every article gets its thread when it is created.
        return False

    def has_close_permission(self, request):
        return request.user.has_perm("forum.close_thread")

    def get_readonly_fields(self, request, obj=None):
        if not self.has_close_permission(request):
            return (*self.readonly_fields, "status", "closing_message")
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        # Opening or closing goes through the services, which record who and when.
        if "status" in form.changed_data or "closing_message" in form.changed_data:
            if obj.status == Thread.Status.CLOSED:
                services.close_thread(obj, by=request.user, message=obj.closing_message)
            else:
                services.reopen_thread(obj, by=request.user)
        else:
            super().save_model(request, obj, form, change)

    @admin.action(permissions=["close"], description="Close comments on selected threads")
    def close_comments(self, request, queryset):
        count = 0
        for thread in queryset:
            services.close_thread(thread, by=request.user)
            count += 1
        message = ngettext(
            "Comments were closed on %(count)d thread.",
            "Comments were closed on %(count)d threads.",
            count,
        ) % {"count": count}
        self.message_user(request, message, messages.SUCCESS)

    @admin.action(permissions=["close"], description="Reopen comments on selected threads")
    def reopen_comments(self, request, queryset):
        count = 0
        for thread in queryset:
            services.reopen_thread(thread, by=request.user)
            count += 1
        message = ngettext(
            "Comments were reopened on %(count)d thread.",
            "Comments were reopened on %(count)d threads.",
            count,
        ) % {"count": count}
        self.message_user(request, message, messages.SUCCESS)
