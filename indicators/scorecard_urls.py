from django.urls import path

from units import views

urlpatterns = [
    path("<str:code>/", views.unit_scorecard, name="unit_scorecard"),
]
