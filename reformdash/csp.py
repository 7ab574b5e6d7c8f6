"""Content-Security-Policy on every response: scripts, styles, images and fonts from this server
only, no inline script, no eval, no framing, forms posting only here.

Django 5.2 has no CSP of its own. A response that already carries a policy keeps it: evidence
downloads send a stricter sandbox policy of their own."""

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # No inline style at all: Plotly's run-time rules are served as static/vendor/plotly/plotly.css
        # (see partials/_chart_scripts.html).
        "style-src 'self'",
        # Style attributes: only the empty one (the hash is SHA-256 of ""), which Plotly's colour bar
        # sets on its rectangles; any style attribute with content stays refused.
        "style-src-attr 'unsafe-hashes' 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
        # data: for the small SVG images Plotly's own stylesheet draws (mode bar and map logos).
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response
