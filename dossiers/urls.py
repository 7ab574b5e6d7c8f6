from django.urls import path

from dossiers import views

urlpatterns = [
    path("batch/", views.dossier_batch, name="dossier_batch"),
]
