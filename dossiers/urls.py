from django.urls import path

import units.converters  # noqa: F401 (registers <unit_code:…>)
from dossiers import views

urlpatterns = [
    path("api/dossiers/batch/", views.dossier_batch, name="dossier_batch"),
    path("dossiers/", views.dossier_ranking, name="dossier_ranking"),
    path("dossiers/methodology/", views.dossier_methodology, name="dossier_methodology"),
    path("dossiers/units/<unit_code:code>/overdue/", views.unit_overdue_dossiers, name="unit_overdue_dossiers"),
]
