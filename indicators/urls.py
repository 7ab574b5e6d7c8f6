from django.urls import path

from indicators import views

urlpatterns = [
    path("", views.home, name="home"),
]
