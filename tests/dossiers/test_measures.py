"""The 766 measures have one home, dossiers/measures.py: their names, formulas and directions are
read from there, and the SQL rates are its Python rates. (That dossiers imports no app above it is
tests/reformdash/test_layering.py's to prove.)"""

import re
from decimal import Decimal as D

import pytest
from django.conf import settings
from django.utils import translation

from dossiers import measures
from dossiers.measures import COUNTS, MEASURES, DossierMeasure
from dossiers.models import DossierMonth, Scope
from dossiers.selectors import dossier_ranking, period_stats
from indicators.models import Index
from tests.dossiers.test_stats import NOW
from units.models import Unit, UnitKind

# The code of the product: every top-level package but the tests and the benchmarks (whose
# baseline is bare SQL on purpose).
SOURCES = sorted(
    path
    for path in settings.BASE_DIR.glob("*/**/*.py")
    if path.relative_to(settings.BASE_DIR).parts[0] not in {"tests", "bench", "node_modules", "var"}
    and not path.relative_to(settings.BASE_DIR).parts[0].startswith(".")
    and "migrations" not in path.parts
)

# What restates a rule or a rate: "more than one supplement request", "done after the due date",
# a sum of the overdue counts, the dossier tables' names.
RESTATED = re.compile(
    r"supplement_requests\s*(>|__gt=)\s*1|effective_completed_at\s*>|(completed_late|pending_overdue)\s*\+"
    r"|dossiers_dossier"
)


def test_the_rules_and_rates_are_written_in_dossiers_measures_only():
    found = sorted(
        str(path.relative_to(settings.BASE_DIR))
        for path in SOURCES
        if RESTATED.search(path.read_text(encoding="utf-8"))
    )
    assert found == ["dossiers/measures.py"]


def test_every_measure_is_named_once_with_its_title():
    assert list(MEASURES) == DossierMeasure.values
    assert Index._meta.get_field("dossier_measure").choices == DossierMeasure.choices
    with translation.override("en"):
        assert [str(label) for label in DossierMeasure.labels] == [measure.title for measure in MEASURES.values()]
    assert [measure for measure, rated in MEASURES.items() if rated.lower_is_better] == ["overdue_rate"]
    for rated in MEASURES.values():
        assert set(rated.numerator) | set(rated.denominator) <= set(COUNTS)


def test_each_measure_shows_the_counts_it_is_computed_from_and_no_other():
    for measure, rated in MEASURES.items():
        shown = {name for shown in rated.shown for name in measures.TOTALS.get(shown, (shown,))}
        assert set(rated.numerator) | set(rated.denominator) <= shown <= set(COUNTS), measure
        # A column of late or overdue dossiers is the overdue rate's only (a total of completed
        # dossiers, late ones among them, is not one).
        overdue = {"completed_late", "returned_late", "pending_overdue", "pending_on_time"}
        is_overdue_rate = measure == DossierMeasure.OVERDUE_RATE
        assert bool(set(rated.shown) & overdue) is rated.lists_overdue is is_overdue_rate, measure


def test_the_overdue_rate_is_the_rule_on_the_methodology_page():
    overdue = MEASURES[DossierMeasure.OVERDUE_RATE]
    # A returned or stopped dossier counts like a completed one (issue 17).
    counts = dict(
        completed_on_time=2, completed_late=0, returned_on_time=0, returned_late=1, pending_on_time=1, pending_overdue=1
    )
    assert (
        overdue.rate_of(counts)
        == measures.overdue_rate(ended_late=1, pending_overdue=1, received=4, carried_over=1)
        == D(40)
    )
    assert [title for title, _definition in measures.SHARES] == [
        rated.title for measure, rated in MEASURES.items() if measure != DossierMeasure.OVERDUE_RATE
    ]


@pytest.mark.django_db
def test_the_sql_rates_are_the_python_rates():
    unit = Unit.objects.create(code="A", name="Sở A", kind=UnitKind.DEPARTMENT)
    other = Unit.objects.create(code="B", name="Sở B", kind=UnitKind.DEPARTMENT)
    # Two months of flows; the stock of the last one only.
    DossierMonth.objects.create(
        unit=unit,
        month=202405,
        scope=Scope.OWN,
        computed_at=NOW,
        received=7,
        received_online=3,
        received_fully_online=1,
        received_with_fee=3,
        paid_online=1,
        completed_on_time=4,
        completed_late=2,
        completed_result_entered=5,
        returned_on_time=1,
        returned_late=1,
        pending_on_time=9,
        pending_overdue=9,
    )
    DossierMonth.objects.create(
        unit=unit,
        month=202406,
        scope=Scope.OWN,
        computed_at=NOW,
        received=4,
        received_online=2,
        received_fully_online=2,
        received_with_fee=0,
        paid_online=0,
        completed_on_time=1,
        completed_late=0,
        completed_result_entered=0,
        pending_on_time=3,
        pending_overdue=2,
    )
    DossierMonth.objects.create(unit=other, month=202406, scope=Scope.OWN, computed_at=NOW, pending_on_time=1)
    rows = period_stats(months=[202405, 202406])
    counts = dict(
        received=11,
        received_online=5,
        received_fully_online=3,
        received_with_fee=3,
        paid_online=1,
        completed_on_time=5,
        completed_late=2,
        completed_result_entered=5,
        returned_on_time=1,
        returned_late=1,
        pending_on_time=3,
        pending_overdue=2,
    )
    assert {name: rows[unit.pk][name] for name in COUNTS} == counts
    for measure, rated in MEASURES.items():
        assert rows[unit.pk][measure] == rated.rate_of(counts), measure
        assert rows[other.pk][measure] == rated.rate_of(rows[other.pk]), measure
    # The direction ranks: B has no overdue dossier, so it comes first on the overdue rate, last online.
    ranked = {
        measure: [
            row["code"]
            for row in dossier_ranking(months=[202405, 202406], kind=UnitKind.DEPARTMENT, measure=measure)
            if row["rank"]
        ]
        for measure in ("overdue_rate", "results_entered_rate")
    }
    assert ranked == {"overdue_rate": ["B", "A"], "results_entered_rate": ["A"]}
