"""`request|may_browse_audit`: whether the navigation offers the audit trail, a session flag
worked out at login (reformdash.lib.nav; audit.apps connects remember_on_login)."""

from django import template

from trail.selectors import may_browse_audit as _may_browse_audit
from reformdash.lib.nav import nav_flag, nav_flag_remember

register = template.Library()
SESSION_KEY = "audit_nav"


def remember_on_login(sender, request, user, **kwargs):
    """user_logged_in receiver."""
    nav_flag_remember(request, SESSION_KEY, _may_browse_audit, user)


@register.filter
def may_browse_audit(request):
    return nav_flag(request, SESSION_KEY, _may_browse_audit)
