"""The moderators' tools in Django's admin.

Every change a moderator makes here goes through ``forum.services``, so that the rules,
the mails and the audit log (``ModerationEvent``) are the same as everywhere else. The
admin only reads models directly.
"""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy, pgettext_lazy

from articles.models import Article

from . import moderation, services
from .forms import refuse_unstorable_time
from .models import (
    Comment,
    CommentRevision,
    ModerationEvent,
    ModerationWord,
    ReasonCode,
    Report,
    SiteSettings,
    Thread,
    User,
    english,
)
from .personal_data_admin import PersonalDataAdminMixin

# Comments shown on a comment's page around it, at most: its replies, however deep.
CONVERSATION_REPLIES = 100
# The deepest indent the conversation draws (static/css/admin.css has a class for each).
CONVERSATION_MAX_INDENT = 8
# How many of a comment's replies the queue shows in each row.
QUEUE_REPLIES = 3
# How many of a user's latest comments their page lists.
USER_HISTORY = 20
# Which moderator decisions the "Reject with a reason" page offers.
REJECTION_REASONS = [
    ReasonCode.SPAM,
    ReasonCode.OFF_TOPIC,
    ReasonCode.ABUSE,
    ReasonCode.PRIVACY,
    ReasonCode.OTHER,
]


def open_reports(comment_field="pk"):
    return Report.objects.unresolved().filter(comment=OuterRef(comment_field))


def _report_outcome(modeladmin, request, *, done: str | None, skipped: str | None):
    """Say how a batch went: a success message and a warning for those left alone."""
    if done:
        modeladmin.message_user(request, done, messages.SUCCESS)
    if skipped:
        modeladmin.message_user(request, skipped, messages.WARNING)


def _left_as_they_were(count: int, why: str, noun="comment") -> str | None:
    if not count:
        return None
    if noun == "user":
        text = ngettext(
            "%(count)d user was left as it was: %(why)s",
            "%(count)d users were left as they were: %(why)s",
            count,
        )
    else:
        text = ngettext(
            "%(count)d comment was left as it was: %(why)s",
            "%(count)d comments were left as they were: %(why)s",
            count,
        )
    return text % {"count": count, "why": why}


def _intermediate_page(modeladmin, request, queryset, *, template, title, action, form, **extra):
    """The admin's confirmation page for an action that needs more input (as Django's
    "delete selected" does): the selected objects travel as ``_selected_action`` hidden
    inputs and come back with ``post``."""
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": opts,
        "app_label": opts.app_label,
        "objects": queryset,
        "form": form,
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "select_across": request.POST.get("select_across", "0"),
        "media": modeladmin.media + form.media,
        **extra,
    }
    return TemplateResponse(request, template, context)


# Users


RESTRICTIONS = ("premoderated", "suspended_until", "banned")
MODERATION_FIELDS = (*RESTRICTIONS, "moderator_note")


def _to_the_second(moment):
    return moment and moment.replace(microsecond=0)


class SuspendForm(forms.Form):
    until = forms.DateTimeField(
        label=_("Suspended until"),
        validators=[refuse_unstorable_time],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("In the site's time zone."),
    )
    note = forms.CharField(
        label=_("Note for moderators"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Why; kept on the user and in the audit log."),
    )

    def clean_until(self):
        until = self.cleaned_data["until"]
        if until <= timezone.now():
            raise forms.ValidationError(_("Choose a time in the future."))
        return until


class UserRestrictionFilter(admin.SimpleListFilter):
    title = _("suspended")
    parameter_name = "suspended"

    def lookups(self, request, model_admin):
        return [("yes", _("Suspended now")), ("no", _("Not suspended"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "yes":
            return queryset.filter(suspended_until__gt=now)
        if self.value() == "no":
            return queryset.exclude(suspended_until__gt=now)
        return queryset


@admin.register(User)
class UserAdmin(PersonalDataAdminMixin, DjangoUserAdmin):
    list_display = (
        "username",
        "display_name",
        "email",
        "is_staff",
        "premoderated",
        "banned",
        "suspended_until",
        "comment_count",
        "date_joined",
    )
    list_filter = (
        "premoderated",
        "banned",
        UserRestrictionFilter,
        ("email_confirmed_at", admin.EmptyFieldListFilter),
        "is_staff",
        "is_active",
    )
    search_fields = ("username", "display_name", "email")
    fieldsets = (
        *DjangoUserAdmin.fieldsets[:1],
        (
            _("Personal info"),
            {"fields": ("display_name", "first_name", "last_name", "email", "email_confirmed_at")},
        ),
        (_("Moderation"), {"fields": MODERATION_FIELDS}),
        *DjangoUserAdmin.fieldsets[2:],
    )
    # What a moderator who is not a superuser sees: no password, no permissions list.
    moderator_fieldsets = (
        (None, {"fields": ("username",)}),
        (
            _("Personal info"),
            {"fields": ("display_name", "first_name", "last_name", "email", "email_confirmed_at")},
        ),
        (_("Moderation"), {"fields": MODERATION_FIELDS}),
        (_("Account"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    actions = (
        "premoderate",
        "end_premoderation",
        "suspend",
        "ban",
        "ban_and_remove_comments",
        "lift_restrictions",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(comment_total=Count("comments"))

    def has_moderate_permission(self, request):
        return request.user.has_perm("forum.moderate_user")

    @staticmethod
    def may_restrict(request, user) -> bool:
        """Moderators restrict readers; staff accounts are a superuser's to restrict, and
        nobody restricts (or frees) themselves."""
        if user.pk == request.user.pk:
            return False
        return request.user.is_superuser or not (user.is_staff or user.is_superuser)

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not request.user.is_superuser:
            return self.moderator_fieldsets
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return super().get_readonly_fields(request, obj)
        readonly = []
        if not request.user.is_superuser:
            # Only superusers manage accounts: a moderator must not rename users, set
            # passwords or hand out staff and superuser rights.
            readonly = [
                name
                for name in helpers.flatten_fieldsets(self.get_fieldsets(request, obj))
                if name not in MODERATION_FIELDS
            ]
        if not self.has_moderate_permission(request) or not self.may_restrict(request, obj):
            readonly.extend(name for name in MODERATION_FIELDS if name not in readonly)
        return readonly

    def user_change_password(self, request, id, form_url=""):
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        if "email" in form.changed_data and "email_confirmed_at" not in form.changed_data:
            # The confirmation was of the old address; imports must not trust the new one.
            obj.email_confirmed_at = None
        stored = type(obj).objects.get(pk=obj.pk)
        wanted = {name: getattr(obj, name) for name in RESTRICTIONS}
        # The restrictions are written by the services below, which log them.
        for name in RESTRICTIONS:
            setattr(obj, name, getattr(stored, name))
        if set(form.changed_data) - set(RESTRICTIONS):
            super().save_model(request, obj, form, change)
        note = obj.moderator_note if "moderator_note" in form.changed_data else ""
        self._apply_restrictions(request, obj, stored, wanted, note)

    def _apply_restrictions(self, request, user, stored, wanted, note):
        by = request.user
        if wanted["premoderated"] != stored.premoderated:
            if wanted["premoderated"]:
                services.premoderate(user, by=by, note=note)
            else:
                services.end_premoderation(user, by=by, note=note)
        if wanted["banned"] != stored.banned:
            if wanted["banned"]:
                services.ban(user, by=by, note=note)
            else:
                services.unban(user, by=by, note=note)
        until = wanted["suspended_until"]
        # The form has no microseconds: a time that only lost them is unchanged.
        if _to_the_second(until) != _to_the_second(stored.suspended_until):
            if until is None:
                services.end_suspension(user, by=by, note=note)
            else:
                services.suspend(user, by=by, until=until, note=note)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        user = self.get_object(request, unquote(object_id))
        if user is not None and request.user.has_perm("forum.view_comment"):
            counts = Comment.objects.filter(author=user).aggregate(
                **{status: Count("pk", filter=Q(status=status)) for status in Comment.Status.values}
            )
            extra_context["comment_counts"] = [
                (label, counts[status]) for status, label in Comment.Status.choices
            ]
            extra_context["comment_history"] = (
                Comment.objects.filter(author=user)
                .select_related("thread__article")
                .order_by("-created_at", "-id")[:USER_HISTORY]
            )
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("comments"), ordering="comment_total")
    def comment_count(self, user):
        return user.comment_total

    def _restrict_each(self, request, queryset, apply, *, skip=None, done, why_skipped):
        done_count = skipped_count = protected_count = 0
        for user in queryset:
            if not self.may_restrict(request, user):
                protected_count += 1
                continue
            if skip is not None and skip(user):
                skipped_count += 1
                continue
            apply(user)
            done_count += 1
        _report_outcome(
            self,
            request,
            done=done % {"count": done_count} if done_count else None,
            skipped=_left_as_they_were(skipped_count, why_skipped, "user"),
        )
        if protected_count:
            self.message_user(
                request,
                _left_as_they_were(
                    protected_count,
                    _(
                        "staff accounts are restricted by a superuser, and nobody restricts "
                        "themselves."
                    ),
                    "user",
                ),
                messages.WARNING,
            )

    @admin.action(permissions=["moderate"], description=_("Pre-moderate selected users"))
    def premoderate(self, request, queryset):
        self._restrict_each(
            request,
            queryset,
            lambda user: services.premoderate(user, by=request.user),
            skip=lambda user: user.premoderated,
            done=ngettext_lazy(
                "%(count)d user is now pre-moderated.",
                "%(count)d users are now pre-moderated.",
                "count",
            ),
            why_skipped=_("already pre-moderated."),
        )

    @admin.action(permissions=["moderate"], description=_("End pre-moderation of selected users"))
    def end_premoderation(self, request, queryset):
        self._restrict_each(
            request,
            queryset,
            lambda user: services.end_premoderation(user, by=request.user),
            skip=lambda user: not user.premoderated,
            done=ngettext_lazy(
                "%(count)d user is no longer pre-moderated.",
                "%(count)d users are no longer pre-moderated.",
                "count",
            ),
            why_skipped=_("not pre-moderated."),
        )

    @admin.action(permissions=["moderate"], description=_("Suspend selected users…"))
    def suspend(self, request, queryset):
        if "post" in request.POST:
            form = SuspendForm(request.POST)
            if form.is_valid():
                until = form.cleaned_data["until"]
                note = form.cleaned_data["note"]
                self._restrict_each(
                    request,
                    queryset,
                    lambda user: services.suspend(user, by=request.user, until=until, note=note),
                    done=ngettext_lazy(
                        "%(count)d user was suspended.", "%(count)d users were suspended.", "count"
                    ),
                    why_skipped="",
                )
                return None
        else:
            form = SuspendForm(initial={"until": timezone.localtime() + timedelta(days=7)})
        return _intermediate_page(
            self,
            request,
            queryset,
            template="admin/forum/user/suspend.html",
            title=_("Suspend users"),
            action="suspend",
            form=form,
        )

    @admin.action(permissions=["moderate"], description=_("Ban selected users"))
    def ban(self, request, queryset):
        self._restrict_each(
            request,
            queryset,
            lambda user: services.ban(user, by=request.user),
            skip=lambda user: user.banned,
            done=ngettext_lazy(
                "%(count)d user was banned.", "%(count)d users were banned.", "count"
            ),
            why_skipped=_("already banned."),
        )

    @admin.action(
        permissions=["moderate"], description=_("Ban selected users and remove all their comments")
    )
    def ban_and_remove_comments(self, request, queryset):
        self._restrict_each(
            request,
            queryset,
            lambda user: services.ban(user, by=request.user, remove_comments=True),
            done=ngettext_lazy(
                "%(count)d user was banned and their comments removed.",
                "%(count)d users were banned and their comments removed.",
                "count",
            ),
            why_skipped="",
        )

    @admin.action(permissions=["moderate"], description=_("Lift ban and suspension"))
    def lift_restrictions(self, request, queryset):
        now = timezone.now()
        self._restrict_each(
            request,
            queryset,
            lambda user: services.lift_restrictions(user, by=request.user),
            skip=lambda user: not user.banned and not user.is_suspended(now),
            done=ngettext_lazy(
                "%(count)d user may comment again.", "%(count)d users may comment again.", "count"
            ),
            why_skipped=_("neither banned nor suspended."),
        )


# Comments


class CommentQueueFilter(admin.SimpleListFilter):
    """The queues a moderator works through, each with its size. Opens on pending
    comments, the ones that need a moderator.

    The sizes follow the other filters and the search, as Django's own facet counts do.
    """

    title = _("queue")
    parameter_name = "status"
    PENDING = Comment.Status.PENDING
    REPORTED = "reported"
    SPAM = Comment.Status.SPAM
    REMOVED = Comment.Status.REMOVED
    RECENT = "recent"
    ALL = "all"
    RECENT_HOURS = 24

    def lookups(self, request, model_admin):
        return [
            (self.PENDING, pgettext_lazy("comment queue", "Pending")),
            (self.REPORTED, pgettext_lazy("comment queue", "Reported")),
            (self.SPAM, pgettext_lazy("comment queue", "Spam")),
            (self.REMOVED, pgettext_lazy("comment queue", "Removed")),
            (self.RECENT, pgettext_lazy("comment queue", "Recently published")),
            (self.ALL, pgettext_lazy("comment queue", "All")),
        ]

    def value(self):
        # An unknown queue (an old bookmark) opens the pending one, as no queue does.
        chosen = super().value()
        return chosen if chosen in {lookup for lookup, _ in self.lookup_choices} else self.PENDING

    def conditions(self):
        """Each queue as a condition on a comment; All has none."""
        since = timezone.now() - timedelta(hours=self.RECENT_HOURS)
        return {
            self.PENDING: Q(status=Comment.Status.PENDING),
            self.REPORTED: Q(Exists(open_reports())),
            self.SPAM: Q(status=Comment.Status.SPAM),
            self.REMOVED: Q(status=Comment.Status.REMOVED),
            self.RECENT: Q(status=Comment.Status.PUBLISHED, created_at__gte=since),
        }

    def choices(self, changelist):
        others = changelist.get_queryset(self.request, exclude_parameters=[self.parameter_name])
        conditions = self.conditions()
        del conditions[self.REPORTED]  # counted below, through the reports
        # Count only the rows of the queues, found through indexes (by status and time,
        # and the open reports), never the whole table: it grows with every comment.
        in_a_queue = Q()
        for condition in conditions.values():
            in_a_queue |= condition
        counts = others.filter(in_a_queue).aggregate(
            **{queue: Count("pk", filter=condition) for queue, condition in conditions.items()}
        )
        counts[self.REPORTED] = others.filter(
            pk__in=Report.objects.unresolved().values("comment_id")
        ).count()
        for lookup, title in self.lookup_choices:
            count = counts.get(lookup)
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title if count is None else f"{title} ({count})",
            }

    def queryset(self, request, queryset):
        condition = self.conditions().get(self.value())
        return queryset if condition is None else queryset.filter(condition)


class ArticleFilter(admin.SimpleListFilter):
    """The articles whose comments wait for a moderator, busiest first.

    Django's related-field filters would list every article, or scan every comment ever
    written, on each page of the queue.
    """

    title = _("article")
    parameter_name = "article"
    LIMIT = 20

    def lookups(self, request, model_admin):
        # The queue's page builds its filters twice (once more to count the queues):
        # work the busiest articles out once per request.
        if not hasattr(request, "_forum_busiest_articles"):
            busiest = list(
                Comment.objects.awaiting_moderation()
                .values("thread_id")
                .annotate(pending=Count("pk"))
                .order_by("-pending", "thread_id")[: self.LIMIT]
            )
            articles = {
                thread_id: (article_id, title)
                for thread_id, article_id, title in Thread.objects.filter(
                    pk__in=[row["thread_id"] for row in busiest]
                ).values_list("pk", "article_id", "article__title")
            }
            request._forum_busiest_articles = [
                (
                    str(articles[row["thread_id"]][0]),
                    ngettext(
                        "%(title)s (%(count)d pending)",
                        "%(title)s (%(count)d pending)",
                        row["pending"],
                    )
                    % {"title": articles[row["thread_id"]][1], "count": row["pending"]},
                )
                for row in busiest
            ]
        choices = list(request._forum_busiest_articles)
        chosen = self.article_id()
        if chosen is not None and str(chosen) not in {pk for pk, _ in choices}:
            article = Article.objects.filter(pk=chosen).first()
            if article is not None:
                choices.insert(0, (str(chosen), article.title))
        return choices

    def article_id(self) -> int | None:
        """The chosen article's id; anything that is not one (an edited URL) is ignored."""
        try:
            return int(self.value())
        except (TypeError, ValueError):
            return None

    def queryset(self, request, queryset):
        if self.article_id() is not None:
            return queryset.filter(thread__article_id=self.article_id())
        return queryset


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RevisionInline(ReadOnlyInline):
    model = CommentRevision
    verbose_name = _("earlier version")
    verbose_name_plural = _("earlier versions (newest first)")
    fields = ("written_at", "body")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-written_at", "-id")


class ReportInline(ReadOnlyInline):
    model = Report
    fields = ("reporter", "reason", "details", "created_at", "resolved_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reporter")


class CommentEventInline(ReadOnlyInline):
    model = ModerationEvent
    fk_name = "comment"
    verbose_name = _("audit event")
    verbose_name_plural = _("audit log")
    fields = ("created_at", "actor", "action", "from_status", "to_status", "reason")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class RejectForm(forms.Form):
    reason_code = forms.ChoiceField(
        label=_("Reason"),
        choices=[(code.value, code.label) for code in REJECTION_REASONS],
        widget=forms.RadioSelect,
        help_text=_("The author is told this reason by mail."),
    )


class WhyHeldForm(forms.Form):
    author = forms.CharField(label=_("Author's username"), max_length=150)
    thread = forms.ModelChoiceField(
        label=_("Article"),
        queryset=Thread.objects.select_related("article").order_by("-article__published_at"),
    )
    parent = forms.IntegerField(label=_("In reply to comment (id)"), required=False, min_value=1)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 8, "cols": 80}))

    def clean_author(self):
        username = self.cleaned_data["author"]
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(_("There is no user with this username."))
        return user

    def clean(self):
        cleaned = super().clean()
        parent_id = cleaned.get("parent")
        if parent_id is not None:
            parent = Comment.objects.filter(pk=parent_id).first()
            if parent is None:
                self.add_error("parent", _("There is no comment with this id."))
            cleaned["parent"] = parent
        return cleaned


OUTCOME_WORDS = {
    moderation.Outcome.PUBLISH: _("published"),
    moderation.Outcome.HOLD: _("held for a moderator"),
    moderation.Outcome.SPAM: _("marked as spam"),
    moderation.Outcome.REFUSE: _("refused (nothing is stored; the reader sees the sentence)"),
}


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = (
        "excerpt",
        "author_column",
        "article",
        "parent_excerpt",
        "first_replies",
        "age",
        "why",
        "open_reports",
    )
    list_display_links = ("excerpt",)
    list_filter = (CommentQueueFilter, ArticleFilter, "reason_code", "created_at")
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
    show_full_result_count = False
    actions = (
        "approve",
        "mark_spam",
        "remove",
        "remove_with_replies",
        "reject_with_reason",
        "restore",
    )
    fields = (
        "article",
        "parent",
        "author",
        "author_name",
        "body",
        "status",
        "reason_code",
        "reason",
        "created_at",
        "edited_at",
        "deleted_at",
        "moderated_by",
        "moderated_at",
        "ip_address",
        # What an import brought of the author (forum/importers), for moderators only.
        "author_email",
        "author_url",
        "user_agent",
        "kind",
        "source_id",
    )
    # Moderators decide through the actions, which call the services; nobody edits a
    # comment's stored fields here (its rendered body, revisions and audit log would not
    # follow).
    readonly_fields = fields
    inlines = (RevisionInline, ReportInline, CommentEventInline)

    def get_queryset(self, request):
        first_replies = Comment.objects.only("id", "parent_id", "body").order_by(
            "created_at", "id"
        )[:QUEUE_REPLIES]
        return (
            super()
            .get_queryset(request)
            .annotate(
                open_report_count=Coalesce(
                    Subquery(
                        open_reports()
                        .order_by()
                        .values("comment")
                        .annotate(count=Count("pk"))
                        .values("count"),
                        output_field=IntegerField(),
                    ),
                    0,
                )
            )
            .prefetch_related(
                Prefetch("replies", queryset=first_replies, to_attr="first_reply_list")
            )
        )

    def get_urls(self):
        return [
            path(
                "why-held/",
                self.admin_site.admin_view(self.why_held_view),
                name="forum_comment_why_held",
            ),
            *super().get_urls(),
        ]

    def has_add_permission(self, request):
        # Comments are written on the site, where the rules apply.
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # "Remove" keeps the comment, its replies and its audit trail.
        return False

    def has_moderate_permission(self, request):
        return request.user.has_perm("forum.moderate_comment")

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_moderate": self.has_moderate_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        comment = self.get_object(request, unquote(object_id))
        if comment is not None:
            extra_context["conversation"] = self.conversation(comment)
        return super().change_view(request, object_id, form_url, extra_context)

    def conversation(self, comment):
        """The comment in its thread: the comments it answers, up to the top, then the
        comment, then its replies however deep, each with its depth."""
        ancestors = []
        parent_id = comment.parent_id
        while parent_id is not None and len(ancestors) < CONVERSATION_REPLIES:
            parent = Comment.objects.select_related("author").get(pk=parent_id)
            ancestors.insert(0, parent)
            parent_id = parent.parent_id
        rows = [(each, depth) for depth, each in enumerate(ancestors)]
        rows.append((comment, len(ancestors)))
        # Replies, level by level, then put in reading order under their parents.
        children = {}
        level = [comment]
        found = 0
        while level and found < CONVERSATION_REPLIES:
            replies = list(
                Comment.objects.filter(parent__in=level)
                .select_related("author")
                .order_by("created_at", "id")[: CONVERSATION_REPLIES - found]
            )
            for reply in replies:
                children.setdefault(reply.parent_id, []).append(reply)
            found += len(replies)
            level = replies
        stack = [(reply, len(ancestors) + 1) for reply in reversed(children.get(comment.pk, []))]
        while stack:
            reply, depth = stack.pop()
            rows.append((reply, depth))
            stack.extend((child, depth + 1) for child in reversed(children.get(reply.pk, [])))
        return [
            {
                "comment": each,
                "depth": depth,
                "indent": min(depth, CONVERSATION_MAX_INDENT),
                "is_current": each.pk == comment.pk,
            }
            for each, depth in rows
        ]

    def why_held_view(self, request):
        """Run the rules on a text as if a user posted it, and store nothing."""
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        form = WhyHeldForm(request.POST or None)
        verdict = None
        if request.method == "POST" and form.is_valid():
            verdict = moderation.review(
                moderation.Submission(
                    author=form.cleaned_data["author"],
                    thread=form.cleaned_data["thread"],
                    body=form.cleaned_data["body"],
                    parent=form.cleaned_data["parent"],
                )
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Why would this be held?"),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "form": form,
            "verdict": verdict,
            "findings": [
                {
                    "outcome": OUTCOME_WORDS[finding.outcome],
                    "code": finding.code,
                    "sentence": finding.sentence,
                }
                for finding in (verdict.findings if verdict else [])
            ],
            "final_outcome": OUTCOME_WORDS[verdict.outcome] if verdict else None,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/forum/comment/why_held.html", context)

    @admin.display(description=_("comment"))
    def excerpt(self, comment):
        return comment.excerpt

    @admin.display(description=_("author"), ordering="author__username")
    def author_column(self, comment):
        return comment.author_display_name

    @admin.display(description=_("article"), ordering="thread__article__title")
    def article(self, comment):
        return comment.thread.article.title

    @admin.display(description=_("in reply to"))
    def parent_excerpt(self, comment):
        return comment.parent.excerpt if comment.parent_id else "—"

    @admin.display(description=_("first replies"))
    def first_replies(self, comment):
        replies = getattr(comment, "first_reply_list", None)
        if not replies:
            return "—"
        return format_html_join(
            "", "<div class='reply-excerpt'>↳ {}</div>", ((reply.excerpt,) for reply in replies)
        )

    @admin.display(description=_("reason"), ordering="reason_code")
    def why(self, comment):
        """The kind of reason in the moderator's language, with what the stored reason (in
        English, written when it happened) adds: "palabra retenida: ferry" for "held word:
        ferry", "demasiados enlaces (3 links)" for "3 links"."""
        if comment.reason_code not in ReasonCode.values:
            return comment.reason or "—"
        kind = ReasonCode(comment.reason_code)
        stored = english(kind.label)
        if comment.reason.lower().startswith(stored.lower()):
            return kind.label + comment.reason[len(stored) :]
        # Before labels were stored in English, some were stored in the page's language.
        if comment.reason and comment.reason != str(kind.label):
            return f"{kind.label} ({comment.reason})"
        return kind.label

    @admin.display(description=_("age"), ordering="created_at")
    def age(self, comment):
        return _("%(time)s ago") % {"time": timesince(comment.created_at)}

    @admin.display(description=_("open reports"), ordering="open_report_count")
    def open_reports(self, comment):
        return getattr(comment, "open_report_count", 0)

    def _moderate(self, request, queryset, service, *, done, skipped, words=None):
        """Apply one moderation service to each selected comment and say how it went:
        ``done``, a plural message (``ngettext_lazy`` on "count"), takes the number done
        and ``words``; ``skipped`` says why the others were left alone."""
        done_count = skipped_count = 0
        for comment in queryset:
            try:
                service(comment, by=request.user)
                done_count += 1
            except services.InvalidTransition:
                skipped_count += 1
        _report_outcome(
            self,
            request,
            done=done % {"count": done_count, **(words or {})} if done_count else None,
            skipped=_left_as_they_were(skipped_count, skipped),
        )

    @admin.action(permissions=["moderate"], description=_("Approve selected comments"))
    def approve(self, request, queryset):
        self._moderate(
            request,
            queryset,
            services.approve,
            done=ngettext_lazy(
                "%(count)d comment was approved.", "%(count)d comments were approved.", "count"
            ),
            skipped=_("only pending comments can be approved."),
        )

    @admin.action(permissions=["moderate"], description=_("Mark selected comments as spam"))
    def mark_spam(self, request, queryset):
        self._moderate(
            request,
            queryset,
            services.mark_spam,
            done=ngettext_lazy(
                "%(count)d comment was marked as spam.",
                "%(count)d comments were marked as spam.",
                "count",
            ),
            skipped=_("already spam."),
        )

    @admin.action(permissions=["moderate"], description=_("Remove selected comments"))
    def remove(self, request, queryset):
        self._moderate(
            request,
            queryset,
            services.remove,
            done=ngettext_lazy(
                "%(count)d comment was removed.", "%(count)d comments were removed.", "count"
            ),
            skipped=_("already removed."),
        )

    @admin.action(permissions=["moderate"], description=_("Remove selected comments with replies"))
    def remove_with_replies(self, request, queryset):
        removed_ids = set()
        done_count = skipped_count = 0
        for comment in queryset.order_by("created_at", "id"):
            if comment.pk in removed_ids:
                continue  # the reply of a comment removed just before
            removed = services.remove_with_replies(comment, by=request.user)
            removed_ids.update(each.pk for each in removed)
            if removed:
                done_count += 1
            else:
                skipped_count += 1
        total = len(removed_ids)
        done = None
        if done_count:
            done = ngettext(
                "%(count)d comment was removed with its replies",
                "%(count)d comments were removed with their replies",
                done_count,
            ) % {"count": done_count} + ngettext(
                " (%(total)d comment in all).", " (%(total)d comments in all).", total
            ) % {"total": total}
        _report_outcome(
            self,
            request,
            done=done,
            skipped=_left_as_they_were(
                skipped_count, _("already removed, and so are their replies.")
            ),
        )

    @admin.action(
        permissions=["moderate"], description=_("Reject selected comments with a reason…")
    )
    def reject_with_reason(self, request, queryset):
        if "post" in request.POST:
            form = RejectForm(request.POST)
            if form.is_valid():
                code = form.cleaned_data["reason_code"]
                self._moderate(
                    request,
                    queryset,
                    lambda comment, by: services.reject(comment, by=by, reason_code=code),
                    done=ngettext_lazy(
                        "%(count)d comment was rejected: %(reason)s.",
                        "%(count)d comments were rejected: %(reason)s.",
                        "count",
                    ),
                    skipped=_("only pending or published comments can be rejected."),
                    words={"reason": ReasonCode(code).label},
                )
                return None
        else:
            form = RejectForm()
        return _intermediate_page(
            self,
            request,
            queryset.select_related("author", "thread__article"),
            template="admin/forum/comment/reject.html",
            title=_("Reject comments with a reason"),
            action="reject_with_reason",
            form=form,
        )

    @admin.action(permissions=["moderate"], description=_("Restore selected comments"))
    def restore(self, request, queryset):
        self._moderate(
            request,
            queryset,
            services.restore,
            done=ngettext_lazy(
                "%(count)d comment was restored.", "%(count)d comments were restored.", "count"
            ),
            skipped=_("only spam or removed comments can be restored."),
        )


# Threads


class ThreadOpenFilter(admin.SimpleListFilter):
    """Whether the thread takes comments now: closed by a moderator, or closed by itself
    because its article is older than FORUM_AUTO_CLOSE_DAYS."""

    title = _("takes comments")
    parameter_name = "comments"

    def lookups(self, request, model_admin):
        return [("open", _("Open")), ("closed", _("Closed"))]

    def queryset(self, request, queryset):
        is_open = Q(status=Thread.Status.OPEN)
        days = settings.FORUM_AUTO_CLOSE_DAYS
        if days:
            is_open &= Q(keep_open=True) | Q(
                article__published_at__gt=timezone.now() - timedelta(days=days)
            )
        if self.value() == "open":
            return queryset.filter(is_open)
        if self.value() == "closed":
            return queryset.exclude(is_open)
        return queryset


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = (
        "article",
        "status",
        "takes_comments",
        "keep_open",
        "closes_automatically_at",
        "status_changed_by",
        "status_changed_at",
    )
    list_filter = (ThreadOpenFilter, "status", "keep_open")
    list_select_related = ("article", "status_changed_by")
    search_fields = ("article__title",)
    actions = ("close_comments", "reopen_comments", "keep_open_action", "stop_keeping_open")
    fields = (
        "article",
        "status",
        "closing_message",
        "keep_open",
        "closes_automatically_at",
        "status_changed_by",
        "status_changed_at",
    )
    readonly_fields = (
        "article",
        "closes_automatically_at",
        "status_changed_by",
        "status_changed_at",
    )

    def has_add_permission(self, request):
        # Every article gets its thread when it is created.
        return False

    def has_close_permission(self, request):
        return request.user.has_perm("forum.close_thread")

    def get_readonly_fields(self, request, obj=None):
        if not self.has_close_permission(request):
            return (*self.readonly_fields, "status", "closing_message", "keep_open")
        return self.readonly_fields

    @admin.display(description=_("takes comments"), boolean=True)
    def takes_comments(self, thread):
        return thread.is_open

    @admin.display(description=_("closes automatically at"))
    def closes_automatically_at(self, thread):
        return thread.closes_automatically_at or "—"

    def save_model(self, request, obj, form, change):
        # Every change goes through the services, which record who and when.
        changed = set(form.changed_data)
        if "status" in changed or (
            obj.status == Thread.Status.CLOSED and "closing_message" in changed
        ):
            if obj.status == Thread.Status.CLOSED:
                services.close_thread(obj, by=request.user, message=obj.closing_message)
            else:
                services.reopen_thread(obj, by=request.user)
        if "keep_open" in changed:
            services.set_keep_open(obj, by=request.user, keep_open=obj.keep_open)

    def _each_thread(self, request, queryset, apply, messages_for):
        count = 0
        for thread in queryset:
            apply(thread)
            count += 1
        message = messages_for % {"count": count}
        self.message_user(request, message, messages.SUCCESS)

    @admin.action(permissions=["close"], description=_("Close comments on selected threads"))
    def close_comments(self, request, queryset):
        self._each_thread(
            request,
            queryset,
            lambda thread: services.close_thread(thread, by=request.user),
            ngettext_lazy(
                "Comments were closed on %(count)d thread.",
                "Comments were closed on %(count)d threads.",
                "count",
            ),
        )

    @admin.action(permissions=["close"], description=_("Reopen comments on selected threads"))
    def reopen_comments(self, request, queryset):
        self._each_thread(
            request,
            queryset,
            lambda thread: services.reopen_thread(thread, by=request.user),
            ngettext_lazy(
                "Comments were reopened on %(count)d thread.",
                "Comments were reopened on %(count)d threads.",
                "count",
            ),
        )

    @admin.action(permissions=["close"], description=_("Keep selected threads open"))
    def keep_open_action(self, request, queryset):
        self._each_thread(
            request,
            queryset,
            lambda thread: services.set_keep_open(thread, by=request.user, keep_open=True),
            ngettext_lazy(
                "%(count)d thread is kept open on older articles.",
                "%(count)d threads are kept open on older articles.",
                "count",
            ),
        )

    @admin.action(
        permissions=["close"], description=_("Let selected threads close automatically again")
    )
    def stop_keeping_open(self, request, queryset):
        self._each_thread(
            request,
            queryset,
            lambda thread: services.set_keep_open(thread, by=request.user, keep_open=False),
            ngettext_lazy(
                "%(count)d thread closes automatically again.",
                "%(count)d threads close automatically again.",
                "count",
            ),
        )


# Words, site settings, reports and the audit log


@admin.register(ModerationWord)
class ModerationWordAdmin(admin.ModelAdmin):
    list_display = ("phrase", "kind")
    list_filter = ("kind",)
    search_fields = ("phrase",)


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    """The one row of forum-wide switches. Until a moderator first saves it, the page
    shows the defaults in force."""

    fields = ("read_only", "approve_all_manually", "moderators_notified_at")
    readonly_fields = ("moderators_notified_at",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_object(self, request, object_id, from_field=None):
        if str(object_id) != "1":
            return None
        # Read afresh: SiteSettings.load() may answer from the cache.
        return SiteSettings.objects.filter(pk=1).first() or SiteSettings(pk=1)

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return HttpResponseRedirect(reverse("admin:forum_sitesettings_change", args=[1]))

    def save_model(self, request, obj, form, change):
        services.update_site_settings(
            by=request.user,
            read_only=obj.read_only,
            approve_all_manually=obj.approve_all_manually,
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that the forum writes and nobody edits, superusers included."""

    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReportStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("open", pgettext_lazy("reports", "Open")),
            ("resolved", pgettext_lazy("reports", "Resolved")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.unresolved()
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ("comment_link", "reporter", "reason", "details", "created_at", "resolved")
    list_filter = (ReportStateFilter, "reason")
    list_select_related = ("comment", "reporter")
    search_fields = ("details", "reporter__username", "comment__body")
    show_full_result_count = False

    @admin.display(description=_("comment"))
    def comment_link(self, report):
        url = reverse("admin:forum_comment_change", args=[report.comment_id])
        return format_html('<a href="{}">{}</a>', url, report.comment.excerpt)

    @admin.display(description=_("resolved"), boolean=True, ordering="resolved_at")
    def resolved(self, report):
        return report.resolved_at is not None


class EventActionFilter(admin.SimpleListFilter):
    """The actions in the log; "suspend until <time>" counts as one action."""

    title = _("action")
    parameter_name = "action"
    SUSPEND = "suspend"
    SUSPEND_PREFIX = "suspend until "

    def lookups(self, request, model_admin):
        actions = set()
        for action in (
            ModerationEvent.objects.order_by().values_list("action", flat=True).distinct()
        ):
            actions.add(self.SUSPEND if action.startswith(self.SUSPEND_PREFIX) else action)
        return [(action, action) for action in sorted(actions)]

    def queryset(self, request, queryset):
        if self.value() == self.SUSPEND:
            return queryset.filter(action__startswith=self.SUSPEND_PREFIX)
        if self.value():
            return queryset.filter(action=self.value())
        return queryset


@admin.register(ModerationEvent)
class ModerationEventAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "actor_column",
        "action",
        "about",
        "from_status",
        "to_status",
        "reason",
    )
    list_filter = (EventActionFilter, ("actor", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("actor", "user", "comment", "thread__article")
    search_fields = (
        "action",
        "reason",
        "actor__username",
        "user__username",
        "thread__article__title",
    )
    date_hierarchy = "created_at"
    show_full_result_count = False

    @admin.display(description=_("who"), ordering="actor__username")
    def actor_column(self, event):
        # The name kept when it happened, once the account is gone (or erased).
        return event.actor or event.actor_name or _("the forum")

    @admin.display(description=_("about"))
    def about(self, event):
        if event.comment_id:
            url = reverse("admin:forum_comment_change", args=[event.comment_id])
            return format_html(_('comment <a href="{}">{}</a>'), url, event.comment.excerpt)
        if event.user_id:
            url = reverse("admin:forum_user_change", args=[event.user_id])
            return format_html(_('user <a href="{}">{}</a>'), url, event.user)
        if event.thread_id:
            url = reverse("admin:forum_thread_change", args=[event.thread_id])
            return format_html(_('thread <a href="{}">{}</a>'), url, event.thread.article.title)
        return _("the site")


# django-axes registers its lockouts (access attempts) and two logs. The settings keep no
# log of successful log-ins (AXES_DISABLE_ACCESS_LOG) nor of every failure, so only the
# lockouts are shown: moderators unlock a reader by deleting their attempt.
import axes.admin  # noqa: E402  (registers them first, whatever the order of apps)
from axes.models import AccessAttempt, AccessFailureLog, AccessLog  # noqa: E402

admin.site.unregister([AccessLog, AccessFailureLog, AccessAttempt])


@admin.register(AccessAttempt)
class AccessAttemptAdmin(axes.admin.AccessAttemptAdmin):
    """Axes' lockouts, where moderators lift one by deleting it: each lift goes to the
    audit log, as every other moderator action does."""

    def delete_model(self, request, obj):
        services.lift_lockouts(AccessAttempt.objects.filter(pk=obj.pk), by=request.user)

    def delete_queryset(self, request, queryset):
        services.lift_lockouts(queryset, by=request.user)
