from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from articles.models import Article

SEED = Path(settings.BASE_DIR) / "seeds" / "havana_times.json"
SEED_SLUG = "cuba-usa-begin-talks-on-jan-21-to-normalize-relations"


class Command(BaseCommand):
    help = (
        "Load the seed story unless it is already there, so that a re-run keeps what "
        "moderators and readers have done to it since."
    )

    def handle(self, *args, **options):
        if Article.objects.filter(slug=SEED_SLUG).exists():
            self.stdout.write("The seed story is already loaded.")
            return
        call_command("loaddata", str(SEED), verbosity=options["verbosity"])
