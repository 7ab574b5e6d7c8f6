from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("Indicators")

    def ready(self):
        from indicators.services import register_jobs

        register_jobs()

        # units is below indicators and may not import it: it announces changed units with a
        # signal of its own, and the engine recomputes the rankings they are in (dependency inversion).
        from indicators.services import rankings_of_changed_units_request
        from units.signals import units_changed

        units_changed.connect(rankings_of_changed_units_request, dispatch_uid="indicators.units_changed")
