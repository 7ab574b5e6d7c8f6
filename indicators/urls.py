from django.urls import path

from indicators import views
from indicators.help_views import indicator_help

urlpatterns = [
    path("", views.home, name="home"),
    path("rankings/", views.rankings, name="rankings"),
    path("chronic-losses/", views.chronic_losses, name="chronic_losses"),
    path("help/", indicator_help, name="indicator_help"),
    path("targets/warnings/", views.early_warning, name="early_warning"),
]
