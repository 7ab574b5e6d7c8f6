"""Vietnamese alphabetical order, for lists of names shown to people.

Sorting by code point puts Đ after every Latin letter (after T, Ư and Z) and Á after B; readers
expect the dictionary order: the letters a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y
(f, j, w, z of foreign words where the Latin alphabet has them), then, only between names that
spell the same letters, the tones in the dictionaries' order: none, huyền, hỏi, ngã, sắc, nặng.
The database keeps ordering by code (its collation is not ours to choose on SQLite); a list
of names a person reads is sorted in Python with `vietnamese_sort_key`.
"""

import functools
import unicodedata

from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

# Base letters in order; a letter with its vowel mark (breve, circumflex, horn) is a letter of
# its own, right after the plain one. f, j, w, z are placed as in the Latin alphabet.
ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_RANK = {letter: rank for rank, letter in enumerate(ALPHABET)}
# Combining marks that make a letter of its own (ă â ê ô ơ ư), by what NFD splits them into.
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}
# Tone marks, in dictionary order after "no tone" (0): huyền, hỏi, ngã, sắc, nặng.
_TONE_RANK = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
# Classes of characters, so that a space or punctuation comes before digits, digits before letters
# ("An Hòa" before "Anh", "Phường 10" before "Phường A") and anything else after them.
_SEPARATOR, _DIGIT, _LETTER, _OTHER = range(4)


def _letters(text):
    """[(base letter with its letter marks, tone rank)] of `text`, lower-cased."""
    letters = []
    for char in unicodedata.normalize("NFD", text.lower()):
        if char in _TONE_RANK and letters:
            letters[-1][1] = _TONE_RANK[char]
        elif char in _LETTER_MARKS and letters:
            letters[-1][0] = unicodedata.normalize("NFC", letters[-1][0] + char)
        elif unicodedata.combining(char) and letters:
            continue  # another accent (a foreign name's): ordered as its base letter
        else:
            letters.append([char, 0])
    return letters


def _char_ranks(letters):
    """The primary key: each letter's place, a run of digits as its number ("Phường 2" before
    "Phường 10")."""
    ranks = []
    for char, _tone in letters:
        if char.isdecimal():
            if ranks and ranks[-1][0] == _DIGIT:
                ranks[-1] = (_DIGIT, ranks[-1][1] * 10 + int(char))
            else:
                ranks.append((_DIGIT, int(char)))
        elif char in _LETTER_RANK:
            ranks.append((_LETTER, _LETTER_RANK[char]))
        elif char.isspace() or unicodedata.category(char).startswith("P"):
            ranks.append((_SEPARATOR, ord(char)))
        else:
            ranks.append((_OTHER, ord(char)))
    return tuple(ranks)


def vietnamese_sort_key(text):
    """A key that sorts `text` in Vietnamese alphabetical order: letters first (case and tones
    aside), then tones, then case, so that the order is total and the same every time.

    >>> sorted(["Hiệp Đức", "Điện Bàn", "Duy Xuyên", "Bắc Trà My", "Ái Nghĩa"], key=vietnamese_sort_key)
    ['Ái Nghĩa', 'Bắc Trà My', 'Duy Xuyên', 'Điện Bàn', 'Hiệp Đức']
    """
    return _sort_key(str(text))


# Unit names come back on every page that lists them (a national staff reader's 726 parents on
# each rankings page: 17 ms of keys); a name's key never changes. Bounded: 3,321 communes, the
# old units and the departments are well within it.
@functools.lru_cache(maxsize=32768)
def _sort_key(text):
    letters = _letters(text)
    return (
        _char_ranks(letters),
        tuple(tone for _letter, tone in letters),
        text,
    )


def sorted_vietnamese(items, *, key=str):
    """`items` sorted by `key(item)` (a name) in Vietnamese alphabetical order."""
    return sorted(items, key=lambda item: vietnamese_sort_key(key(item)))


class _VietnameseChoiceIterator(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        field = self.field
        # A drop-down's few hundred units at most: sorted here, the queryset read once as it was.
        objects = sorted(
            self.queryset, key=lambda obj: (field.sort_first(obj), vietnamese_sort_key(field.label_from_instance(obj)))
        )
        for obj in objects:
            yield self.choice(obj)


class QuickSelect(forms.Select):
    """Django's Select, its options written here rather than each through a template: a national
    staff reader's "Under" list has 726 parents (the districts of the old communes and the provinces
    of the new, both ranked in 2025), which the template renderer took 80 ms of a 260 ms rankings
    page to write (bench, issue 22). The same HTML as the template's for a select without option
    groups or per-option attributes, which is all this project's drop-downs are."""

    # A function of nothing giving options_html(self.choices), set by a form whose options are the
    # same for many readers and kept written (indicators.forms: a national reader's 725 parents,
    # ~10 ms of escaping on every rankings page); the chosen option is marked in a copy of it.
    options_html = None

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(one) for one in self.format_value(value)}
        if self.options_html is not None:
            options = self.options_html()
            for one in chosen:
                plain = format_html('<option value="{}">', one)
                options = options.replace(plain, f"{plain[:-1]} selected>", 1)
            options = mark_safe(options)
        else:
            options = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((choice, " selected" if str(choice) in chosen else "", label) for choice, label in self.choices),
            )
        # flatatt writes True as the bare attribute (required) and leaves out False and None, as
        # Django's attrs.html does.
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(self.build_attrs(self.attrs, attrs)), options
        )

    def use_required_attribute(self, initial):
        # Select's asks whether the first choice is empty by reading the choices, which written
        # options would read (and unpickle) for nothing: the same answer from the written HTML.
        if self.options_html is None:
            return super().use_required_attribute(initial)
        return forms.Widget.use_required_attribute(self, initial) and self.options_html().startswith(
            '<option value="">'
        )


def options_html(choices):
    """The <option>s of `choices` [(value, label)], none of them selected, as QuickSelect writes them."""
    return str(format_html_join("", '<option value="{}">{}</option>', choices))


class VietnameseModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose options read in Vietnamese alphabetical order of their labels,
    after `sort_first(obj)` when given (a level, say), whatever the queryset's order."""

    iterator = _VietnameseChoiceIterator
    widget = QuickSelect

    def __init__(self, *args, sort_first=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sort_first = sort_first or (lambda obj: 0)
