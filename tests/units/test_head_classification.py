"""A head's classification by his unit's value: thresholds configured per year (units.HeadRating),
the defaults of DEFAULT_HEAD_RATINGS when a year has none."""

from decimal import Decimal as D

import pytest
from django.contrib import admin
from django.db import IntegrityError, transaction
from django.urls import reverse

from indicators.scorecard import head_rating_for, head_ratings
from units.models import DEFAULT_HEAD_RATINGS, HeadRating


def _name(value, year=2024):
    rating = head_rating_for(value=D(value) if value is not None else None, year=year)
    return rating and rating.name


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value, name",
    [
        ("100", "Hoàn thành xuất sắc nhiệm vụ"),
        ("90", "Hoàn thành xuất sắc nhiệm vụ"),  # a threshold belongs to the rating it opens
        ("89.999999", "Hoàn thành tốt nhiệm vụ"),
        ("80", "Hoàn thành tốt nhiệm vụ"),
        ("70", "Hoàn thành nhiệm vụ"),
        ("69.99", "Không hoàn thành nhiệm vụ"),
        ("0", "Không hoàn thành nhiệm vụ"),
    ],
)
def test_a_year_without_configuration_uses_the_defaults(value, name):
    assert _name(value) == name


@pytest.mark.django_db
def test_no_value_no_classification():
    assert _name(None) is None


def test_the_defaults_are_data_from_best_to_a_floor():
    assert [threshold for _name, threshold in DEFAULT_HEAD_RATINGS] == [D(90), D(80), D(70), None]


@pytest.mark.django_db
def test_a_configured_year_uses_its_own_thresholds_and_other_years_keep_the_defaults():
    HeadRating.objects.create(year=2024, name="Xuất sắc", min_value=D("95"), position=0)
    HeadRating.objects.create(year=2024, name="Đạt", min_value=D("60"), position=1)
    HeadRating.objects.create(year=2024, name="Không đạt", min_value=None, position=2)
    assert [_name(v) for v in ("96", "95", "94.9", "60", "59")] == ["Xuất sắc", "Xuất sắc", "Đạt", "Đạt", "Không đạt"]
    assert _name("94.9", year=2023) == "Hoàn thành xuất sắc nhiệm vụ"


@pytest.mark.django_db
def test_the_thresholds_decide_not_the_positions():
    HeadRating.objects.create(year=2024, name="Thấp", min_value=None, position=0)
    HeadRating.objects.create(year=2024, name="Cao", min_value=D("80"), position=5)
    assert [r.name for r in head_ratings(year=2024)] == ["Cao", "Thấp"]
    assert _name("85") == "Cao"


@pytest.mark.django_db
def test_without_a_floor_a_value_below_every_threshold_has_no_classification():
    HeadRating.objects.create(year=2024, name="Tốt", min_value=D("80"))
    assert _name("79") is None


@pytest.mark.django_db
def test_a_year_has_one_floor_and_one_rating_per_threshold():
    HeadRating.objects.create(year=2024, name="Không hoàn thành", min_value=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        HeadRating.objects.create(year=2024, name="Yếu", min_value=None)
    HeadRating.objects.create(year=2024, name="Tốt", min_value=D("80"))
    with pytest.raises(IntegrityError), transaction.atomic():
        HeadRating.objects.create(year=2024, name="Khá", min_value=D("80"))
    HeadRating.objects.create(year=2025, name="Không hoàn thành", min_value=None)  # another year: its own floor


def test_head_ratings_are_in_the_admin():
    assert HeadRating in admin.site._registry


@pytest.mark.django_db
def test_the_admin_lists_and_adds_head_ratings(client, admin_user):
    HeadRating.objects.create(year=2024, name="Hoàn thành tốt nhiệm vụ", min_value=D("80"))
    client.force_login(admin_user)
    changelist = client.get(reverse("admin:units_headrating_changelist"))
    assert changelist.status_code == 200 and "Hoàn thành tốt nhiệm vụ" in changelist.content.decode()
    response = client.post(
        reverse("admin:units_headrating_add"),
        {"year": "2025", "name": "Hoàn thành", "min_value": "70", "position": "2"},
    )
    assert response.status_code == 302
    assert HeadRating.objects.get(year=2025).min_value == D("70")
