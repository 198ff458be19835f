"""The Team API's list queries, as django-filter ``FilterSet``s.

An empty parameter (``?after=``) means the same as an absent one.
"""

import django_filters

from chatproject.api.common.filters import IntegerFilter, QueryFilterSet
from chatproject.api.common.paging import PageQuery

SEARCH_MAX_LENGTH = 200


class ThreadListQuery(PageQuery):
    """``GET /chat/threads``: ``limit`` (default 100, at most 500) and ``offset``."""


class PeopleQuery(PageQuery):
    """``GET /users``: ``limit`` (default 100, at most 500) and ``offset``."""


class MessageHistoryQuery(QueryFilterSet):
    """``GET /chat/threads/{id}/messages`` (seed 002): keyset anchors, search and a limit.

    ``after``/``before`` are message ids; the view resolves them in the thread (an id of
    another thread is bad input on that parameter).
    """

    after = django_filters.UUIDFilter(
        help_text="Message id: the messages sent right after this one."
    )
    before = django_filters.UUIDFilter(
        help_text="Message id: the latest messages sent before this one."
    )
    search = django_filters.CharFilter(
        max_length=SEARCH_MAX_LENGTH,
        help_text="Text searched in message content, case-insensitively.",
    )
    limit = IntegerFilter(min_value=1, max_value=100, initial=50)
