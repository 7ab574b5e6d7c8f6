from django.urls import path

from trail import views

urlpatterns = [
    path("", views.audit_trail, name="audit_trail"),
]
