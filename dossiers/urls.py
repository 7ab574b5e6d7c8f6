from django.urls import path

from dossiers import views

urlpatterns = [
    path("api/dossiers/batch/", views.dossier_batch, name="dossier_batch"),
    path("dossiers/methodology/", views.dossier_methodology, name="dossier_methodology"),
]
