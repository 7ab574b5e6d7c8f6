from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from api.views import docs as api_docs
from reformdash.health import health
from reformdash.login import LoginView

admin.site.site_header = _("reformdash administration")
admin.site.site_title = "reformdash"
admin.site.index_title = _("Units, indices and scores")


class FaviconView(RedirectView):
    """/favicon.ico, which a browser asks for when a page names no icon (Django's own 404 page, a
    file opened on its own): our icon, where it was a 404 in the console — also after a page that
    was left. Not permanent: the icon's hashed name changes with the file."""

    permanent = False

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.svg")


urlpatterns = [
    path("", include("indicators.urls")),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("health/", health, name="health"),
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("admin/", admin.site.urls),
    path("units/", include("indicators.scorecard_urls")),
    path("assessments/", include("assessments.urls")),
    path("imports/", include("imports.urls")),
    path("audit/", include("trail.urls")),
    path("plans/", include("remediation.urls")),
    path("preferences/", include("preferences.urls")),
    path("notifications/", include("notifications.urls")),
    # The API's page for people, not an endpoint: outside api.urls, whose every path the OpenAPI document describes.
    path("api/docs/", api_docs, name="api_docs"),
    path("api/", include("api.urls")),
    path("", include("dossiers.urls")),
]

# JSON for an error under /api/ (reformdash/errors.py; with DEBUG on, its middleware does it).
handler400 = "reformdash.errors.bad_request"
handler403 = "reformdash.errors.permission_denied"
handler404 = "reformdash.errors.page_not_found"
handler500 = "reformdash.errors.server_error"
