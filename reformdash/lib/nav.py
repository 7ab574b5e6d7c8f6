"""Navigation flags kept in the session: whether the header offers a link the user may follow.

Worked out once, when the user logs in (the login writes the session anyway), so that every page
shows or hides the link without a query. A right given later shows at the next login; the pages
themselves check access on every request, so a link is only a convenience."""


def nav_flag_remember(request, key, compute, user):
    """Store compute(user) under `key` in the request's session (from a user_logged_in receiver)."""
    session = getattr(request, "session", None)
    if session is not None:
        session[key] = compute(user)


def nav_flag(request, key, compute):
    """The flag for the request's user: False when anonymous, else from the session (worked out and
    kept there for a session from before the flag existed), or computed when there is no session."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    session = getattr(request, "session", None)
    if session is None:
        return compute(user)
    if key not in session:
        session[key] = compute(user)
    return session[key]
