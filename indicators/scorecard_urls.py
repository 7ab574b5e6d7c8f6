"""/units/<code>/: the unit scorecard, the engine's page, mounted under units/ by reformdash.urls
(the units app sits below the engine and does not import it)."""

from django.urls import path

import units.converters  # noqa: F401 (registers <unit_code:…>)
from indicators import scorecard_views as views

urlpatterns = [
    path("<unit_code:code>/", views.unit_scorecard, name="unit_scorecard"),
]
