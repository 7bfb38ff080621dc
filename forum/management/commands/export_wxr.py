from functools import partial

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext

from articles.models import Article
from forum.exporters import export_wxr


class Command(BaseCommand):
    help = (
        "Write the articles with their comments as WordPress eXtended RSS (WXR 1.2) to "
        "standard output, for WordPress's importer or ours: manage.py export_wxr > site.xml"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--article",
            metavar="SLUG",
            help="Export only this article (default: every one, drafts included).",
        )

    def handle(self, *args, article=None, **options):
        articles = Article.objects.all()
        if article is not None:
            articles = articles.filter(slug=article)
            if not articles.exists():
                raise CommandError(f"No article has the slug “{article}”.")
        # The file says it is UTF-8; a terminal or pipe set up for another encoding
        # would fail at the first curly quote.
        encoding = (getattr(self.stdout, "encoding", None) or "utf-8").lower().replace("-", "")
        if encoding != "utf8" and hasattr(self.stdout, "reconfigure"):
            self.stdout.reconfigure(encoding="utf-8")
        # Parts are written as they are, without the line end OutputWrapper adds.
        counts = export_wxr(write=partial(self.stdout.write, ending=""), articles=articles)
        if options["verbosity"] >= 1:
            self.stderr.write(
                ngettext("Exported %d article", "Exported %d articles", counts.articles)
                % counts.articles
                + ngettext(" and %d comment.", " and %d comments.", counts.comments)
                % counts.comments,
                style_func=lambda text: text,
            )
