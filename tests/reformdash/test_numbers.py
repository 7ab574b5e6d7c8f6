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
