from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from indicators.selectors import national_standing
from units.models import Membership
from units.roles import sees_all_units
from units.selectors import units_visible_to


@login_required
def home(request):
    """The landing page: where the province stands nationally, and which units this user sees."""
    context = {
        "standing": national_standing(user=request.user),
        "memberships": Membership.objects.filter(user=request.user).select_related("unit"),
        "sees_all_units": sees_all_units(request.user),
        "visible_unit_count": units_visible_to(user=request.user).count(),
    }
    return render(request, "indicators/home.html", context)
