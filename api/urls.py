from django.urls import path

import units.converters  # noqa: F401 (registers <unit_code:…>)
from api import views

app_name = "api"

# /api/dossiers/batch/, the one-stop systems' push endpoint, lives in dossiers/urls.py: these
# patterns must never swallow it (no catch-all here).
urlpatterns = [
    path("", views.endpoints, name="endpoints"),
    path("indices/", views.indices, name="indices"),
    path("units/", views.units, name="units"),
    path("units/<unit_code:code>/scorecard/", views.unit_scorecard, name="unit_scorecard"),
    path("rankings/", views.rankings, name="rankings"),
    path("schema/", views.schema, name="schema"),
]
