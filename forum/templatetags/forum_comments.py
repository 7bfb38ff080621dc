from django import template

from ..forms import CommentForm
from ..models import Thread
from ..rendering import render_comment_body
from ..threads import thread_for_reader

register = template.Library()

register.filter("comment_html", render_comment_body)


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
    thread = Thread.objects.filter(article=article).first()
    section = {"article": article, "thread": thread, "user": request.user}
    if thread is None:
        return section
    reader_view = thread_for_reader(thread, request.user)
    form = context.get("comment_form")
    if form is not None:
        replying_to = _reply_target(reader_view.comments, form.data.get("parent"))
    else:
        replying_to = _reply_target(reader_view.comments, request.GET.get("replyto"))
        form = CommentForm(thread=thread, initial={"parent": replying_to and replying_to.pk})
    section.update(
        comments=reader_view.comments,
        published_count=reader_view.published_count,
        form=form,
        replying_to=replying_to,
        comment_error=context.get("comment_error", ""),
    )
    return section
