from django.core.management.base import BaseCommand

from forum.notifications import notify_moderators_of_queue


class Command(BaseCommand):
    help = (
        "Mail moderators about comments held or reported since their last mail, if the "
        "quiet minutes have passed. Run it from cron every few minutes."
    )

    def handle(self, *args, **options):
        notify_moderators_of_queue()
