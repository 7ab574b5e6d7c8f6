from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from assessments.signals import steps_recorded

        # Each kind's words are registered where the kind is written (notifications.texts): the
        # inbox and the mail sender render them in any process, not only where the job ran.
        from notifications import alerts, digest, workflow  # noqa: F401
        from notifications.tasks import workflow_notify_soon

        # assessments sits below notifications and may not import it (dependency inversion): the
        # workflow says it recorded steps, and their notifications are asked for from here.
        steps_recorded.connect(workflow_notify_soon, dispatch_uid="notifications.workflow")
