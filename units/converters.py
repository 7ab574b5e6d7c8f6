"""The `unit_code` path converter of every address naming a unit (/units/<code>/, the API's
scorecard, the overdue list).

It takes what `str` takes and a "/" too: a code from before the rules of units.validators (an
import once accepted "Tổ 1/2") must still make a link, or reversing it fails and the audit and
dossier pages that list the unit fail with it (issue 21). It takes no NUL, which PostgreSQL
cannot compare (reformdash.middleware refuses one in any address before this is asked)."""

from django.urls import register_converter


class UnitCodeConverter:
    regex = "[^\x00]+?"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(UnitCodeConverter, "unit_code")
