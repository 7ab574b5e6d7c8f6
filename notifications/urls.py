from django.urls import path

from notifications import views

urlpatterns = [
    path("", views.inbox_view, name="notifications_inbox"),
    path("read/", views.mark_all_read, name="notifications_read_all"),
    path("<int:notification_id>/read/", views.mark_read, name="notifications_read"),
    path("settings/", views.preferences_view, name="notifications_settings"),
]
