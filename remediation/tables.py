"""The coverage page's tables (django-tables2, the shared layout of reformdash/lib/tables.py): the
remediation by unit, by criterion, and the actions overdue; each is exported as it is shown."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from reformdash.lib.export import ColumnType
from reformdash.lib.tables import NUMBER, SECONDARY, SECONDARY_NUMBER, TEMPLATE, LayoutMixin, cell_attrs, table_attrs

NAME = cell_attrs("unit-col", "name")
COUNTS = ("chronic", "planned", "unplanned", "recovered", "overdue")


class _CountsTable(LayoutMixin, tables.Table):
    chronic = tables.Column(verbose_name=_("Chronic losses"), attrs=NUMBER)
    planned = tables.Column(verbose_name=_("With a plan"), attrs=SECONDARY_NUMBER)
    unplanned = tables.Column(verbose_name=_("Without a plan"), attrs=NUMBER)
    recovered = tables.Column(verbose_name=_("Recovered"), attrs=SECONDARY_NUMBER)
    overdue = tables.Column(verbose_name=_("Actions overdue"), attrs=NUMBER)

    export_types = dict.fromkeys(COUNTS, ColumnType.INTEGER)

    class Meta:
        template_name = TEMPLATE
        empty_text = _("No chronic loss and no action overdue among the units you can see.")


class CoverageByUnitTable(_CountsTable):
    code = tables.Column(verbose_name=_("Code"), attrs=SECONDARY)
    name = tables.Column(verbose_name=_("Unit"), attrs=NAME)

    class Meta(_CountsTable.Meta):
        attrs = table_attrs("coverage-units")
        sequence = ("code", "name", *COUNTS)

    def __init__(self, rows, *, index, year, **kwargs):
        self.plan_query = {"index": index.code, "year": year}
        super().__init__(rows, **kwargs)

    def render_name(self, value, record):
        url = reverse("remediation_plan", kwargs={"code": record["code"], **self.plan_query})
        return format_html('<a href="{}">{}</a>', url, value)

    def value_name(self, value):
        return value


class CoverageByCriterionTable(_CountsTable):
    code = tables.Column(verbose_name=_("Criterion"))
    name = tables.Column(verbose_name=_("Title"), attrs=SECONDARY)

    class Meta(_CountsTable.Meta):
        attrs = table_attrs("coverage-criteria")
        sequence = ("code", "name", *COUNTS)


class UnplannedLossTable(LayoutMixin, tables.Table):
    """The chronic losses no plan names: unit, criterion, years running."""

    unit_name = tables.Column(verbose_name=_("Unit"), attrs=NAME)
    code = tables.Column(verbose_name=_("Criterion"))
    title = tables.Column(verbose_name=_("Title"), attrs=SECONDARY)
    streak = tables.Column(verbose_name=_("Years running"), attrs=NUMBER)

    export_types = {"streak": ColumnType.INTEGER}

    class Meta:
        template_name = TEMPLATE
        attrs = table_attrs("coverage-missing")
        empty_text = _("Every chronic loss of the units you can see has a plan.")

    def __init__(self, rows, *, index, year, **kwargs):
        self.plan_query = {"index": index.code, "year": year}
        super().__init__(rows, **kwargs)

    def render_unit_name(self, value, record):
        url = reverse("remediation_plan", kwargs={"code": record["unit_code"], **self.plan_query})
        return format_html('<a href="{}">{}</a>', url, value)

    def value_unit_name(self, value):
        return value


class OverdueActionTable(LayoutMixin, tables.Table):
    unit = tables.Column(verbose_name=_("Unit"), accessor="item__plan__unit__name", attrs=NAME)
    criterion = tables.Column(verbose_name=_("Criterion"), accessor="item__criterion__code")
    what = tables.Column(verbose_name=pgettext_lazy("remediation", "Action"))
    owner = tables.Column(verbose_name=_("Owner"), attrs=SECONDARY)
    deadline = tables.DateColumn(verbose_name=_("Deadline"), format="d/m/Y")
    status = tables.Column(verbose_name=_("Status"), attrs=SECONDARY)

    export_types = {"deadline": ColumnType.DATE}

    class Meta:
        template_name = TEMPLATE
        attrs = table_attrs("coverage-overdue")
        empty_text = _("No action is past its deadline.")

    def render_unit(self, value, record):
        plan = record.item.plan
        url = reverse("remediation_plan", kwargs={"code": plan.unit.code, "index": plan.index.code, "year": plan.year})
        return format_html('<a href="{}">{}</a>', url, value)

    def value_unit(self, value):
        return value

    def value_deadline(self, value):
        return value
