from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Self-assessment and appraisal")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from assessments.context_processors import remember_on_login

        user_logged_in.connect(remember_on_login, dispatch_uid="assessments.remember_on_login")
