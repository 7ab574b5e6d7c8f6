"""/units/<code>/: the unit scorecard, the engine's page, mounted under units/ by reformdash.urls
(the units app sits below the engine and does not import it)."""

from django.urls import path

from indicators import scorecard_views as views

urlpatterns = [
    path("<str:code>/", views.unit_scorecard, name="unit_scorecard"),
]
