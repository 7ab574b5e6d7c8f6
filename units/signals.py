"""What the units app tells the apps above it, without importing them (they connect in their ready()).

units is below indicators: it may not call the engine, yet a unit's dates or parent decide which
group the unit is ranked in, so the engine must hear when they change."""

from django.dispatch import Signal

# Sent with unit_ids (a set of Unit pks) inside the transaction that changed those units' dates,
# name, kind or parent, so that what a receiver writes (a recompute job) commits with the change
# or not at all. indicators connects it in IndicatorsConfig.ready().
units_changed = Signal()
