from forum.importers import wordpress
from forum.importers.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import WordPress exports (WXR 1.0-1.2): posts and pages as articles, with their "
        "comments, threading and statuses. Running it again adds only what is new."
    )
    read = staticmethod(wordpress.read)

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--with-pingbacks",
            action="store_true",
            help="Keep pingbacks and trackbacks, marked as such (skipped by default).",
        )

    def source_options(self, options) -> dict:
        return {"with_pingbacks": options["with_pingbacks"]}
