from django.urls import path

from indicators import views

urlpatterns = [
    path("", views.home, name="home"),
    path("rankings/", views.rankings, name="rankings"),
    path("chronic-losses/", views.chronic_losses, name="chronic_losses"),
]
