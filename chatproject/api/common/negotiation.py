"""DRF's content negotiation, with its answers remembered.

Every API response is negotiated: DRF parses the ``Accept`` header into media types, orders
them by precedence and matches each against the view's renderers, about 4% of a cached
history read's CPU for the same ``*/*`` every time. The answer depends on nothing but the
header, the ``?format=`` override and the view's renderer classes, so it is remembered for
those (a bounded table, not for long headers); a header no renderer satisfies is refused
by DRF itself (406) every time, as before.
"""

from __future__ import annotations

import threading

from rest_framework.negotiation import DefaultContentNegotiation

# Enough for every client a deployment sees (most send one of a handful of headers); a
# flood of made-up headers only empties it now and then.
MEMO_SIZE = 512
MEMO_MAX_HEADER = 512

_memo: dict[tuple, tuple[int, str]] = {}
_memo_lock = threading.Lock()


class RememberingContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        accept = request.META.get("HTTP_ACCEPT", "*/*")
        format_ = format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
        key = (accept, format_, tuple(type(renderer) for renderer in renderers))
        known = _memo.get(key)
        if known is not None:
            index, media_type = known
            return renderers[index], media_type
        renderer, media_type = super().select_renderer(request, renderers, format_suffix)
        if len(accept) <= MEMO_MAX_HEADER and (format_ is None or len(format_) <= 32):
            with _memo_lock:
                if len(_memo) >= MEMO_SIZE:
                    _memo.clear()
                _memo[key] = (renderers.index(renderer), media_type)
        return renderer, media_type
