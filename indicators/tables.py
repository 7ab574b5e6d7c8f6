"""The ranking table (django-tables2): what the page shows is what the exports write.

Each column renders for the page (2 decimals, arrows, links) and gives a plain value for the
exports (`value_*`: the stored number, the signed change, the name)."""

from collections import Counter
from functools import cached_property
from urllib.parse import urlencode

import django_tables2 as tables
from django.db.models import F
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django_tables2.utils import signature

from indicators.models import Target, ValueUnit
from indicators.official import OfficialState, is_official
from indicators.targets import target_state, target_text, verdict_class, verdict_text
from reformdash.lib.export import ColumnType
from reformdash.lib.fields import STORED_QUANTUM, as_decimal
from reformdash.lib.tables import NUMBER, SECONDARY, SECONDARY_NUMBER, LayoutMixin, cell_attrs, table_attrs

RANKING_TEMPLATE = "indicators/_ranking_table.html"


def _nulls_last(field, descending):
    expression = F(field)
    return expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)


def change_arrow(change):
    """▲ 2 for two places gained, ▼ 1 for one lost, = for the same place, — without last year's rank."""
    if change is None:
        return "—"
    if change > 0:
        return format_html('<span class="up">▲ {}</span>', change)
    if change < 0:
        return format_html('<span class="down">▼ {}</span>', -change)
    return "="


def previous_rank_text(*, rank, group_size, year):
    """Last year's rank with its group size and year: "2/17 (2024)"."""
    return f"{rank}/{group_size or '?'} ({year})"


def rank_change_cell(result, *, year):
    """The change column of a result: the arrow when last year's group is comparable
    (Result.rank_comparable), else last year's rank among its own group, "2/17 (2024)", with no
    arrow and a title saying why; — without last year's rank."""
    if result.previous_rank is None or not result.rank_not_comparable:
        return change_arrow(result.rank_change)
    return format_html(
        '<span class="rank-not-comparable" title="{}">{}</span>',
        gettext("Last year's group was different: the ranks are not compared."),
        previous_rank_text(rank=result.previous_rank, group_size=result.previous_group_size, year=year - 1),
    )


def area_title(area):
    """The area's title in the page's language (Vietnamese when it has no English one)."""
    english = (get_language() or "vi").startswith("en")
    return area.title_en if english and area.title_en else area.title


def revised_badge(mark):
    """A "revised" mark for a result corrected after publication — `mark` is its (date, reason)
    from indicators.selectors.revision_marks — its title saying when and why; nothing for None.
    Only on the page: the exports keep the columns, and the unit column exports the name alone."""
    if mark is None:
        return ""
    revised_on, reason = mark
    title = gettext("Revised on %(date)s: %(reason)s") % {
        "date": revised_on.strftime("%d/%m/%Y") if revised_on else "—",
        "reason": reason or "—",
    }
    return format_html(' <span class="badge-revised" title="{}">{}</span>', title, gettext("revised"))


class AreaColumn(tables.Column):
    """One area's sub-score of a unit, in % of the area's applicable maximum. The values come from
    `table.area_values` ({unit id: {area code: %}}), filled for the rows shown or exported."""

    def __init__(self, *, area, **kwargs):
        self.area_code = area.code
        # The header is the area's code, so eight areas fit beside the units; the page lists the
        # titles under the table, and the header's tooltip says it too. A phone shows them on demand.
        attrs = {"th": {**SECONDARY_NUMBER["th"], "title": area_title(area)}, "td": SECONDARY_NUMBER["td"]}
        super().__init__(verbose_name=f"{area.code} (%)", accessor="unit_id", orderable=False, attrs=attrs, **kwargs)

    def percent(self, table, unit_id):
        return table.area_values.get(unit_id, {}).get(self.area_code)

    def render(self, value, table):
        percent = self.percent(table, value)
        return "—" if percent is None else floatformat(percent, 2)

    def value(self, value, table):
        return self.percent(table, value)


class RankingTable(LayoutMixin, tables.Table):
    """One group's results in rank order (indicators.selectors.ranking_rows): rank in the whole
    group (the published one where there is one), change since last year, value, band, areas.
    A phone shows rank, unit, value and band; the other columns on demand (reformdash/lib/tables.py)."""

    rank = tables.Column(verbose_name=_("Rank"), accessor="shown_rank_value", attrs=NUMBER)
    # Exports only: the page says the group's size once, in the table's caption (common_group_size).
    group_size = tables.Column(verbose_name=_("Of"), accessor="shown_group_size", orderable=False, visible=False)
    # Read from last year's rank: a row whose change is not counted (groups not comparable) still
    # shows last year's rank; sorted by the change counted (order_change).
    change = tables.Column(verbose_name=_("Change"), accessor="previous_rank", attrs=SECONDARY_NUMBER)
    code = tables.Column(verbose_name=_("Code"), accessor="unit__code", order_by=("unit__code",), attrs=SECONDARY)
    unit = tables.Column(
        verbose_name=_("Unit"),
        accessor="unit__name",
        order_by=("unit__name", "unit__code"),
        attrs=cell_attrs("unit-col", "unit-name"),
    )
    # The unit's parent, in a ranking of a kind under every parent ("(all)"): which group its rank
    # is in. Only when the rows are of several groups (`group_names`, from the view).
    parent = tables.Column(verbose_name=_("Under"), accessor="unit__parent_id", orderable=False, attrs=SECONDARY)
    value = tables.Column(verbose_name=_("Value"), attrs=cell_attrs("num", "value"))
    band = tables.Column(verbose_name=_("Band"), accessor="band__name", orderable=False, attrs=cell_attrs("band"))
    # Official or provisional, row by row: the rule of indicators.official, as the scorecard and the API say it.
    status = tables.Column(verbose_name=_("Status"), accessor="official_state", orderable=False, attrs=SECONDARY)
    # The unit's target and whether it is met (indicators.targets); the exports have its parts as
    # numbers instead (target_value, target_rank, target_distance).
    target = tables.Column(
        verbose_name=_("Target"), accessor="target_id", orderable=False, attrs=SECONDARY, exclude_from_export=True
    )
    # Exports only (the page says it in the change column): last year's rank, its group size, and
    # whether the two years' groups are comparable (Result.rank_comparable).
    previous_rank = tables.Column(verbose_name=_("Previous rank"), visible=False, orderable=False)
    previous_group_size = tables.Column(verbose_name=_("Previous group size"), visible=False, orderable=False)
    rank_comparable = tables.Column(
        verbose_name=_("Comparable with previous year"), visible=False, orderable=False, empty_values=()
    )
    target_value = tables.Column(verbose_name=_("Target value"), visible=False, orderable=False)
    target_rank = tables.Column(verbose_name=_("Target rank"), visible=False, orderable=False)
    target_distance = tables.Column(
        verbose_name=_("Distance to target (negative: short)"), visible=False, orderable=False
    )

    layout_key = "rankings"
    required_columns = ("rank", "unit", "value")

    class Meta:
        # The status after the areas' columns, then the export-only columns: the exports' earlier
        # columns keep their places.
        sequence = (
            "...",
            "status",
            "target",
            "previous_rank",
            "previous_group_size",
            "rank_comparable",
            "target_value",
            "target_rank",
            "target_distance",
        )
        template_name = RANKING_TEMPLATE
        attrs = table_attrs("ranking-table")
        empty_text = _("No result to show for this choice.")

    def __init__(self, data, *, index, year, areas=(), group_names=None, **kwargs):
        extra = [(f"area_{position}", AreaColumn(area=area)) for position, area in enumerate(areas)]
        # {parent id: name} of the rows' groups (indicators.selectors.ranking_group_names); None: one group, no column.
        self.group_names = group_names
        exclude = () if group_names is not None else ("parent",)
        # No target set for the index and year: no column of dashes on the page (the exports keep theirs).
        if not Target.objects.filter(index=index, year=year).exists():
            exclude += ("target",)
        super().__init__(data, extra_columns=extra, exclude=exclude, **kwargs)
        self.index, self.year = index, year
        self.areas = [(area.code, area_title(area)) for area in areas]
        # The areas' values are read by the view once it knows which rows are shown.
        self.methodology = areas[0].methodology if areas else None
        self.area_values = {}
        self.revision_marks = {}  # {result id: (date, reason)} of the rows shown, also read by the view
        percent = index.value_unit == ValueUnit.PERCENT
        unit = "%" if percent else gettext("points")
        self.columns["value"].column.verbose_name = f"{gettext('Value')} ({unit})"
        # What the XLSX export keeps as numbers (reformdash.lib.tables.table_export_types).
        self.export_types = {
            **dict.fromkeys(
                ("rank", "group_size", "change", "previous_rank", "previous_group_size", "target_rank"),
                ColumnType.INTEGER,
            ),
            **dict.fromkeys((name for name, _column in extra), ColumnType.PERCENT),
            **dict.fromkeys(
                ("value", "target_value", "target_distance"), ColumnType.PERCENT if percent else ColumnType.POINTS
            ),
        }

    @cached_property
    def common_group_size(self):
        """The group's size, said once in the caption: the size most of the page's rows give (a
        published rank may count another group, such as the province among all provinces; such a
        row says its own size in its rank cell). None for an empty page."""
        sizes = Counter(row.record.shown_group_size for row in self.page.object_list) if self.page else Counter()
        sizes.pop(None, None)
        return sizes.most_common(1)[0][0] if sizes else None

    # The units the group has, ranked or not (views.rankings sets it for one parent's group).
    group_members = None

    @property
    def unranked_members(self):
        """How many units of the group have no rank yet (a year still being appraised ranks only
        those with a result): said in the caption, so that "1" is not read as first of the whole group."""
        size = self.common_group_size
        if size is None or self.group_members is None or self.group_members <= size:
            return 0
        return self.group_members - size

    def page_unit_ids(self):
        return [row.record.unit_id for row in self.page.object_list]

    def page_result_ids(self):
        return [row.record.pk for row in self.page.object_list]

    def body_html(self):
        """The page's rows: the HTML django-tables2's template writes (the same render methods,
        the same default for an empty cell, the same attributes), made here in one pass. Its
        template spends about 1.4 ms on a 15-column row — inspect.signature for every cell, then a
        dozen variable lookups per cell — which was two thirds of the rankings page's time
        (bench/README.md). The exports still go through django-tables2 (as_values)."""
        cells = [(self._cell_function(column), mark_safe(column.attrs["td"].as_html())) for column in self.columns]
        rows = []
        for counter, row in enumerate(self.paginated_rows):
            tds = "".join(f"<td {attrs}>{conditional_escape(localize(cell(row)))}</td>" for cell, attrs in cells)
            rows.append(f'<tr class="{"odd" if counter % 2 else "even"}">{tds}</tr>')
        return mark_safe("".join(rows))

    def _cell_function(self, bound_column):
        """row → the cell's content, as BoundRow.get_cell makes it: the accessor's value through the
        column's render method (its arguments looked up once, not per cell), or the column's
        default where the value is empty. No column here reads a field with choices, the one case
        get_cell treats apart (get_FOO_display)."""
        accessor, column, render = tables.A(bound_column.accessor), bound_column.column, bound_column.render
        wanted, takes_any = signature(render)
        static = {"column": column, "bound_column": bound_column, "table": self}

        def cell(row):
            value = accessor.resolve(row.record)
            if value in column.empty_values:
                return bound_column.default
            arguments = {**static, "value": value, "record": row.record, "bound_row": row}
            return render(**(arguments if takes_any else {name: arguments[name] for name in wanted}))

        return cell

    # Ordering: rows without a rank or a value go last whichever way the column is sorted.
    def order_rank(self, queryset, is_descending):
        return queryset.order_by(_nulls_last("shown_rank_value", is_descending), "unit__name", "unit__code"), True

    def order_change(self, queryset, is_descending):
        return queryset.order_by(_nulls_last("rank_change_value", is_descending), "unit__name", "unit__code"), True

    def order_value(self, queryset, is_descending):
        return queryset.order_by(_nulls_last("value", is_descending), "unit__name", "unit__code"), True

    def render_rank(self, record, value):
        size = record.shown_group_size
        if size is not None and size != self.common_group_size:
            value = f"{value}/{size}"
        if record.official_rank:
            return format_html('{} <small class="muted">({})</small>', value, gettext("published"))
        return value

    def value_rank(self, value):
        return value

    def render_change(self, record):
        return rank_change_cell(record, year=self.year)

    def value_change(self, record):
        return record.rank_change

    def value_rank_comparable(self, value):
        if value is None:
            return None
        return gettext("yes") if value else gettext("no")

    def render_unit(self, record, value):
        if record.unit_linkable:
            url = reverse("unit_scorecard", kwargs={"code": record.unit.code})
            query = urlencode({"index": self.index.code, "year": self.year})
            value = format_html('<a href="{}?{}">{}</a>', url, query, value)
        return format_html("{}{}", value, revised_badge(self.revision_marks.get(record.pk)))

    def value_unit(self, value):
        return value

    def render_parent(self, value):
        return self.group_names.get(value, "—")

    def value_parent(self, value):
        return self.group_names.get(value, "")

    def render_status(self, value):
        css = "official" if is_official(value) else "provisional"
        return format_html('<span class="{}">{}</span>', css, OfficialState(value).label)

    def value_status(self, value):
        return str(OfficialState(value).label)

    def render_value(self, value):
        return floatformat(value, 2)

    # A value computed in SQL comes back as the database makes it (SQLite: 85, PostgreSQL:
    # 85.000000): the exports give every number with the six decimals the columns hold.
    def value_target_value(self, value):
        return as_decimal(value).quantize(STORED_QUANTUM)

    def value_target_distance(self, value):
        return as_decimal(value).quantize(STORED_QUANTUM)

    def render_target(self, record):
        state = target_state(record)
        return format_html(
            '{} <span class="target-verdict {}">{}</span>',
            target_text(state, self.index),
            verdict_class(state),
            verdict_text(state),
        )

    def value_value(self, value):
        return value
