"""Cells that are safe to open in a spreadsheet."""

# A cell starting with one of these is run as a formula by Excel and LibreOffice (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as text, with a leading apostrophe where a spreadsheet would take it for a formula.

    Numbers are left alone (a negative change of rank is a number, not a formula)."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) or hasattr(value, "as_tuple"):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
