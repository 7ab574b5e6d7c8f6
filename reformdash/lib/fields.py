from decimal import Decimal

from django.db import models

# Every score, value and threshold keeps six decimal places: published figures have two, and
# rescaled values (points ÷ applicable maximum) must rank at full precision, not as rounded.
DECIMAL_PLACES = 6
MAX_DIGITS = 15


def precise_decimal(verbose_name, **kwargs):
    """A DecimalField with the project's precision."""
    return models.DecimalField(verbose_name, max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, **kwargs)


STORED_QUANTUM = Decimal(1).scaleb(-DECIMAL_PLACES)


def as_decimal(value):
    """A number from raw SQL as the six-decimal Decimal the columns hold.

    SQLite hands back ints and binary floats (1.1800000000000002), PostgreSQL Decimals."""
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(repr(round(value, DECIMAL_PLACES))).quantize(STORED_QUANTUM)
