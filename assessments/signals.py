"""What the workflow tells the apps above it, without importing them (they connect in their ready()).

notifications sits above assessments: the workflow may not call it, yet a unit waits to hear that
its self-assessment was returned, and appraisers that one was submitted."""

from django.dispatch import Signal

# Sent with no argument but the sender, inside the transaction that wrote one or more
# AssessmentSteps (a move, or a publication's moves), so that a receiver can ask for its work
# after the commit (transaction.on_commit) and never for a move that was rolled back.
# notifications connects it in NotificationsConfig.ready().
steps_recorded = Signal()
