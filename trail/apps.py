from django.apps import AppConfig


class TrailConfig(AppConfig):
    """The audit trail's browsing pages (/audit/, the scorecard's trail section). The entries are
    written by the audit app, at the bottom so that every app may record its changes; reading them
    needs the units a viewer sees and the engine's objects, so the pages sit above both. No models,
    so no name shown in the admin."""

    name = "trail"
