"""The number filters every template uses: the active language's decimal mark, a dash for nothing."""

from decimal import Decimal

from django.template import Context, Template
from django.utils import translation

from indicators.models import Index, ValueUnit


def render(text, **context):
    return Template(text).render(Context(context))


def test_two_decimals_the_vietnamese_way_and_the_english_way():
    with translation.override("vi"):
        assert render("{{ v|number }} · {{ v|percent }}", v=Decimal("78.444999")) == "78,44 · 78,44 %"
    with translation.override("en"):
        assert render("{{ v|number }} · {{ v|percent }}", v=Decimal("78.444999")) == "78.44 · 78.44 %"


def test_nothing_is_a_dash_and_zero_is_zero():
    with translation.override("vi"):
        assert render("{{ v|number }} {{ v|percent }}", v=None) == "— —"
        assert render("{{ v|percent }}", v=Decimal(0)) == "0,00 %"


def test_a_value_in_its_indexs_unit():
    percent_index, points_index = Index(value_unit=ValueUnit.PERCENT), Index(value_unit=ValueUnit.POINTS)
    with translation.override("vi"):
        assert render("{{ v|in_unit:i }}", v=Decimal("84.6"), i=percent_index) == "84,60 %"
        assert render("{{ v|in_unit:i }}", v=Decimal("84.6"), i=points_index) == "84,60"


def test_the_short_path_writes_what_floatformat_writes():
    """number and percent format a Decimal or an int themselves (reformdash.lib.numbers.two_places,
    issue 22: hundreds a page); the text is floatformat's, half up, in both languages."""
    from django.template.defaultfilters import floatformat

    from reformdash.lib.numbers import two_places

    values = [
        Decimal("0"), Decimal("-0"), Decimal("-0.004"), Decimal("-0.005"), Decimal("0.005"), Decimal("2.675"),
        Decimal("-2.675"), Decimal("84.6"), Decimal("100"), Decimal("1E+3"), Decimal("1234567.891"),
        Decimal("0.000001"), Decimal("99.995"), Decimal("-12.344999"), Decimal("1E+30"), Decimal("NaN"),
        0, 7, -3, 1234567, 10**30, 2.675, 0.1, "84.6", True,
    ]  # fmt: skip
    for language in ("vi", "en"):
        with translation.override(language):
            for value in values:
                assert two_places(value) == floatformat(value, 2), (language, value)
