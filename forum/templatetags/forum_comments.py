from django import template

from .. import moderation
from ..forms import CommentForm
from ..models import Report, SiteSettings, Subscription, Thread
from ..rendering import render_comment_body
from ..threads import thread_for_reader

register = template.Library()

register.filter("comment_html", render_comment_body)
register.filter("editable_now", moderation.edit_window_open)


def _reply_target(comments, raw_id):
    """The comment being answered, if the id names one that can take a reply."""
    try:
        wanted = int(raw_id)
    except (TypeError, ValueError):
        return None
    for comment in comments:
        if comment.pk == wanted and comment.can_be_replied_to:
            return comment
    return None


@register.inclusion_tag("forum/_comment_section.html", takes_context=True)
def comment_section(context, article):
    """The comments under an article, and the form to join in.

    A view that re-shows the page after a failed post puts ``comment_form`` (bound,
    with its errors) and ``comment_error`` in the context.
    """
    request = context["request"]
    user = request.user
    thread = Thread.objects.filter(article=article).select_related("article").first()
    section = {"article": article, "thread": thread, "user": user}
    if thread is None:
        return section
    reader_view = thread_for_reader(thread, user)
    form = context.get("comment_form")
    if form is not None:
        replying_to = _reply_target(reader_view.comments, form.data.get("parent"))
    else:
        replying_to = _reply_target(reader_view.comments, request.GET.get("replyto"))
        form = CommentForm(thread=thread, initial={"parent": replying_to and replying_to.pk})
    section.update(
        comments=reader_view.comments,
        published_count=reader_view.published_count,
        accepting=moderation.accepts_comments(thread, SiteSettings.load()),
        form=form,
        replying_to=replying_to,
        comment_error=context.get("comment_error", ""),
    )
    if user.is_authenticated:
        section["following"] = Subscription.objects.filter(user=user, thread=thread).exists()
        section["reported_ids"] = set(
            Report.objects.filter(reporter=user, comment__thread=thread).values_list(
                "comment_id", flat=True
            )
        )
    return section
