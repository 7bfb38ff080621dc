from django.views.generic import DetailView, ListView

from .models import Article


class ArticleListView(ListView):
    queryset = Article.objects.published().select_related("author")
    paginate_by = 20
    context_object_name = "articles"


class ArticleDetailView(DetailView):
    # Drafts and stories scheduled for later are not found, for readers and staff alike:
    # staff preview them from the admin.
    queryset = Article.objects.published().select_related("author")
    context_object_name = "article"
