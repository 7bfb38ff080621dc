"""Bringing an old discussion in: WordPress (``wordpress.py``) and Disqus (``disqus.py``).

Every source has the same small shape: ``read(path, *, writer, on_bad_item, **options)``
streams the file, turns each element into records (``base.py``) and hands them to the
shared ``Writer``, which stores them in bulk. ``import_file`` runs one file in one
transaction and says what happened.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import DatabaseError, transaction

try:
    import psycopg
except ImportError:  # only PostgreSQL needs it
    DATABASE_ERRORS = (DatabaseError,)
else:
    # The writer's own insert runs on psycopg's cursor, whose errors Django never sees.
    DATABASE_ERRORS = (DatabaseError, psycopg.Error)

from .base import BadItem, ImportFailed
from .writer import Writer, print_progress


@dataclass
class Outcome:
    path: str
    summary: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # items left out (--continue)
    failed: bool = False  # nothing of the file could be imported
    comments_read: int = 0


def import_file(
    read: Callable, path: str, *, keep_going: bool = False, progress=None, **options
) -> Outcome:
    """Import one file whole, or nothing of it (``ImportFailed`` says why).

    With ``keep_going`` a bad item is left out and listed, and if the XML breaks off,
    what came before it is kept.
    """
    outcome = Outcome(path)
    writer = Writer(progress=progress)

    def on_bad_item(error: BadItem) -> None:
        if not keep_going:
            raise error
        outcome.failures.append(str(error))

    try:
        with transaction.atomic():
            try:
                read(path, writer=writer, on_bad_item=on_bad_item, **options)
            except BadItem:
                raise
            except ImportFailed as error:
                if not keep_going:
                    raise
                outcome.failures.append(str(error))
            writer.finish()
    except DATABASE_ERRORS as error:
        # The last guard, for what the checks before storing missed (a value longer
        # than its column, ...): the file's transaction is rolled back already, and
        # the reader gets one line instead of a traceback.
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise ImportFailed(
            f"{path}: the database refused it ({reason}); nothing of the file was imported."
        ) from None
    if progress and writer.handled >= 1000:
        progress(writer.handled)
    outcome.summary = writer.summary()
    outcome.comments_read = writer.handled
    outcome.failed = bool(outcome.failures) and not (
        writer.statuses or writer.counts or writer.skipped
    )
    return outcome


__all__ = ["BadItem", "ImportFailed", "Outcome", "Writer", "import_file", "print_progress"]
