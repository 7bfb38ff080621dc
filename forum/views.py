from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.views.generic import CreateView

from . import moderation, services
from .forms import CommentForm, SignUpForm
from .models import Comment, Thread


def _article_page(
    request: HttpRequest, thread: Thread, *, form: CommentForm, error: str = "", status: int
) -> HttpResponse:
    """The article page again, with the reader's form and what went wrong."""
    context = {"article": thread.article, "comment_form": form, "comment_error": error}
    return render(request, "articles/article_detail.html", context, status=status)


@login_required
@require_POST
def post_comment(request: HttpRequest, thread_id: int) -> HttpResponse:
    thread = get_object_or_404(Thread.objects.select_related("article"), pk=thread_id)
    if not thread.article.is_published:
        raise Http404("No such article.")
    form = CommentForm(request.POST, thread=thread)
    try:
        # Refuse a closed thread before looking at the form: nothing posted there counts.
        moderation.check_thread_accepts_comments(thread)
        if not form.is_valid():
            return _article_page(request, thread, form=form, status=400)
        comment = services.post_comment(
            thread=thread,
            author=request.user,
            body=form.cleaned_data["body"],
            parent=form.cleaned_data["parent"],
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    except moderation.CommentRefused as refusal:
        return _article_page(
            request, thread, form=form, error=refusal.message, status=refusal.status_code
        )
    if comment.status == Comment.Status.PUBLISHED:
        messages.success(request, "Your comment is published.")
    else:
        messages.info(request, "Thanks! Your comment is awaiting moderation.")
    return redirect(f"{thread.article.get_absolute_url()}#comment-{comment.pk}")


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
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.save()
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(self.request, f"Welcome, {user.public_name}! You are signed in.")
        return redirect(self.get_success_url())

    def get_success_url(self):
        return safe_next_url(self.request, reverse(settings.LOGIN_REDIRECT_URL))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["next"] = safe_next_url(self.request, "")
        return context
