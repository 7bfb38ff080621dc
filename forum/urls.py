"""The project's URLs, and the forum's own under the ``forum`` namespace."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from . import account_views, api, feeds, views
from .forms import QueuedPasswordResetForm

forum_patterns = (
    [
        path("threads/<int:thread_id>/comments/", views.post_comment, name="post-comment"),
        path("threads/<int:thread_id>/follow/", views.follow_thread, name="follow"),
        path("c/<int:comment_id>/", views.comment_permalink, name="comment-permalink"),
        path("c/<int:comment_id>/replies/", views.comment_replies, name="comment-replies"),
        path(
            "c/<int:comment_id>/replies/fragment/",
            views.comment_replies_fragment,
            name="comment-replies-fragment",
        ),
        path("c/<int:comment_id>/edit/", views.edit_comment, name="edit-comment"),
        path("c/<int:comment_id>/delete/", views.delete_comment, name="delete-comment"),
        path("c/<int:comment_id>/report/", views.report_comment, name="report-comment"),
        path("mail/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
        path("accounts/signup/", views.SignUpView.as_view(), name="signup"),
        path("accounts/me/", account_views.account, name="account"),
        path(
            "accounts/me/confirm/",
            account_views.send_confirmation_link,
            name="send-confirmation-link",
        ),
        path("accounts/confirm/<str:token>/", account_views.confirm_email, name="confirm-email"),
        path("accounts/me/data/", account_views.download_data, name="account-data"),
        path("accounts/me/erase/", account_views.erase_account, name="account-erase"),
        path(
            "articles/<slug:slug>/comments/feed/",
            feeds.ArticleCommentsFeed(),
            name="article-comments-feed",
        ),
        path("comments/feed/", feeds.SiteCommentsFeed(), name="comments-feed"),
        path("api/articles/", api.articles, name="api-articles"),
        path(
            "api/articles/<slug:slug>/comments/",
            api.article_comments,
            name="api-article-comments",
        ),
        re_path(r"^api/(?P<rest>.*)$", api.not_found, name="api-not-found"),
    ],
    "forum",
)

handler400 = views.bad_request

urlpatterns = [
    path("favicon.ico", views.favicon, name="favicon"),
    path(settings.ADMIN_URL, admin.site.urls),
    # Django's own view, with the mail queued (before the include, which has the same URL).
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=QueuedPasswordResetForm),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    # The footer's language switch (views.set_language): it sets the language cookie.
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("", include(forum_patterns)),
    path("", include("articles.urls")),
]
