"""Whether the page's navigation offers the self-assessment / appraisal worklist: a session flag
worked out at login (reformdash.lib.nav)."""

from django.contrib.auth import get_user_model
from django.db.models import Q

from reformdash.lib.nav import nav_flag, nav_flag_remember
from units.roles import APPRAISER_GROUP

SESSION_KEY = "assessments_nav"


def may_use_worklist(user):
    """True for administrators, appraisers and members of a unit; one query at most."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return (
        get_user_model()
        .objects.filter(pk=user.pk)
        .filter(Q(groups__name=APPRAISER_GROUP) | Q(unit_memberships__isnull=False))
        .exists()
    )


def remember_on_login(sender, request, user, **kwargs):
    """user_logged_in receiver (assessments.apps)."""
    nav_flag_remember(request, SESSION_KEY, may_use_worklist, user)


def assessment_nav(request):
    """`assessment_nav` for base.html: a callable, so pages that do not show it cost nothing."""
    return {"assessment_nav": lambda: nav_flag(request, SESSION_KEY, may_use_worklist)}
