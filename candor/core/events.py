"""Signals the domain sends after a commit, for surfaces that keep derived state."""

from django.dispatch import Signal

# Sent once per committed public change, with page_id and version.
page_changed = Signal()
# Sent after a commit that created deliveries, so a sleeping worker can start at once.
deliveries_created = Signal()
