from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.models import Index, Result, ResultSource
from units.models import Unit, UnitKind


@pytest.fixture
def national_results(tree):
    """Both provinces published nationally: the test province and one the heads have no part in."""
    other = Unit.objects.create(code="Q", name="Tỉnh Khác", kind=UnitKind.PROVINCE, parent=tree.nation)
    par = Index.objects.create(code="par", name_vi="Chỉ số CCHC", name_en="PAR Index")
    Result.objects.create(
        unit=tree.province, index=par, year=2023, value=Decimal("84.60"), source=ResultSource.PUBLISHED,
        official_rank=56, official_group_size=63, previous_rank=57,
    )
    Result.objects.create(
        unit=other, index=par, year=2023, value=Decimal("91.25"), source=ResultSource.PUBLISHED,
        official_rank=3, official_group_size=63,
    )
    return par


def test_staff_see_every_provinces_standing_in_vietnamese_numbers(client, staff, national_results):
    client.force_login(staff)
    page = client.get(reverse("home")).content.decode()
    assert "Tỉnh Thử" in page and "Tỉnh Khác" in page
    assert "84,60 %" in page
    assert "56/63" in page
    assert "▲ 1" in page


def test_the_english_page_shows_english_numbers_and_names(client, staff, national_results):
    client.force_login(staff)
    client.post(reverse("set_language"), {"language": "en"})
    page = client.get(reverse("home")).content.decode()
    assert "84.60 %" in page
    assert "PAR Index" in page


def test_a_department_head_sees_no_provinces_standing(client, head_a, national_results):
    client.force_login(head_a)
    page = client.get(reverse("home")).content.decode()
    assert "Tỉnh Thử" not in page and "Tỉnh Khác" not in page
    assert "Sở A" in page


def test_a_district_head_counts_his_district_and_its_communes(client, head_b, national_results):
    client.force_login(head_b)
    response = client.get(reverse("home"))
    assert response.context["visible_unit_count"] == 2
    assert "Tỉnh Khác" not in response.content.decode()


def test_a_user_without_a_unit_is_told_what_to_do(client, outsider):
    client.force_login(outsider)
    page = client.get(reverse("home")).content.decode()
    assert "chưa gắn với đơn vị nào" in page


def test_years_are_written_without_a_thousands_separator(client, staff, national_results):
    client.force_login(staff)
    page = client.get(reverse("home")).content.decode()
    assert "<td>2023</td>" in page and "2.023" not in page
