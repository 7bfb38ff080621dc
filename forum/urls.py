"""The project's URLs, and the forum's own under the ``forum`` namespace."""

from django.contrib import admin
from django.urls import include, path

from . import views

forum_patterns = (
    [
        path("threads/<int:thread_id>/comments/", views.post_comment, name="post-comment"),
        path("accounts/signup/", views.SignUpView.as_view(), name="signup"),
    ],
    "forum",
)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include(forum_patterns)),
    path("", include("articles.urls")),
]
