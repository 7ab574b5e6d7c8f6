from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnitsConfig(AppConfig):
    name = "units"
    verbose_name = _("Units")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from units.access import remember_header_links

        # The header's session flags (units.access.SESSION_FLAGS), worked out once per login.
        user_logged_in.connect(remember_header_links, dispatch_uid="units.remember_header_links")
