from django.urls import path

from preferences import views

urlpatterns = [
    path("tables/<slug:table>/", views.table_layout_save, name="table_layout_save"),
]
