"""What the import commands share: options, one transaction per file, the report."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext

from . import ImportFailed, import_file, print_progress


class ImportCommand(BaseCommand):
    read = None  # the source's read function

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--continue",
            action="store_true",
            dest="keep_going",
            help="Import the good items and list the bad ones, instead of importing "
            "nothing of a file with a bad item.",
        )

    def source_options(self, options) -> dict:
        return {}

    def handle(self, *args, files, keep_going, **options):
        progress = print_progress(self.stderr) if options["verbosity"] >= 1 else None
        failed_files = failed_items = 0
        for path in files:
            try:
                outcome = import_file(
                    self.read,
                    path,
                    keep_going=keep_going,
                    progress=progress,
                    **self.source_options(options),
                )
            except ImportFailed as error:
                if not keep_going:
                    raise CommandError(str(error)) from None
                self.stderr.write(str(error))
                failed_files += 1
                continue
            if progress and outcome.comments_read >= 1000:
                self.stderr.write("", style_func=str)  # the line after the running count
            self.stdout.write(f"{path}:")
            for line in outcome.summary:
                self.stdout.write(f"  {line}")
            if outcome.failures:
                count = len(outcome.failures)
                self.stdout.write(
                    "  " + ngettext("%d item failed:", "%d items failed:", count) % count
                )
                for failure in outcome.failures:
                    self.stdout.write(f"    {failure}")
            failed_files += outcome.failed
            failed_items += 0 if outcome.failed else len(outcome.failures)
        # With --continue the good items stay imported, but a script or a scheduler
        # must still learn that something was left out: the exit status says so.
        problems = []
        if failed_items:
            problems.append(
                ngettext("%d item failed: see above.", "%d items failed: see above.", failed_items)
                % failed_items
            )
        if failed_files:
            problems.append(
                ngettext(
                    "%d file could not be imported.",
                    "%d files could not be imported.",
                    failed_files,
                )
                % failed_files
            )
        if problems:
            raise CommandError(" ".join(problems))
