"""What a unit code and a unit name may hold: the one place every importer, the admin (the model's
field validators) and the API check them (issue 21; documented in docs/user-guide.md, "Unit codes").

A code is 1 to 32 characters: ASCII letters, digits, ".", "_" and "-", starting with a letter or a
digit. It names the unit in addresses (/units/<code>/), files and the API, so it holds nothing an
address, a spreadsheet or a shell would read as something else. Every real code fits: the
statistics office's numbers (20333), the demo's L49-SNV and 48-STP, the tests' A and B1.

A name is text in Unicode NFC (the form Vietnamese keyboards and the statistics office use; an NFD
"Sở" would look the same and match nothing), at most 255 characters, with no control character and
no invisible formatting character: no zero-width space or joiner, no bidirectional override or
isolate, which would make a name display as something else than what it is.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CODE_MAX_LENGTH = 32
NAME_MAX_LENGTH = 255
CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")


def unit_code_problem(code):
    """Why `code` is not a valid unit code, or None when it is."""
    if not isinstance(code, str) or not code:
        return _("the code is empty")
    if len(code) > CODE_MAX_LENGTH:
        return _("the code is longer than %(max)d characters") % {"max": CODE_MAX_LENGTH}
    if not CODE_PATTERN.fullmatch(code):
        return _("a unit code has only ASCII letters, digits, “.”, “_” and “-”, and starts with a letter or a digit")
    return None


def unknown_unit_reason(code):
    """Why no stored unit has `code`: that it cannot be a code at all, quoting it, when it cannot,
    else that it is unknown. For the importers and the API, which look codes up as given: a unit
    stored before these rules is still found."""
    problem = unit_code_problem(code)
    if problem is None:
        return _("unknown unit “%(code)s”") % {"code": code}
    return _("“%(code)s” is not a unit code: %(reason)s") % {"code": code, "reason": problem}


def validate_unit_code(code):
    problem = unit_code_problem(code)
    if problem is not None:
        raise ValidationError(problem, code="invalid_unit_code")


def normalize_unit_name(name):
    """The name as stored: trimmed, in NFC."""
    return unicodedata.normalize("NFC", name.strip()) if isinstance(name, str) else name


def unit_name_problem(name):
    """Why `name` is not a valid unit name, or None when it is; checks the NFC form."""
    if not isinstance(name, str) or not name.strip():
        return _("the name is empty")
    name = normalize_unit_name(name)
    if len(name) > NAME_MAX_LENGTH:
        return _("the name is longer than %(max)d characters") % {"max": NAME_MAX_LENGTH}
    for character in name:
        # Cc: control characters (NUL, tab, newline…); Cf: invisible formatting (zero-width space
        # and joiners, bidirectional marks, overrides and isolates, the byte-order mark).
        if unicodedata.category(character) in ("Cc", "Cf"):
            return _("the name holds an invisible or control character (U+%(code)04X)") % {"code": ord(character)}
    return None


def validate_unit_name(name):
    problem = unit_name_problem(name)
    if problem is not None:
        raise ValidationError(problem, code="invalid_unit_name")
