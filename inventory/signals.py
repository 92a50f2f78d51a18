"""Signals the inventory sends, so apps that build on it (billing) react without the
inventory importing them."""

from django.dispatch import Signal

# Sent after a full sync of a kind completed (every page read, strikes applied), with
# `kind`, `run` and the DO `client` the sync used. Sent robustly: a receiver's failure is
# its own, never the sync's.
sync_completed = Signal()
