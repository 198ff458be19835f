"""The embedded default channel layer: Channels' in-memory layer, made to fan out.

Channels' ``InMemoryChannelLayer`` sweeps every channel and group for expired entries on
each ``receive`` and ``group_send``. With N sockets in a group, one message makes N
receives, each sweeping N entries: O(N²) per event (about a second of CPU at 1,000
subscribers). Expiry is counted in seconds (60 s messages, a day for groups), so one
sweep per second loses nothing and makes a fan-out O(N).
"""

import time

from channels.layers import InMemoryChannelLayer as ChannelsInMemoryChannelLayer

SWEEP_INTERVAL_S = 1.0


class InMemoryChannelLayer(ChannelsInMemoryChannelLayer):
    _swept_at = float("-inf")

    def _clean_expired(self):
        now = time.monotonic()
        if now - self._swept_at >= SWEEP_INTERVAL_S:
            self._swept_at = now
            super()._clean_expired()
