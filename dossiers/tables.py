"""The tables of the dossier pages (django-tables2)."""

import django_tables2 as tables
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from dossiers.models import Dossier
from dossiers.selectors import overdue_days
from reformdash.lib.vietnamese import vietnamese_sort_key

TEMPLATE = "dossiers/_table.html"
NUMBER = {"th": {"class": "num"}, "td": {"class": "num"}}
NAME = {"td": {"class": "name"}}


def _none_last(value):
    # Units without dossiers have no rate and no rank; sorted on their own, after every number.
    return (value is None, value if value is not None else 0)


class DossierRankingTable(tables.Table):
    """One row per unit of dossiers.selectors.dossier_ranking: its rank in its group and the
    period's counts. The value column is headed with the measure ranked."""

    rank = tables.Column(verbose_name=_("Rank"), order_by=("rank_order",), attrs=NUMBER)
    # Sorted in Python (the rows are a list): by name in Vietnamese alphabetical order, not code point.
    name = tables.Column(verbose_name=_("Unit"), order_by=("name_order", "code"), attrs=NAME)
    group = tables.Column(
        verbose_name=_("Group"), accessor="group", order_by=("group_order", "rank_order"), default="", attrs=NAME
    )
    value = tables.Column(verbose_name=_("Rate"), order_by=("value_order",), attrs=NUMBER)
    received = tables.Column(verbose_name=_("Received"), attrs=NUMBER)
    completed_on_time = tables.Column(verbose_name=_("Completed on time"), attrs=NUMBER)
    completed_late = tables.Column(verbose_name=_("Completed late"), attrs=NUMBER)
    returned_on_time = tables.Column(verbose_name=_("Returned or stopped on time"), attrs=NUMBER)
    returned_late = tables.Column(verbose_name=_("Returned or stopped late"), attrs=NUMBER)
    pending_on_time = tables.Column(verbose_name=_("Pending on time"), attrs=NUMBER)
    pending_overdue = tables.Column(verbose_name=_("Pending overdue"), attrs=NUMBER)
    overdue_list = tables.Column(verbose_name=_("Dossiers"), accessor="code", orderable=False, exclude_from_export=True)

    class Meta:
        template_name = TEMPLATE
        attrs = {"class": "table dossier-table"}
        empty_text = _("No unit to show for this choice.")

    def __init__(self, rows, *, measure_label, group_names=None, **kwargs):
        for row in rows:
            row["rank_order"] = _none_last(row["rank"])
            row["value_order"] = _none_last(row["value"])
            row["group"] = (group_names or {}).get(row["parent_id"], "")
            row["name_order"] = vietnamese_sort_key(row["name"])
            row["group_order"] = vietnamese_sort_key(row["group"])
        super().__init__(rows, exclude=() if group_names else ("group",), **kwargs)
        self.columns["value"].column.verbose_name = f"{measure_label} (%)"

    def render_rank(self, record):
        if record["rank"] is None:
            return "—"
        return f"{record['rank']}/{record['group_size']}"

    def value_rank(self, record):
        return "" if record["rank"] is None else f"{record['rank']}/{record['group_size']}"

    def render_value(self, value):
        return floatformat(value, 2)

    def value_value(self, value):
        return value

    def render_overdue_list(self, record):
        url = reverse("unit_overdue_dossiers", args=[record["code"]])
        return format_html('<a href="{}?scope=own">{}</a>', url, _("Overdue dossiers"))


class OverdueDossierTable(tables.Table):
    """A page of a unit's overdue (or late) dossiers, most overdue first."""

    external_id = tables.Column(verbose_name=_("Dossier"))
    unit = tables.Column(verbose_name=_("Unit"), accessor="unit__name", order_by=("unit__name", "id"), attrs=NAME)
    procedure = tables.Column(verbose_name=_("Procedure"), accessor="procedure_name", order_by=("procedure_name", "id"))
    received_at = tables.DateTimeColumn(verbose_name=_("Received"), order_by=("received_at", "id"))
    due_at = tables.DateTimeColumn(verbose_name=_("Due"), order_by=("due_at", "id"))
    completed_at = tables.DateTimeColumn(verbose_name=_("Completed"), order_by=("completed_at", "id"))
    overdue_by = tables.Column(verbose_name=_("Days overdue"), order_by=("overdue_by", "id"), attrs=NUMBER)
    channel = tables.Column(verbose_name=_("Channel"))
    supplement_requests = tables.Column(verbose_name=_("Supplement requests"), attrs=NUMBER)

    class Meta:
        model = Dossier
        template_name = TEMPLATE
        attrs = {"class": "table dossier-table"}
        fields = ()
        sequence = (
            "external_id",
            "unit",
            "procedure",
            "received_at",
            "due_at",
            "completed_at",
            "overdue_by",
            "channel",
            "supplement_requests",
        )
        empty_text = _("No dossier is overdue.")
        order_by = ("-overdue_by",)

    def __init__(self, *args, show_completed=False, **kwargs):
        super().__init__(*args, exclude=() if show_completed else ("completed_at",), **kwargs)

    def render_procedure(self, record):
        if record.procedure_code:
            return format_html(
                '{} <small class="muted">({})</small>', record.procedure_name or "—", record.procedure_code
            )
        return record.procedure_name or "—"

    def render_overdue_by(self, value):
        days = overdue_days(value)
        return "—" if days is None else days
