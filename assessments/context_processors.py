"""Whether the page's navigation offers the self-assessment / appraisal worklist.

Worked out once, when the user logs in (one query), and kept in his session: every page then
shows or hides the link without a query. A membership given later shows at the next login; the
pages themselves check access on every request, so the link is only a convenience."""

from django.contrib.auth import get_user_model
from django.db.models import Q

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
    """user_logged_in receiver (assessments.apps): the login writes the session anyway."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SESSION_KEY] = may_use_worklist(user)


def assessment_nav(request):
    """`assessment_nav` for base.html: a callable, so pages that do not show it cost nothing."""

    def shown():
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        session = getattr(request, "session", None)
        if session is None:
            return may_use_worklist(user)
        if SESSION_KEY not in session:  # a session from before this setting existed
            session[SESSION_KEY] = may_use_worklist(user)
        return session[SESSION_KEY]

    return {"assessment_nav": shown}
