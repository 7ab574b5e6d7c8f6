from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        # Each kind's words are registered where the kind is written (notifications.texts): the
        # inbox and the mail sender render them in any process, not only where the job ran.
        from notifications import alerts, digest  # noqa: F401
