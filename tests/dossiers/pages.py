"""Data the dossier page tests share: the hand-computed example of test_stats, plus a second
district C (not head_b's) so that a ranking has a group to rank in, with its statistics computed."""

import pytest

from dossiers.models import Dossier
from dossiers.stats import dossier_stats_full
from tests.dossiers.test_stats import NOW, dossier, save, vn
from units.models import Unit, UnitKind


def district_c(tree, *, name="Huyện C"):
    """District C and its dossiers: two completed on time in May 2024, one late in June. Its
    overdue rate over the second quarter is 1 of 3: 33,33 %, ranking it before B (100 %)."""
    c = Unit.objects.create(
        code="C", name=name, kind=UnitKind.DISTRICT, parent=tree.province, valid_from=tree.province.valid_from
    )
    save(
        dossier(c, vn(2024, 5, 2, 8), vn(2024, 5, 10, 17), completed_at=vn(2024, 5, 9, 17), channel="online"),
        dossier(c, vn(2024, 5, 3, 8), vn(2024, 5, 10, 17), completed_at=vn(2024, 5, 8, 17)),
        dossier(c, vn(2024, 6, 3, 8), vn(2024, 6, 10, 17), completed_at=vn(2024, 6, 12, 17)),
    )
    return c


@pytest.fixture
def pages(example):
    """The example (A, B, B1 in May–July 2024) and district C, with their statistics computed."""
    example.district_c = district_c(example)
    # Readable ids, so a page can be searched for a dossier: unit code and reception day.
    for d in Dossier.objects.select_related("unit"):
        d.external_id = f"HS-{d.unit.code}-{d.received_month}-{d.pk}"
        d.save(update_fields=["external_id"])
    dossier_stats_full(now=NOW)
    return example
