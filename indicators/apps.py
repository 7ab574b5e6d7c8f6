from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("Indicators")

    def ready(self):
        from dossiers.signals import dossier_months_changed
        from indicators.services import (
            dossier_results_recompute_request,
            rankings_of_changed_units_request,
            register_jobs,
        )
        from units.signals import units_changed

        register_jobs()
        # dossiers and units sit below indicators and may not import it (dependency inversion):
        # when dossier statistics or units change they send these signals, and the results computed
        # from them are asked for again from here.
        dossier_months_changed.connect(dossier_results_recompute_request, dispatch_uid="indicators.dossier_results")
        units_changed.connect(rankings_of_changed_units_request, dispatch_uid="indicators.units_changed")
