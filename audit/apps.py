from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from audit.templatetags.audit_nav import remember_on_login

        user_logged_in.connect(remember_on_login, dispatch_uid="audit.remember_on_login")
