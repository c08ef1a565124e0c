"""What sales cycles tell the apps above them, which they do not import."""

from django.dispatch import Signal

# Sent inside the transaction that gave a stage another number, with
# ``cycle``: the stage furthest reached may now be another one. The
# opportunities app connects to it (OpportunitiesConfig.ready).
stages_renumbered = Signal()
