"""`python manage.py show_demo_credentials`: the demo users' passwords, for development only.

`make run` calls it so a newcomer can log in. With DEBUG off it refuses (and still exits 0, so a
production `make`-style script does not fail): a server must never print passwords to its logs.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, no_translations

from demo.services import DEMO_USERNAMES, read_demo_credentials


class Command(BaseCommand):
    help = "Show the demo users and their passwords (only while DEBUG is on)."

    @no_translations
    def handle(self, *args, **options):
        if not settings.DEBUG:
            self.stderr.write("show_demo_credentials: DEBUG is off, so the demo passwords are not shown.")
            return
        path = Path(settings.DEMO_CREDENTIALS_FILE)
        try:
            entries = read_demo_credentials(path=path)
        except ValueError as error:
            raise CommandError(f"{path} is not a demo credentials file: {error}") from error
        if entries is None:
            self._explain_missing_file(path)
            return
        self.stdout.write(f"Demo users (from {path}):")
        for entry in entries:
            self.stdout.write(
                f"  {entry.get('username', ''):<16} {entry.get('role', ''):<10} {entry.get('password', ''):<18}"
                f" {entry.get('description', '')}"
            )

    def _explain_missing_file(self, path):
        existing = list(
            User.objects.filter(username__in=DEMO_USERNAMES).order_by("username").values_list("username", flat=True)
        )
        if not existing:
            self.stdout.write("There are no demo users yet: run `python manage.py load_demo`.")
            return
        self.stdout.write(
            f"The demo users exist ({', '.join(existing)}) but their passwords file {path} is missing.\n"
            "Set a new password with `python manage.py changepassword NAME`."
        )
