"""The app's URLs and /bench/bare/: a Django view that does nothing, served by the same gunicorn,
so that the load test can tell the pages' cost from the server's, the middleware's and locust's."""

from django.http import HttpResponse
from django.urls import path

from reformdash.urls import urlpatterns as app_urlpatterns


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare, name="bench_bare"), *app_urlpatterns]
