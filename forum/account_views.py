"""The reader's own account: what it holds, confirming its address (from the link in a
mail, forum/email_confirmation.py), a download of their data, and erasing it
(forum/personal_data.py does the work). Also the page of a locked-out log-in."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import email_confirmation
from .forms import EraseAccountForm
from .personal_data import ANONYMISE, erase_user, export_user_data


def personal_data_response(user) -> HttpResponse:
    """``user``'s data as a JSON file to save, never kept by a cache on the way."""
    content = json.dumps(export_user_data(user), indent=2, ensure_ascii=False)
    response = HttpResponse(content, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"newsforum-data-{user.username}.json"
    )
    response["Cache-Control"] = "no-store, private"
    return response


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer to a log-in it refuses (settings.AXES_LOCKOUT_CALLABLE), on the
    site's log-in page and the admin's alike."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}
    return render(request, "registration/locked_out.html", context, status=429)


@login_required
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    return render(request, "forum/account.html")


@login_required
@require_POST
def send_confirmation_link(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.email_confirmed_at is not None:
        messages.info(
            request, _("Your address %(email)s is confirmed already.") % {"email": user.email}
        )
        return redirect("forum:account")
    if not user.email:
        messages.error(request, _("Your account has no email address to confirm."))
        return render(request, "forum/account.html", status=400)
    if not email_confirmation.send_link(user):
        messages.error(
            request,
            _(
                "A link was sent less than a minute ago. Look for it in your mail (and its "
                "spam folder), or ask again in a minute."
            ),
        )
        return render(request, "forum/account.html", status=429)
    messages.success(request, _("A new link is on its way to %(email)s.") % {"email": user.email})
    return redirect("forum:account")


@require_http_methods(["GET", "POST"])
def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    """From the mail, signed in or not (the link is the proof): the link shows a button,
    and the button confirms. A GET changes nothing, as mail scanners open links."""
    try:
        if request.method == "POST":
            done = email_confirmation.confirm(token)
            return render(request, "forum/email_confirmed.html", {"done": done})
        account = email_confirmation.account_for(token)
    except email_confirmation.LinkRefused as refused:
        return render(
            request, "forum/email_confirm_refused.html", {"reason": refused.reason}, status=400
        )
    return render(request, "forum/email_confirm.html", {"account": account})


@never_cache
@login_required
@require_GET
def download_data(request: HttpRequest) -> HttpResponse:
    # A GET: it changes nothing and only ever hands readers their own data.
    return personal_data_response(request.user)


@login_required
@require_http_methods(["GET", "POST"])
def erase_account(request: HttpRequest) -> HttpResponse:
    form = EraseAccountForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            erase_user(request.user, by=request.user)
            logout(request)
            messages.success(
                request,
                _("Your account is erased. Thank you for taking part in the discussion."),
            )
            return redirect("articles:list")
        status = 400
    else:
        status = 200
    context = {"form": form, "keeps_text": settings.FORUM_ERASE_COMMENTS == ANONYMISE}
    return render(request, "forum/account_erase.html", context, status=status)
