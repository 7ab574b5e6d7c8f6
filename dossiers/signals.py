"""What the dossiers app tells the apps above it.

dossiers sits below indicators (README, "What is where"; docs/development.md, "Layering"): it must not import indicators, yet the
indices computed from dossier statistics go stale when the statistics change. So dossiers sends a
signal and indicators, which knows those indices, connects to it in its AppConfig.ready().
"""

from django.dispatch import Signal

# Sent by the statistics jobs (dossiers.stats) with `years`, the set of years some of whose
# DossierMonth rows changed; sender DossierMonth. Sent inside the job's transaction, so that what
# a receiver writes there (indicators: one recompute job per dossier index and year) commits with
# the statistics it follows, or not at all.
dossier_months_changed = Signal()
