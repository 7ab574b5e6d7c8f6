"""A browser context whose pages are watched for what must never happen on any page: a console
error (the browser's own report of a refused style or script, or of a 404, among them), an uncaught
script error, a Content-Security-Policy violation, a request to another host (pages must work
offline). Tests assert that its list of problems stays empty."""

from django.conf import settings

# Chromium fires this DOM event for every refused inline style or script, eval, or load from
# elsewhere; registered before any script of the page runs, and said on the console so that one
# listener sees it, whichever page of the context it happened on.
CSP_VIOLATIONS_TO_CONSOLE = """document.addEventListener("securitypolicyviolation", (event) => {
  console.error("CSP violation: " + event.violatedDirective + " " + event.blockedURI + " " + (event.sample || ""));
});"""


def open_context(browser, server, *, viewport, language):
    """A context on `server` (anything with a .url) at `viewport`, in `language` ("vi", the site's
    default, or "en" through the language cookie the header's switch sets); returns (context,
    problems), the list every page of the context adds its problems to."""
    context = browser.new_context(base_url=server.url, viewport=viewport, locale="vi-VN")
    if language != settings.LANGUAGE_CODE:
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": server.url}])
    problems = []
    context.add_init_script(CSP_VIOLATIONS_TO_CONSOLE)
    context.on(
        "console",
        lambda message: (
            problems.append(f"console error on {message.location.get('url')}: {message.text}")
            if message.type == "error"
            else None
        ),
    )
    context.on("weberror", lambda error: problems.append(f"script error: {error.error}"))
    context.on(
        "request",
        lambda request: None if request.url.startswith(server.url) else problems.append(f"outside: {request.url}"),
    )
    return context, problems
