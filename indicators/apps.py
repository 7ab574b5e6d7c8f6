from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("Indicators")

    def ready(self):
        from dossiers.signals import dossier_months_changed
        from indicators.services import dossier_results_recompute_request, register_jobs

        register_jobs()
        # dossiers sits below indicators and may not import it: when its statistics change it
        # sends this signal, and the indices computed from them are recomputed from here.
        dossier_months_changed.connect(dossier_results_recompute_request, dispatch_uid="indicators.dossier_results")
