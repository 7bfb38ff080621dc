"""Personal data from the User admin: "Download personal data" and "Erase account" on a
user's page, for superusers and whoever may restrict readers (``forum.moderate_user``,
which the Moderators group holds): the moderators answer readers' requests, as
WordPress's editors do under Tools → Export and Erase Personal Data.

Only a superuser does either to a staff account, and nobody erases their own account
here: the account page asks for the password first.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .account_views import personal_data_response
from .models import Comment, Report, Subscription
from .personal_data import ANONYMISE, REMOVE, erase_user

PERMISSION = "forum.moderate_user"


class EraseAccountAdminForm(forms.Form):
    comments = forms.ChoiceField(
        label=_("Their comments"),
        choices=[
            (ANONYMISE, "Anonymise: keep the text, signed “[deleted user]”"),
            (REMOVE, "Remove the text: “[comment deleted]” where others replied"),
        ],
        widget=forms.RadioSelect,
        help_text=_(
            "The account, the reports they made and the discussions they follow are "
            "deleted either way. This cannot be undone."
        ),
    )


class PersonalDataAdminMixin:
    """For the User admin (forum/admin.py): two pages under each user's page."""

    def get_urls(self):
        return [
            path(
                "<path:object_id>/personal-data/",
                self.admin_site.admin_view(self.personal_data_view),
                name="forum_user_personal_data",
            ),
            path(
                "<path:object_id>/erase/",
                self.admin_site.admin_view(self.erase_view),
                name="forum_user_erase",
            ),
            *super().get_urls(),
        ]

    @staticmethod
    def has_personal_data_permission(request) -> bool:
        return request.user.has_perm(PERMISSION)

    @classmethod
    def may_handle_personal_data(cls, request, user) -> bool:
        return cls.has_personal_data_permission(request) and (
            request.user.is_superuser or not user.is_staff
        )

    @classmethod
    def may_erase(cls, request, user) -> bool:
        return cls.may_handle_personal_data(request, user) and user.pk != request.user.pk

    def change_view(self, request, object_id, form_url="", extra_context=None):
        user = self.get_object(request, unquote(object_id))
        if user is not None:
            extra_context = {
                **(extra_context or {}),
                "can_download_personal_data": self.may_handle_personal_data(request, user),
                "can_erase_account": self.may_erase(request, user),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    # Django's own "Delete" (the button and the bulk action, for those who also hold
    # ``delete_user``) erases too, under the same rules: a plain delete would leave the
    # IP addresses on the comments and the name in the audit log.
    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or self.may_erase(request, obj))

    def get_deleted_objects(self, objs, request):
        """What the confirmation page lists. The comments that stop a plain delete of
        the account (``Comment.author`` protects it) are no obstacle here, and nobody
        needs the right to delete them: erasing keeps them, signed "[deleted user]"."""
        deleted, counts, perms_needed, _protected = super().get_deleted_objects(objs, request)
        return deleted, counts, perms_needed - {Comment._meta.verbose_name}, []

    def delete_model(self, request, obj):
        erase_user(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            erase_user(user, by=request.user)

    def _user_or_404(self, request, object_id):
        user = self.get_object(request, unquote(object_id))
        if user is None:
            raise Http404("No such user.")
        return user

    def personal_data_view(self, request, object_id):
        if not self.has_personal_data_permission(request):
            raise PermissionDenied
        user = self._user_or_404(request, object_id)
        if not self.may_handle_personal_data(request, user):
            raise PermissionDenied
        # Who looked at a reader's email and IP addresses is worth knowing later.
        services.log("download personal data", actor=request.user, user=user)
        return personal_data_response(user)

    def erase_view(self, request, object_id):
        if not self.has_personal_data_permission(request):
            raise PermissionDenied
        user = self._user_or_404(request, object_id)
        if user.pk == request.user.pk:
            self.message_user(
                request,
                format_html(
                    "You cannot erase your own account here: another moderator can, or you "
                    'can from <a href="{}">your account page</a>.',
                    reverse("forum:account-erase"),
                ),
                messages.WARNING,
            )
            return HttpResponseRedirect(reverse("admin:forum_user_change", args=[user.pk]))
        if not self.may_erase(request, user):
            raise PermissionDenied
        if request.method == "POST":
            form = EraseAccountAdminForm(request.POST)
            if form.is_valid():
                erasure = erase_user(user, by=request.user, comments=form.cleaned_data["comments"])
                if erasure.mode == ANONYMISE:
                    done = ngettext(
                        "The account “%(name)s” was erased; %(count)d comment anonymised.",
                        "The account “%(name)s” was erased; %(count)d comments anonymised.",
                        erasure.comments,
                    )
                else:
                    done = ngettext(
                        "The account “%(name)s” was erased; %(count)d comment removed.",
                        "The account “%(name)s” was erased; %(count)d comments removed.",
                        erasure.comments,
                    )
                self.message_user(
                    request,
                    done % {"name": erasure.username, "count": erasure.comments},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:forum_user_changelist"))
            status = 400
        else:
            form = EraseAccountAdminForm(initial={"comments": settings.FORUM_ERASE_COMMENTS})
            status = 200
        context = {
            **self.admin_site.each_context(request),
            "title": f"Erase the account “{user.username}”",
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "original": user,
            "form": form,
            "comment_count": Comment.objects.filter(author=user).count(),
            "report_count": Report.objects.filter(reporter=user).count(),
            "subscription_count": Subscription.objects.filter(user=user).count(),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/forum/user/erase.html", context, status=status)
