"""A group's figures over all its ranked units — size, mean, median, best, worst and the anonymous
distribution of values — and what of them a reader who sees only part of the group may be told
(docs/design.md §4, "Group figures").

Why: rankings rows are narrowed to the units a reader may see (units.access.units_visible_to), so
a mean or a "best" computed over his rows describes his rows, not the group. The figures here are
computed over every ranked unit of the group, whoever reads them. Aggregates over units the reader
cannot see are allowed only under the suppression rule: when the reader does not read the whole
group and fewer than MIN_OTHER_UNITS units of it are not his, every figure that would reveal
another unit's value (mean, median, best, worst, distribution) is withheld. His own ranks are
always his to read.

Everything is computed in the database: one query of window functions and a GROUP BY for the
figures of any number of groups (the overview asks all of its groups at once), one more for the
distribution of one group (the rankings chart). The median is the mean of the middle one or two
values picked by ROW_NUMBER() against COUNT() — the same SQL on SQLite and PostgreSQL.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Q, Value, When, Window
from django.db.models.functions import Coalesce, RowNumber

from indicators.cache import results_key
from indicators.models import Direction, Result
from reformdash.lib.cache import cached
from reformdash.lib.fields import as_decimal

# Fewer units of the group than this that are not the reader's, and the group's figures would
# tell him too much about each of them (with 2 others, the mean and his own value give their sum,
# the best and the worst give both).
MIN_OTHER_UNITS = 3
_QUANTUM = Decimal("0.000001")


@dataclass
class GroupFigures:
    """A group's figures as one reader may read them.

    size: its ranked units (N); readable: how many of them the reader may read; whole: he reads
    them all (or every unit); suppressed: figures withheld by the rule above. mean, median, best
    and worst are None when suppressed (and without any ranked unit). distribution: the group's
    values best first, [{"value", "mine", "name", "code", "rank"}], named only where "mine";
    empty unless asked for and not suppressed; "rank" and "of" are the rank shown (the
    published one where there is one) and its group size."""

    size: int
    readable: int
    whole: bool
    suppressed: bool
    mean: Decimal | None = None
    median: Decimal | None = None
    best: Decimal | None = None
    worst: Decimal | None = None
    distribution: list = field(default_factory=list)
    # The group's last computed rank: tells whether one of his units is the worst placed. Never shown.
    last_rank: int | None = None

    @property
    def others(self):
        """The ranked units of the group that are not the reader's."""
        return self.size - self.readable

    @property
    def minimum_others(self):
        """MIN_OTHER_UNITS, for the notice that says why the figures are withheld."""
        return MIN_OTHER_UNITS

    @property
    def own_rows(self):
        """The reader's rows of the distribution, best first: the rankings page's line of his
        places (a loop over these, not over the whole group's 3,321 values in the template)."""
        return [row for row in self.distribution if row["mine"]]

    @property
    def partial(self):
        """The reader reads part of the group only."""
        return not self.whole


def ranked_results(*, index_ids, year=None, kind=None, parent=None):
    """The ranked results (a rank, hence a value and a unit valid that year) of the groups asked."""
    results = Result.objects.filter(index_id__in=index_ids, rank__isnull=False)
    if year is not None:
        results = results.filter(year=year)
    if kind:
        results = results.filter(unit__kind=kind)
    if parent is not None:
        results = results.filter(unit__parent=parent)
    return results


def _readable_flag(readable):
    """1 for a result the reader may read, else 0; `readable` is a Q on Result, Q() for all."""
    if not readable:  # Q(): every result; When() refuses an empty Q
        return Value(1, output_field=IntegerField())
    return Case(When(readable, then=Value(1)), default=Value(0), output_field=IntegerField())


def is_suppressed(*, size, readable, whole):
    """The rule: a reader of part of a group is told no figure of it when fewer than
    MIN_OTHER_UNITS of its units are not his."""
    return not whole and size - readable < MIN_OTHER_UNITS


def figures_by_group(*, results, readable, whole_reader, directions, by_parent=True):
    """{(index id, year, kind, parent id): GroupFigures} of every group of `results` (ranked_results,
    or any narrowing of Result to whole groups). `readable`: a Q on Result, what the reader may read
    (Q() for everything); whole_reader: he sees every unit (units.access.sees_all_units);
    directions: {index id: Direction}. With by_parent False, the kind as a whole is one group
    (parent id None): a ranking asked for without a parent. One query."""
    group = [F("index_id"), F("year"), F("unit__kind")] + ([F("unit__parent_id")] if by_parent else [])
    inner = (
        results.order_by()
        .annotate(
            g_index=F("index_id"),
            g_year=F("year"),
            g_kind=F("unit__kind"),
            g_parent=F("unit__parent_id") if by_parent else Value(None, output_field=IntegerField()),
            g_value=F("value"),
            g_rank=F("rank"),
            g_readable=_readable_flag(readable),
            g_position=Window(RowNumber(), partition_by=group, order_by=[F("value").asc(), F("id").asc()]),
            g_size=Window(Count("id"), partition_by=group),
        )
        .values("g_index", "g_year", "g_kind", "g_parent", "g_value", "g_rank", "g_readable", "g_position", "g_size")
    )
    inner_sql, params = inner.query.sql_with_params()
    sql = f"""
        SELECT g.g_index, g.g_year, g.g_kind, g.g_parent, MAX(g.g_size), SUM(g.g_readable),
               AVG(g.g_value), MIN(g.g_value), MAX(g.g_value),
               AVG(CASE WHEN g.g_position IN ((g.g_size + 1) / 2, (g.g_size + 2) / 2) THEN g.g_value END),
               MAX(g.g_rank)
        FROM ({inner_sql}) g
        GROUP BY g.g_index, g.g_year, g.g_kind, g.g_parent
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    figures = {}
    for index_id, year, kind, parent_id, size, readable_count, mean, lowest, highest, median, last_rank in rows:
        size, readable_count = int(size), int(readable_count or 0)
        whole = whole_reader or readable_count == size
        entry = GroupFigures(
            size=size,
            readable=readable_count,
            whole=whole,
            suppressed=is_suppressed(size=size, readable=readable_count, whole=whole),
            last_rank=last_rank,
        )
        if not entry.suppressed:
            lowest, highest = _exact(lowest), _exact(highest)
            higher_is_better = directions.get(index_id, Direction.HIGHER) == Direction.HIGHER
            entry.mean, entry.median = _exact(mean), _exact(median)
            entry.best, entry.worst = (highest, lowest) if higher_is_better else (lowest, highest)
        figures[(index_id, year, kind, parent_id)] = entry
    return figures


def group_figures(*, index, year, kind, parent=None, readable, whole_reader, distribution=False, as_of=None):
    """GroupFigures of one group (an index, a year, a kind, a parent or the kind as a whole), as
    figures_by_group reads them; with `distribution`, the values of the whole group for a chart.
    None when the group has no ranked unit. With `as_of` (the results' "as of") and a reader who
    does not see every unit, the group's own figures come from the cache all readers share
    (_whole_group_cached) and only his results are read (_figures_of_reader)."""
    results = ranked_results(index_ids=[index.pk], year=year, kind=kind, parent=parent)
    if as_of is not None and readable and not whole_reader:
        whole = _whole_group_cached(results, index=index, year=year, kind=kind, parent=parent, as_of=as_of)
        return _figures_of_reader(
            whole, results=results, readable=readable, direction=index.direction, distribution=distribution
        )
    found = figures_by_group(
        results=results,
        readable=readable,
        whole_reader=whole_reader,
        directions={index.pk: index.direction},
        by_parent=parent is not None,
    )
    figures = next(iter(found.values()), None)
    if figures is not None and distribution and not figures.suppressed:
        figures.distribution = group_distribution(results=results, readable=readable, direction=index.direction)
    return figures


# A group's own figures shared by its readers (_whole_group_cached) are kept this long beyond the
# results' "as of" in their key: what the key does not follow (a unit moved to another parent
# without a recompute) shows within it, as on the rankings page's section.
WHOLE_GROUP_SECONDS = 60


def _whole_group_cached(results, *, index, year, kind, parent, as_of):
    """(GroupFigures of the group as a reader of every unit reads them, [(result id, value)] of
    the group best first), or None when nothing of it is ranked: the group's, the same for every
    reader, so kept once per group and "as of" whoever asked first. Nothing of a reader is in it
    or in its key; what of it a reader is told is decided in _figures_of_reader."""

    def compute():
        found = figures_by_group(
            results=results,
            readable=Q(),
            whole_reader=True,
            directions={index.pk: index.direction},
            by_parent=parent is not None,
        )
        figures = next(iter(found.values()), None)
        if figures is None:
            return None
        order = F("value").desc() if index.direction == Direction.HIGHER else F("value").asc()
        return figures, list(results.order_by(order, "id").values_list("id", "value"))

    parts = (kind, parent.pk if parent is not None else "")
    key = results_key("group-figures", index_id=index.pk, year=year, as_of=as_of, parts=parts)
    return cached(key, compute, timeout=WHOLE_GROUP_SECONDS)


def _figures_of_reader(whole, *, results, readable, direction, distribution):
    """GroupFigures of one reader from the group's shared ones (_whole_group_cached): his results
    of the group read now (one query), the suppression rule applied to his count, the group's
    mean, median, best and worst only where it allows them, and the distribution (the shared
    values, named only where his) when asked for."""
    if whole is None:
        return None
    group, values = whole
    order = F("value").desc() if direction == Direction.HIGHER else F("value").asc()
    mine = {
        result_id: (name, code, rank, of)
        for result_id, name, code, rank, of in results.filter(readable)
        .order_by(order, "id")
        .values_list(
            "id",
            "unit__name",
            "unit__code",
            Coalesce("official_rank", "rank"),
            Coalesce("official_group_size", "group_size"),
        )
    }
    whole_reader = len(mine) == group.size
    figures = GroupFigures(
        size=group.size,
        readable=len(mine),
        whole=whole_reader,
        suppressed=is_suppressed(size=group.size, readable=len(mine), whole=whole_reader),
        last_rank=group.last_rank,
    )
    if figures.suppressed:
        return figures
    figures.mean, figures.median, figures.best, figures.worst = group.mean, group.median, group.best, group.worst
    if not distribution:
        return figures
    figures.distribution = [
        {"value": value, "mine": result_id in mine, "name": None, "code": None, "rank": None, "of": None}
        if result_id not in mine
        else dict(zip(("value", "mine", "name", "code", "rank", "of"), (value, True, *mine[result_id]), strict=True))
        for result_id, value in values
    ]
    return figures


def group_distribution(*, results, readable, direction):
    """The group's values best first, each marked "mine" when the reader may read it and named
    (unit name, code, rank shown) only then: the others are values without identity. One query."""

    def only_mine(expression):
        if not readable:  # Q(): he reads every result
            return expression
        return Case(When(readable, then=expression), default=Value(None))

    order = F("value").desc() if direction == Direction.HIGHER else F("value").asc()
    rows = (
        results.order_by(order, "id")
        .annotate(
            d_mine=_readable_flag(readable),
            d_name=only_mine(F("unit__name")),
            d_code=only_mine(F("unit__code")),
            d_rank=only_mine(Coalesce("official_rank", "rank")),
            d_of=only_mine(Coalesce("official_group_size", "group_size")),
        )
        .values_list("value", "d_mine", "d_name", "d_code", "d_rank", "d_of")
    )
    return [
        {"value": value, "mine": bool(is_mine), "name": name, "code": code, "rank": rank, "of": of}
        for value, is_mine, name, code, rank, of in rows
    ]


def _exact(value):
    """A figure from raw SQL as a six-decimal Decimal (AVG gives PostgreSQL more digits, SQLite a float)."""
    value = as_decimal(value)
    return None if value is None else value.quantize(_QUANTUM)
