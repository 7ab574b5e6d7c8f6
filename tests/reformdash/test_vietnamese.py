"""reformdash.lib.vietnamese: names in Vietnamese alphabetical order, not by code point; QuickSelect."""

import unicodedata

import pytest

from reformdash.lib.vietnamese import QuickSelect, options_html, sorted_vietnamese, vietnamese_sort_key

# Districts of Quảng Nam in the order of a Vietnamese list.
QUANG_NAM = [
    "Bắc Trà My",
    "Duy Xuyên",
    "Điện Bàn",
    "Đông Giang",
    "Hiệp Đức",
    "Hội An",
    "Nam Giang",
    "Nông Sơn",
    "Núi Thành",
    "Phú Ninh",
    "Phước Sơn",
    "Quế Sơn",
    "Tam Kỳ",
    "Tây Giang",
    "Thăng Bình",
    "Tiên Phước",
]


def test_districts_read_in_vietnamese_order_whatever_order_they_came_in():
    assert sorted_vietnamese(reversed(QUANG_NAM)) == QUANG_NAM
    assert sorted(QUANG_NAM) != QUANG_NAM  # by code point Đ comes after T


def test_dien_ban_comes_after_duy_xuyen_and_before_hiep_duc():
    assert vietnamese_sort_key("Duy Xuyên") < vietnamese_sort_key("Điện Bàn") < vietnamese_sort_key("Hiệp Đức")


def test_a_with_a_tone_is_still_an_a():
    assert sorted_vietnamese(["B", "Ái Nghĩa", "Ba"]) == ["Ái Nghĩa", "B", "Ba"]


def test_the_letters_with_marks_follow_their_plain_letter():
    assert sorted_vietnamese(["Ư", "Ơ", "Ô", "Ê", "Đ", "Â", "Ă", "U", "O", "E", "D", "A", "V", "P", "F"]) == [
        "A", "Ă", "Â", "D", "Đ", "E", "Ê", "F", "O", "Ô", "Ơ", "P", "U", "Ư", "V"
    ]  # fmt: skip


def test_tones_only_break_ties_in_dictionary_order():
    assert sorted_vietnamese(["mạ", "má", "mã", "mả", "mà", "ma", "mac"]) == ["ma", "mà", "mả", "mã", "má", "mạ", "mac"]


def test_a_space_comes_before_a_letter_and_numbers_read_as_numbers():
    assert sorted_vietnamese(["Anh Sơn", "An Hòa"]) == ["An Hòa", "Anh Sơn"]
    assert sorted_vietnamese(["Phường A", "Phường 10", "Phường 2"]) == ["Phường 2", "Phường 10", "Phường A"]


def test_case_and_composition_do_not_change_the_place():
    decomposed = unicodedata.normalize("NFD", "Điện Bàn")
    assert vietnamese_sort_key(decomposed)[:2] == vietnamese_sort_key("Điện Bàn")[:2]
    assert sorted_vietnamese(["điện bàn", "Duy Xuyên", "ĐIỆN BÀN"], key=str.lower)[0] == "Duy Xuyên"


def test_sorting_objects_by_their_name():
    units = [type("U", (), {"name": name})() for name in ("Tam Kỳ", "Điện Bàn")]
    assert [unit.name for unit in sorted_vietnamese(units, key=lambda unit: unit.name)] == ["Điện Bàn", "Tam Kỳ"]


# --- QuickSelect drawn from options written once ------------------------------------------------

CHOICES = [("", "(tất cả)"), ("B", "Huyện B"), ("Q&1", 'Quế "Sơn" <cũ>'), ("B1", "Xã B1")]


@pytest.mark.parametrize("value", ["", "B", "Q&1", "B1", None, "NOPE"])
def test_the_select_drawn_from_written_options_is_the_select_drawn_from_the_choices(value):
    # indicators.forms keeps the "Under" options' HTML and has the chosen one marked in a copy: the
    # same HTML, escaping and all, as the options written from the choices on each page.
    written = QuickSelect(choices=CHOICES)
    written.options_html = lambda: options_html(CHOICES)
    assert written.render("parent", value) == QuickSelect(choices=CHOICES).render("parent", value)


def test_the_required_check_reads_the_written_options_not_the_choices():
    def unread():
        raise AssertionError("the choices were read")

    written = QuickSelect(choices=unread)
    written.options_html = lambda: options_html(CHOICES)
    assert written.use_required_attribute(None) is True
    written.options_html = lambda: options_html(CHOICES[1:])
    assert written.use_required_attribute(None) is False
