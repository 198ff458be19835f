"""The embedded default channel layer: Channels' in-memory layer, made to fan out.

Channels' ``InMemoryChannelLayer`` sweeps every channel and group for expired entries on
each ``receive`` and ``group_send``. With N sockets in a group, one message makes N
receives, each sweeping N entries: O(N²) per event (about a second of CPU at 1,000
subscribers). Expiry is counted in seconds (60 s messages, a day for groups), so one
sweep per second loses nothing and makes a fan-out O(N).

It also deep-copies every message for every channel, to mimic a layer that serializes;
at 1,000 subscribers that was a quarter of an event's fan-out CPU. Messages here are
JSON-plain dicts the consumers only read, so each channel gets a shallow copy.

And its ``send`` and ``receive`` build a new ``asyncio.Queue`` on every call, to throw it
away unless the channel has none (``dict.setdefault`` evaluates its default): two or
three queues built per delivery where at most one is used.
"""

import asyncio
import contextlib
import time

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer as ChannelsInMemoryChannelLayer

SWEEP_INTERVAL_S = 1.0


class InMemoryChannelLayer(ChannelsInMemoryChannelLayer):
    _swept_at = float("-inf")

    def _clean_expired(self):
        now = time.monotonic()
        if now - self._swept_at >= SWEEP_INTERVAL_S:
            self._swept_at = now
            super()._clean_expired()

    async def send(self, channel, message):
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        try:
            self._queue(channel).put_nowait((time.time() + self.expiry, dict(message)))
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None

    async def receive(self, channel):
        self.require_valid_channel_name(channel)
        self._clean_expired()
        queue = self._queue(channel)
        try:
            _, message = await queue.get()
        finally:
            if queue.empty():
                self.channels.pop(channel, None)  # as Channels': no queue kept for idle channels
        return message

    def _queue(self, channel) -> asyncio.Queue:
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        return queue

    async def group_send(self, group, message):
        """Channels' ``group_send`` makes a task per channel to await a ``send`` that never
        waits; a plain loop does the same work without 1,000 tasks per event."""
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        for channel in list(self.groups.get(group, ())):
            with contextlib.suppress(ChannelFull):
                await self.send(channel, message)
