"""`python manage.py load_demo`: the Đà Nẵng demo data set (demo.services), safe to run again."""

from django.core.management.base import BaseCommand, no_translations

from demo.services import demo_load


class Command(BaseCommand):
    help = (
        "Load the Đà Nẵng demo: today's units and the two provinces before 1/7/2025, indices, methodologies, "
        "scores 2021–2025 (published) and 2026 (in progress), published figures, dossiers, users."
    )

    @no_translations
    def handle(self, *args, **options):
        created = demo_load(stdout=self.stdout)
        if not any(created.values()):
            self.stdout.write("The demo is already loaded: nothing changed.")
            return
        summary = ", ".join(f"{count} {what}" for what, count in created.items() if count)
        self.stdout.write(self.style.SUCCESS(f"Demo loaded: {summary}."))
