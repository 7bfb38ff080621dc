from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.views.main import SEARCH_VAR, ChangeList, ChangeListSearchForm
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.http import HttpResponseBadRequest
from django.utils.translation import gettext_lazy as _

from .forms import refuse_unstorable_time

# Longer searches only make longer queries: SQLite refuses a LIKE pattern past 50,000
# bytes, or too many words (each is a condition of its own).
SEARCH_MAX_LENGTH = 200
DAMAGED_SELECTION = _(
    "The selection names something that cannot exist (the page was altered?). "
    "Go back to the list and choose again."
)


class ShortSearchForm(ChangeListSearchForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[SEARCH_VAR] = forms.CharField(
            required=False,
            strip=False,
            max_length=SEARCH_MAX_LENGTH,
            error_messages={
                "max_length": _("A search can be at most %(limit_value)d characters long.")
            },
        )


class ShortSearchChangeList(ChangeList):
    search_form_class = ShortSearchForm


class RefusesDamagedInput:
    """What a browser never sends from the admin's own pages, refused with a message
    instead of a 500: a selection of rows whose keys cannot exist, a search too long for
    the database, a time outside what the database stores. Mixed into every model's
    admin, the forum's and other apps' (``ForumAdminSite.register``)."""

    def get_changelist(self, request, **kwargs):
        changelist = super().get_changelist(request, **kwargs)
        if changelist is ChangeList:
            return ShortSearchChangeList
        return changelist

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(db_field, models.DateTimeField) and formfield is not None:
            formfield.validators.append(refuse_unstorable_time)
        return formfield

    def response_action(self, request, queryset):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if not all(self.could_be_key(value) for value in selected):
            return HttpResponseBadRequest(
                DAMAGED_SELECTION, content_type="text/plain; charset=utf-8"
            )
        return super().response_action(request, queryset)

    def could_be_key(self, value: str) -> bool:
        """Whether ``value`` is a key the model's table could hold."""
        pk = self.model._meta.pk
        try:
            key = pk.to_python(value)
        except ValidationError:
            return False
        if isinstance(key, int):
            low, high = connection.ops.integer_field_range(pk.get_internal_type())
            return (low is None or low <= key) and (high is None or key <= high)
        return True


class ForumAdminSite(admin.AdminSite):
    site_header = _("News Forum moderation")
    site_title = _("News Forum admin")
    index_title = _("Moderation and content")
    index_template = "admin/forum_index.html"

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, RefusesDamagedInput):
            admin_class = type(
                admin_class.__name__,
                (RefusesDamagedInput, admin_class),
                {"__module__": admin_class.__module__},
            )
        super().register(model_or_iterable, admin_class, **options)

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
