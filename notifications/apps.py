from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from assessments.signals import steps_recorded
        from notifications import workflow  # noqa: F401 (registers the words of the workflow's kinds)
        from notifications.tasks import workflow_notify_soon

        # assessments sits below notifications and may not import it (dependency inversion): the
        # workflow says it recorded steps, and their notifications are asked for from here.
        steps_recorded.connect(workflow_notify_soon, dispatch_uid="notifications.workflow")
