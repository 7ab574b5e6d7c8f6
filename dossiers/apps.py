from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = _("Dossiers")

    def ready(self):
        from dossiers.services import STATS_FULL, STATS_INCREMENTAL
        from dossiers.stats import dossier_stats_full, dossier_stats_incremental
        from jobs.services import job_kind_register

        job_kind_register(kind=STATS_INCREMENTAL, work=dossier_stats_incremental)
        job_kind_register(kind=STATS_FULL, work=dossier_stats_full)
