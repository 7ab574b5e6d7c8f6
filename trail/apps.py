from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrailConfig(AppConfig):
    """The audit trail's browsing pages (/audit/, the scorecard's trail section). The entries are
    written by the audit app, at the bottom so that every app may record its changes; reading them
    needs the units a viewer sees and the engine's objects, so the pages sit above both."""

    name = "trail"
    verbose_name = _("Audit trail pages")
