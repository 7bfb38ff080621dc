from django.core.management.base import CommandError

from forum.importers import ImportFailed, disqus
from forum.importers.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import a Disqus XML export: its posts become comments of the articles their "
        "threads' links point to. Running it again adds only what is new."
    )
    read = staticmethod(disqus.read)

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--map",
            metavar="CSV",
            help="A CSV of link,slug lines for threads whose link is no article's address.",
        )

    def source_options(self, options) -> dict:
        if not options["map"]:
            return {}
        try:
            return {"mapping": disqus.read_map(options["map"])}
        except ImportFailed as error:
            raise CommandError(str(error)) from None
