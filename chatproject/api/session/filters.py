"""The Session API's list queries (seed 000), as django-filter ``FilterSet``s."""

from chatproject.api.common.filters import (
    QueryFilterSet,
    StrictBooleanFilter,
    StrictChoiceFilter,
    StrictIntegerFilter,
)
from chats.selectors import MessageSort
from reactions.models import ALIASES, THUMBS_DOWN, THUMBS_UP

SORT_CHOICES = [MessageSort.CREATED_AT, MessageSort.PINNED, THUMBS_UP, THUMBS_DOWN]
# Seed 000 declares Skip and Take as int32; a larger Skip would overflow the database's OFFSET.
INT32_MAX = 2**31 - 1


class ChatListQuery(QueryFilterSet):
    """``GET /v1/chats``: ``Skip``/``Take`` paging, ``SortBy`` and ``Ascending``.

    Strict, as the seed's types are: ``Take=5.0``, ``Ascending=maybe`` and a present but
    empty ``Take=`` are malformed (the seed's defaults are for *absent* parameters).
    ``SortBy`` also takes the ``:thumbs_up:`` spellings its prose uses. Names ignore case
    (``?skip=1``), as an ASP.NET service's query binding does.
    """

    empty_is_absent = False
    names_ignore_case = True

    Skip = StrictIntegerFilter(min_value=0, max_value=INT32_MAX, initial=0)
    Take = StrictIntegerFilter(min_value=1, max_value=20, initial=20)
    SortBy = StrictChoiceFilter(
        choices=[(c, c) for c in SORT_CHOICES], aliases=ALIASES, initial=MessageSort.CREATED_AT
    )
    Ascending = StrictBooleanFilter(initial=True)
