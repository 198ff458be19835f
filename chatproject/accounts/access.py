"""Access notices: tell a user's open sockets, once a change commits, that a credential
they use was revoked or that what they may hear changed.

A socket checks its credential when it connects (and its token at every heartbeat); these
notices make logout, deactivation, a password change, a token's revocation and a role or
workspace change take effect at once instead. They go to the user's channel-layer group
(``chatproject.realtime.audience.user_group``), which every socket of the user has
joined; the socket decides whether a notice concerns it (``chatproject.realtime``).

Like events, a notice is sent after commit: a rolled-back change announces nothing. A lost
notice is healed by the heartbeat's token check and by the next connect.
"""

import logging
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from chatproject.realtime.audience import user_group

logger = logging.getLogger(__name__)

# Channel-layer message types; the socket implements a handler for each.
REVOKED = "access.revoked"
CHANGED = "access.changed"


def access_revoked(*, user_id, token_ids=(), session_key: str | None = None) -> None:
    """Close sockets of ``user_id`` that authenticated with a credential now void.

    With ``token_ids``: the sockets opened with those tokens. With ``session_key``: the
    sockets opened with that browser session (logout). With neither: every socket of the
    user (deactivation, password change).
    """
    _notify(
        user_id,
        {
            "type": REVOKED,
            "tokens": [str(t) for t in token_ids],
            "session": session_key,
            "all": not token_ids and not session_key,
        },
    )


def access_changed(*, user_id) -> None:
    """The user's rights changed (role, workspace): sockets re-read what they may hear."""
    _notify(user_id, {"type": CHANGED})


def _notify(user_id, message: dict[str, Any]) -> None:
    transaction.on_commit(partial(_send, user_group(user_id), message))


def _send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:  # the heartbeat and the next connect still check the credential
        logger.exception("could not send %s to %s", message["type"], group)
