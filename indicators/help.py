"""Reads for the help page (/help/): what each index, band and area means, from the data itself —
the index's description, its methodology's bands with their ranges and its areas (the criteria of
depth 1), per unit kind, for one year: the one asked for, else the index's latest."""

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import get_language

from indicators.models import Band, Criterion, Index, Methodology
from units.models import UnitKind


@dataclass
class KindHelp:
    kind_label: str
    bands: list = field(default_factory=list)
    areas: list = field(default_factory=list)


@dataclass
class IndexHelp:
    index: Index
    year: int | None
    years: list
    kinds: list  # KindHelp, in the order of the unit kinds


def index_help(*, index=None, year=None):
    """[IndexHelp] of every index (or only `index`), each for `year` when it has a methodology or
    bands that year, else for its latest. Four queries, whatever the number of indices."""
    indices = [index] if index is not None else list(Index.objects.all())
    years = _years_by_index(indices)
    chosen = {i.pk: (year if year in years[i.pk] else (years[i.pk][0] if years[i.pk] else None)) for i in indices}
    pairs = [(pk, y) for pk, y in chosen.items() if y is not None]
    kinds = {}  # (index id, unit kind) -> KindHelp
    if pairs:
        which = _any_of(pairs)
        for band in Band.objects.filter(which).order_by("unit_kind", "position", "-min_value"):
            _kind(kinds, band.index_id, band.unit_kind, band.get_unit_kind_display()).bands.append(band)
        areas = Criterion.objects.filter(_any_of(pairs, prefix="methodology__"), parent__isnull=True).select_related(
            "methodology"
        )
        english = (get_language() or "vi").startswith("en")
        for area in areas.order_by("methodology__unit_kind", "position", "code"):
            area.shown_title = area.title_en if english and area.title_en else area.title
            m = area.methodology
            _kind(kinds, m.index_id, m.unit_kind, m.get_unit_kind_display()).areas.append(area)
    return [
        IndexHelp(
            index=i,
            year=chosen[i.pk],
            years=years[i.pk],
            kinds=[help for (pk, _kind_code), help in sorted(kinds.items(), key=_kind_order) if pk == i.pk],
        )
        for i in indices
    ]


def _years_by_index(indices):
    """{index id: [years with a methodology or bands, latest first]}."""
    years = {i.pk: set() for i in indices}
    ids = list(years)
    for model in (Methodology, Band):
        for row in model.objects.filter(index_id__in=ids).values_list("index_id", "year").distinct():
            years[row[0]].add(row[1])
    return {pk: sorted(found, reverse=True) for pk, found in years.items()}


def _any_of(pairs, prefix=""):
    which = Q(pk__in=[])
    for index_id, year in pairs:
        which |= Q(**{f"{prefix}index_id": index_id, f"{prefix}year": year})
    return which


def _kind(kinds, index_id, kind, label):
    return kinds.setdefault((index_id, kind), KindHelp(kind_label=label))


def _kind_order(item):
    (_index_id, kind), _help = item
    return list(UnitKind.values).index(kind) if kind in UnitKind.values else len(UnitKind.values)
