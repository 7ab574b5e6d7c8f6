"""The tables of the dossier pages (django-tables2)."""

import django_tables2 as tables
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from dossiers.measures import MEASURES
from dossiers.models import Dossier
from dossiers.selectors import overdue_days
from reformdash.lib.export import ColumnType
from reformdash.lib.tables import NUMBER, SECONDARY, SECONDARY_NUMBER, TEMPLATE, LayoutMixin, cell_attrs, table_attrs
from reformdash.lib.vietnamese import vietnamese_sort_key

# The unit's name: the column that stays in view (reformdash/lib/tables.py).
NAME = cell_attrs("unit-col", "name")


def _none_last(value):
    # Units without dossiers have no rate and no rank; sorted on their own, after every number.
    return (value is None, value if value is not None else 0)


# The counts a dossier ranking can show: those of every measure (dossiers.measures: Measure.shown),
# each measure showing its own.
COUNT_COLUMNS = tuple(dict.fromkeys(name for measure in MEASURES.values() for name in measure.shown))


def _unit_link(name, code, linkable):
    """The unit's name, a link to its scorecard when the reader may open it."""
    if not linkable:
        return name
    return format_html('<a href="{}">{}</a>', reverse("unit_scorecard", kwargs={"code": code}), name)


class DossierRankingTable(LayoutMixin, tables.Table):
    """One row per unit of dossiers.selectors.dossier_ranking: its rank in its group, the rate and
    the period's counts of the measure ranked (those it is computed from), the unit's name linked
    to its scorecard for a reader who may open it. The value column is headed with the measure. A
    phone shows rank, unit, rate and the link to the dossiers; the counts on demand."""

    rank = tables.Column(verbose_name=_("Rank"), order_by=("rank_order",), attrs=NUMBER)
    # Sorted in Python (the rows are a list): by name in Vietnamese alphabetical order, not code point.
    name = tables.Column(verbose_name=_("Unit"), order_by=("name_order", "code"), attrs=NAME)
    group = tables.Column(
        verbose_name=_("Group"), accessor="group", order_by=("group_order", "rank_order"), default="", attrs=SECONDARY
    )
    value = tables.Column(verbose_name=_("Rate"), order_by=("value_order",), attrs=NUMBER)
    received = tables.Column(verbose_name=_("Received"), attrs=SECONDARY_NUMBER)
    received_online = tables.Column(verbose_name=_("Received online"), attrs=SECONDARY_NUMBER)
    received_fully_online = tables.Column(verbose_name=_("Handled fully online"), attrs=SECONDARY_NUMBER)
    received_with_fee = tables.Column(verbose_name=_("Received with a fee"), attrs=SECONDARY_NUMBER)
    paid_online = tables.Column(verbose_name=_("Paid online"), attrs=SECONDARY_NUMBER)
    completed = tables.Column(verbose_name=_("Completed"), attrs=SECONDARY_NUMBER)
    completed_result_entered = tables.Column(verbose_name=_("Result entered"), attrs=SECONDARY_NUMBER)
    completed_on_time = tables.Column(verbose_name=_("Completed on time"), attrs=SECONDARY_NUMBER)
    completed_late = tables.Column(verbose_name=_("Completed late"), attrs=SECONDARY_NUMBER)
    returned_on_time = tables.Column(verbose_name=_("Returned or stopped on time"), attrs=SECONDARY_NUMBER)
    returned_late = tables.Column(verbose_name=_("Returned or stopped late"), attrs=SECONDARY_NUMBER)
    pending_on_time = tables.Column(verbose_name=_("Pending on time"), attrs=SECONDARY_NUMBER)
    pending_overdue = tables.Column(verbose_name=_("Pending overdue"), attrs=SECONDARY_NUMBER)
    overdue_list = tables.Column(verbose_name=_("Dossiers"), accessor="code", orderable=False, exclude_from_export=True)

    layout_key = "dossier-ranking"
    required_columns = ("rank", "name", "value")

    class Meta:
        template_name = TEMPLATE
        attrs = table_attrs("dossier-table")
        empty_text = _("No unit to show for this choice.")

    # What the XLSX export keeps as numbers (reformdash.lib.tables.table_export_types).
    export_types = {"value": ColumnType.PERCENT, **dict.fromkeys(COUNT_COLUMNS, ColumnType.INTEGER)}

    def __init__(self, rows, *, measure, measure_label, group_names=None, **kwargs):
        for row in rows:
            row["rank_order"] = _none_last(row["rank"])
            row["value_order"] = _none_last(row["value"])
            row["group"] = (group_names or {}).get(row["parent_id"], "")
            row["name_order"] = vietnamese_sort_key(row["name"])
            row["group_order"] = vietnamese_sort_key(row["group"])
        shown = MEASURES[measure].shown
        exclude = [name for name in COUNT_COLUMNS if name not in shown]
        if not group_names:
            exclude.append("group")
        if not MEASURES[measure].lists_overdue:
            exclude.append("overdue_list")
        super().__init__(rows, exclude=exclude, sequence=("rank", "name", "group", "value", *shown, "..."), **kwargs)
        self.columns["value"].column.verbose_name = f"{measure_label} (%)"
        self.linkable = set()  # ids of the units whose scorecard the reader may open; set by the view

    def page_unit_ids(self):
        return {row.record["unit_id"] for row in self.page.object_list}

    def render_rank(self, record):
        if record["rank"] is None:
            return "—"
        return f"{record['rank']}/{record['group_size']}"

    def value_rank(self, record):
        return "" if record["rank"] is None else f"{record['rank']}/{record['group_size']}"

    def render_name(self, record, value):
        return _unit_link(value, record["code"], record["unit_id"] in self.linkable)

    def value_name(self, value):
        return value

    def render_value(self, value):
        return floatformat(value, 2)

    def value_value(self, value):
        return value

    def render_overdue_list(self, record):
        url = reverse("unit_overdue_dossiers", args=[record["code"]])
        return format_html('<a href="{}?scope=own">{}</a>', url, _("Overdue dossiers"))


class MomentColumn(tables.DateTimeColumn):
    """A date and time, shown in Vietnam time; exported as the datetime itself (a date cell in
    the XLSX, dd/mm/yyyy hh:mm:ss in the CSV: reformdash.lib.export)."""

    def value(self, value):
        return value


class OverdueDossierTable(LayoutMixin, tables.Table):
    """A page of a unit's overdue (or late) dossiers, most overdue first; each unit's name linked
    to its scorecard for a reader who may open it. A phone shows the dossier, its
    procedure, its due date and days overdue; the rest on demand."""

    external_id = tables.Column(verbose_name=_("Dossier"), attrs=cell_attrs("unit-col"))
    unit = tables.Column(
        verbose_name=_("Unit"),
        accessor="unit__name",
        order_by=("unit__name", "id"),
        attrs=cell_attrs("name", "col-secondary"),
    )
    procedure = tables.Column(verbose_name=_("Procedure"), accessor="procedure_name", order_by=("procedure_name", "id"))
    received_at = MomentColumn(verbose_name=_("Received"), order_by=("received_at", "id"), attrs=SECONDARY)
    due_at = MomentColumn(verbose_name=_("Due"), order_by=("due_at", "id"))
    completed_at = MomentColumn(verbose_name=_("Completed"), order_by=("completed_at", "id"), attrs=SECONDARY)
    overdue_by = tables.Column(verbose_name=_("Days overdue"), order_by=("overdue_by", "id"), attrs=NUMBER)
    channel = tables.Column(verbose_name=_("Channel"), attrs=SECONDARY)
    supplement_requests = tables.Column(verbose_name=_("Supplement requests"), attrs=SECONDARY_NUMBER)

    # The dossier and how late it is: what the list is about.
    layout_key = "overdue-dossiers"
    required_columns = ("external_id", "overdue_by")

    class Meta:
        model = Dossier
        template_name = TEMPLATE
        attrs = table_attrs("dossier-table")
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

    # What the XLSX export keeps as numbers and dates (reformdash.lib.tables.table_export_types).
    export_types = {
        "received_at": ColumnType.DATETIME,
        "due_at": ColumnType.DATETIME,
        "completed_at": ColumnType.DATETIME,
        "overdue_by": ColumnType.INTEGER,
        "supplement_requests": ColumnType.INTEGER,
    }

    def __init__(self, *args, show_completed=False, **kwargs):
        super().__init__(*args, exclude=() if show_completed else ("completed_at",), **kwargs)
        self.linkable = set()  # ids of the units whose scorecard the reader may open; set by the view

    def page_unit_ids(self):
        return {row.record.unit_id for row in self.page.object_list}

    def render_unit(self, record, value):
        return _unit_link(value, record.unit.code, record.unit_id in self.linkable)

    def value_unit(self, value):
        return value

    def render_procedure(self, record):
        if record.procedure_code:
            return format_html(
                '{} <small class="muted">({})</small>', record.procedure_name or "—", record.procedure_code
            )
        return record.procedure_name or "—"

    def value_procedure(self, record):
        if record.procedure_code:
            return f"{record.procedure_name or ''} ({record.procedure_code})".strip()
        return record.procedure_name or ""

    def render_overdue_by(self, value):
        days = overdue_days(value)
        return "—" if days is None else days

    def value_overdue_by(self, value):
        return overdue_days(value)
