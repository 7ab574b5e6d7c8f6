from django.db import models

# Every score, value and threshold keeps six decimal places: published figures have two, and
# rescaled values (points ÷ applicable maximum) must rank at full precision, not as rounded.
DECIMAL_PLACES = 6
MAX_DIGITS = 15


def precise_decimal(verbose_name, **kwargs):
    """A DecimalField with the project's precision."""
    return models.DecimalField(verbose_name, max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, **kwargs)
