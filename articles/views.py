from django.views.generic import DetailView, ListView

from .models import Article


class PublishedArticles:
    """The articles readers may see, as of this request: ``published()`` compares with the
    time now, so it is asked per request, not once when the module is imported."""

    def get_queryset(self):
        return Article.objects.published().select_related("author")


class ArticleListView(PublishedArticles, ListView):
    paginate_by = 20
    context_object_name = "articles"


class ArticleDetailView(PublishedArticles, DetailView):
    # Drafts and stories scheduled for later are not found, for readers and staff alike:
    # staff preview them from the admin.
    context_object_name = "article"
