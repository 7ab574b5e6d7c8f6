from django.urls import path

from imports import views

urlpatterns = [
    path("", views.import_upload, name="import_upload"),
    path("template/", views.import_template, name="import_template"),
    path("<int:run_id>/", views.import_run, name="import_run"),
    path("<int:run_id>/confirm/", views.import_confirm, name="import_confirm"),
    path("<int:run_id>/progress.json", views.import_progress, name="import_progress"),
]
