from datetime import timedelta

from django.core.management.base import BaseCommand, no_translations
from django.utils import timezone

from jobs.services import jobs_sweep


class Command(BaseCommand):
    help = "Send pending jobs to the workers again (what celery beat does every minute)."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="also jobs requested or sent less than a minute ago")

    @no_translations
    def handle(self, *args, now, **options):
        sent = jobs_sweep(now=timezone.now() + timedelta(minutes=2) if now else None)
        self.stdout.write(f"{sent} job(s) sent")
