import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views import defaults, i18n
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.generic import CreateView

from . import api, email_confirmation, moderation, notifications, services, throttling
from .forms import CommentForm, EditCommentForm, ReportForm, SignUpForm
from .middleware import defer_html
from .models import Comment, Thread
from .templatetags.forum_comments import sub_thread_html
from .threads import on_published_articles, page_count, page_of, published_threads


def _article_page(
    request: HttpRequest, thread: Thread, *, form: CommentForm, error: str = "", status: int
) -> HttpResponse:
    """The article page again, with the reader's form and what went wrong."""
    context = {"article": thread.article, "comment_form": form, "comment_error": error}
    return render(request, "articles/article_detail.html", context, status=status)


def _published_thread(thread_id: int) -> Thread:
    """The thread, if its article is one a visitor may see (not a draft, not scheduled)."""
    return get_object_or_404(published_threads(), pk=thread_id)


@login_required
@require_POST
def post_comment(request: HttpRequest, thread_id: int) -> HttpResponse:
    thread = _published_thread(thread_id)
    form = CommentForm(request.POST, thread=thread)
    # A closed thread answers "Comments are closed." whatever was posted to it.
    if not thread.is_open:
        return _article_page(
            request, thread, form=form, error=_(moderation.COMMENTS_CLOSED), status=403
        )
    if not form.is_valid():
        return _article_page(request, thread, form=form, status=400)
    try:
        comment = services.post_comment(
            thread=thread,
            author=request.user,
            body=form.cleaned_data["body"],
            parent=form.cleaned_data["parent"],
            ip_address=throttling.client_address(request) or None,
            follow=form.cleaned_data["follow"],
        )
    except moderation.CommentRefused as refusal:
        return _article_page(
            request, thread, form=form, error=refusal.message, status=refusal.status_code
        )
    if comment.status == Comment.Status.PUBLISHED:
        messages.success(request, _("Your comment is published."))
    elif comment.status == Comment.Status.PENDING:
        messages.info(request, _("Thanks! Your comment is awaiting moderation."))
    else:
        messages.info(request, _("Your comment is held for review."))
    return redirect(_comment_url(comment, request.user, just_posted=True))


def _comment_url(comment: Comment, user, *, just_posted: bool = False) -> str:
    """The comment's place: its article, on the page of its thread, at its anchor."""
    if just_posted and comment.parent_id is None and comment.status == Comment.Status.PUBLISHED:
        # A top-level comment just posted is the last of its thread: no need to count
        # what comes before it.
        if settings.FORUM_NEWEST_FIRST:
            number = 1
        else:
            roots = Thread.objects.values_list("root_count", flat=True).get(pk=comment.thread_id)
            number = page_count(roots)
    else:
        number = page_of(comment, user, newest_first=settings.FORUM_NEWEST_FIRST)
    query = {"cpage": number} if number > 1 else {}
    if comment.root_id is not None:
        # The page shows only the first replies of each thread: this one opens whole.
        query["expand"] = comment.root_id
    query = f"?{urlencode(query)}" if query else ""
    return f"{comment.thread.article.get_absolute_url()}{query}#comment-{comment.pk}"


def comment_permalink(request: HttpRequest, comment_id: int) -> HttpResponse:
    """A stable address for one comment: the article page, at the comment."""
    comment = _readable_comment(request, comment_id)
    return redirect(_comment_url(comment, request.user))


def _readable_comment(request: HttpRequest, comment_id: int) -> Comment:
    return get_object_or_404(
        on_published_articles(
            Comment.objects.visible_to(request.user).select_related("thread__article")
        ),
        pk=comment_id,
    )


@require_safe
def comment_replies(request: HttpRequest, comment_id: int) -> HttpResponse:
    """A thread's own page: one comment and every reply under it, where "N more replies"
    leads without JavaScript."""
    comment = _readable_comment(request, comment_id)
    html, _ = sub_thread_html(comment, request.user, replies_only=False)
    context = {
        "comment": comment,
        "article": comment.thread.article,
        "comment_list": defer_html(request, html),
    }
    return render(request, "forum/comment_replies.html", context)


@require_safe
def comment_replies_fragment(request: HttpRequest, comment_id: int) -> HttpResponse:
    """Every reply under one comment, as the HTML of its reply list, that
    static/js/more-replies.js puts in place of the page's shortened one. The same for
    every reader without comments of their own in the thread: cached, and answered 304
    to a browser that has it already."""
    comment = _readable_comment(request, comment_id)
    html, key = sub_thread_html(comment, request.user, replies_only=True)
    etag = None
    if key is not None:
        etag = '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'
        if api.client_has(request, etag):
            response = HttpResponseNotModified()
            response.headers["ETag"] = etag
            return response
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    if etag is not None:
        response.headers["ETag"] = etag
    # Not for search engines: the thread's own page is the one to show.
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _own_comment(request: HttpRequest, comment_id: int) -> Comment:
    return get_object_or_404(
        on_published_articles(Comment.objects.select_related("thread__article")),
        pk=comment_id,
        author=request.user,
        deleted_at__isnull=True,
    )


def _refused(request: HttpRequest, comment: Comment, message: str, status: int) -> HttpResponse:
    context = {"comment": comment, "message": message}
    return render(request, "forum/comment_refused.html", context, status=status)


@login_required
def edit_comment(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = _own_comment(request, comment_id)
    if not moderation.edit_window_open(comment.created_at):
        return _refused(request, comment, _("The time to edit this comment has passed."), 403)
    form = EditCommentForm(
        request.POST if request.method == "POST" else None, initial={"body": comment.body}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.edit_comment(comment, by=request.user, body=form.cleaned_data["body"])
            except (moderation.CommentRefused, services.NotAllowed) as refusal:
                form.add_error(None, getattr(refusal, "message", str(refusal)))
                status = getattr(refusal, "status_code", 403)
            else:
                comment.refresh_from_db(fields=["status"])
                if comment.status == Comment.Status.PUBLISHED:
                    messages.success(request, _("Your comment is updated."))
                    return redirect(_comment_url(comment, request.user))
                messages.info(request, _("Your comment is updated and waits for a moderator."))
                if comment.status == Comment.Status.PENDING:
                    return redirect(_comment_url(comment, request.user))
                return redirect(comment.thread.article.get_absolute_url() + "#comments")
        else:
            status = 400
    return render(
        request, "forum/comment_edit.html", {"comment": comment, "form": form}, status=status
    )


@login_required
def delete_comment(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = _own_comment(request, comment_id)
    if request.method == "POST":
        services.delete_own_comment(comment, by=request.user)
        messages.success(request, _("Your comment is deleted."))
        return redirect(comment.thread.article.get_absolute_url() + "#comments")
    return render(request, "forum/comment_delete.html", {"comment": comment})


@login_required
def report_comment(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = get_object_or_404(
        on_published_articles(
            Comment.objects.published().select_related("thread__article", "author")
        ),
        pk=comment_id,
        deleted_at__isnull=True,
    )
    form = ReportForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.report_comment(
                    comment,
                    reporter=request.user,
                    reason=form.cleaned_data["reason"],
                    details=form.cleaned_data["details"],
                )
            except services.AlreadyReported as refusal:
                return _refused(request, comment, str(refusal), 409)
            except services.NotAllowed as refusal:
                return _refused(request, comment, str(refusal), 403)
            messages.success(request, _("Thank you. A moderator will look at this comment."))
            comment.refresh_from_db(fields=["status"])
            if comment.status == Comment.Status.PUBLISHED:
                return redirect(_comment_url(comment, request.user))
            return redirect(comment.thread.article.get_absolute_url() + "#comments")
        status = 400
    return render(
        request, "forum/comment_report.html", {"comment": comment, "form": form}, status=status
    )


@login_required
@require_POST
def follow_thread(request: HttpRequest, thread_id: int) -> HttpResponse:
    thread = _published_thread(thread_id)
    if request.POST.get("follow") == "off":
        # Possible in a closed thread too: nobody is stuck with its mails.
        services.unfollow_thread(thread, user=request.user)
        messages.success(request, _("You will no longer get mails about new replies here."))
    else:
        try:
            services.follow_thread(thread, user=request.user)
        except services.NotAllowed as refusal:
            form = CommentForm(thread=thread)
            return _article_page(request, thread, form=form, error=str(refusal), status=403)
        messages.success(request, _("You will get a mail when a reply is published here."))
    return redirect(thread.article.get_absolute_url() + "#comments")


@csrf_exempt  # mail clients POST here for one-click unsubscribe (RFC 8058); the token is the proof
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """From a mail, no log-in: the link shows a button, and the button (or the mail
    client's one-click POST) turns that kind of mail off. A GET changes nothing, as
    mail scanners open links."""
    try:
        if request.method == "POST":
            done = notifications.unsubscribe(token)
            return render(request, "forum/unsubscribed.html", {"done": done})
        about = notifications.describe_unsubscribe(token)
    except (signing.BadSignature, LookupError, KeyError):
        return render(request, "forum/unsubscribed.html", {"invalid": True}, status=400)
    return render(request, "forum/unsubscribe.html", {"about": about})


def safe_next_url(request: HttpRequest, default: str) -> str:
    """Where to send the reader next: the ``next`` they came with, if it is ours."""
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


class SignUpView(CreateView):
    form_class = SignUpForm
    template_name = "registration/signup.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect(safe_next_url(request, reverse(settings.LOGIN_REDIRECT_URL)))
        # Said before the form is filled in, when the address has no sign-ups left.
        if not throttling.signups_allowed(throttling.client_address(request)):
            return self.refused()
        return super().dispatch(request, *args, **kwargs)

    def refused(self):
        context = {"message": _(throttling.SIGNUPS_REFUSED)}
        return render(self.request, "registration/signup_refused.html", context, status=429)

    def form_valid(self, form):
        if not throttling.count_signup(throttling.client_address(self.request)):
            return self.refused()
        user = form.save()
        email_confirmation.send_link(user)
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            self.request,
            _(
                "Welcome, %(name)s! You are signed in. To confirm your address, open the link "
                "we sent to %(email)s."
            )
            % {"name": user.public_name, "email": user.email},
        )
        return redirect(self.get_success_url())

    def get_success_url(self):
        return safe_next_url(self.request, reverse(settings.LOGIN_REDIRECT_URL))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["next"] = safe_next_url(self.request, "")
        return context


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages that name no icon (a feed, an image opened
    on its own): send them to ours. Not a permanent redirect, as the icon's static address
    changes with its content."""
    return redirect(static("img/favicon.svg"))


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    """Django's 400 page (``handler400``); but a form sent with more than
    DATA_UPLOAD_MAX_MEMORY_SIZE is 413 Content Too Large, as a proxy in front would say."""
    if isinstance(exception, RequestDataTooBig):
        return HttpResponse(
            _(
                "This request is too large to be read. A comment can be at most %(limit)d "
                "characters long."
            )
            % {"limit": settings.FORUM_COMMENT_MAX_LENGTH},
            status=413,
            content_type="text/plain; charset=utf-8",
        )
    return defaults.bad_request(request, exception)


# Django's set_language, which keeps the choice in the language cookie, without the CSRF
# check: the footer's switch is on pages the visitor cache serves to everyone, so it can
# carry no visitor's token, and a forged request could only change the page's language.
set_language = csrf_exempt(i18n.set_language)
