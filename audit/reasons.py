"""The reasons our own code gives for a change, as messages translated when the entry is read.

A reason a person gives (an appraiser's words, a decision's reference) is stored as written, in
AuditEntry.reason. A reason our code gives is stored as a code and its parameters
(AuditEntry.reason_code, reason_params) and put into words here, in the reader's language: a
command runs with no reader's language, and text it wrote would be English on a Vietnamese page
(or the other way round) for ever. The messages are the catalogue's (locale/vi)."""

from django.utils.translation import gettext_lazy as _

REASONS = {
    "units.admin_import": _("administrative units from %(source)s"),
    "units.moved": _("moved by an import with moves allowed; %(losing)d user(s) lose sight of it, %(gaining)d gain it"),
    "assessments.published_without": _(
        "Published without the units that have no complete appraised result (%(count)d): %(codes)s."
    ),
}


def reason_message(code, params):
    """The code's message in the active language with its parameters; "" for no code. A code this
    version does not know (written by a newer one), or parameters that do not fit, show the code
    and its parameters rather than fail the page."""
    if not code:
        return ""
    message = REASONS.get(code)
    try:
        if message is not None:
            return str(message) % (params or {})
    except (TypeError, KeyError, ValueError):
        pass
    details = ", ".join(f"{key}={value}" for key, value in (params or {}).items())
    return f"{code} ({details})" if details else code


def reason_text(reason, code, params):
    """The whole reason as shown: the person's words, then our code's, joined by " · "."""
    return " · ".join(part for part in (reason, reason_message(code, params)) if part)
