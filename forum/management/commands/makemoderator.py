from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

MODERATORS_GROUP = "Moderators"


class Command(BaseCommand):
    help = "Let a user work the moderation queue in the admin (staff, in the Moderators group)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        User = get_user_model()
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user is called {username!r}.") from None
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
        self.stdout.write(self.style.SUCCESS(f"{username} is now a moderator."))
