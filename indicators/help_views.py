"""/help/: what each index, band and area means, read from the data (indicators.help)."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import render

from indicators.help import index_help
from indicators.models import Index


def indicator_help(request):
    """?index=CODE narrows to one index, ?year= picks the methodology year (else each index's
    latest). Readable by whoever may read the rankings it explains (settings.PUBLIC_RANKINGS):
    methodologies, not results."""
    if not request.user.is_authenticated and not settings.PUBLIC_RANKINGS:
        return redirect_to_login(request.get_full_path())
    index = None
    if code := request.GET.get("index"):
        index = Index.objects.filter(code=code).first()
        if index is None:
            raise Http404("No such index.")
    year = request.GET.get("year")
    year = int(year) if year and year.isdigit() and len(year) == 4 else None
    return render(request, "indicators/help.html", {"entries": index_help(index=index, year=year), "one": index})
