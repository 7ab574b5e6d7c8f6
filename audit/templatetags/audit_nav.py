"""`request|may_browse_audit`: whether the navigation offers the audit trail.

Worked out when the user logs in (audit.apps connects remember_on_login) and kept in his session,
so that pages show or hide the link without a query; the page itself checks on every request."""

from django import template

from audit.selectors import may_browse_audit as _may_browse_audit

register = template.Library()
SESSION_KEY = "audit_nav"


def remember_on_login(sender, request, user, **kwargs):
    """user_logged_in receiver: the login writes the session anyway."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SESSION_KEY] = _may_browse_audit(user)


@register.filter
def may_browse_audit(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    session = getattr(request, "session", None)
    if session is None:
        return _may_browse_audit(user)
    if SESSION_KEY not in session:  # a session from before the link existed
        session[SESSION_KEY] = _may_browse_audit(user)
    return session[SESSION_KEY]
