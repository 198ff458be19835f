"""The Support API's list queries (seed 003), as django-filter ``FilterSet``s.

Every list is paged by ``pageNumber`` (from 1, default 1) and ``pageSize`` (1..100,
default 10); the total is in the ``X-Total-Count`` header. List filters take one value
or many: ``?ownerIds=a&ownerIds=b``, and also ``?ownerIds=a,b``. An empty parameter
(``?search=``) means the same as an absent one.
"""

import django_filters

from chatproject.api.common.filters import (
    DateTimeFilter,
    IntegerFilter,
    MultiChoiceFilter,
    MultiUUIDFilter,
    QueryFilterSet,
    StrictBooleanFilter,
)
from chatproject.api.common.paging import OFFSET_MAX, Page
from threads.models import Channel

PAGE_SIZE_MAX = 100
SEARCH_MAX_LENGTH = 200


class PageNumberQuery(QueryFilterSet):
    """``pageNumber`` (1.., default 1) and ``pageSize`` (1..100, default 10)."""

    pageNumber = IntegerFilter(
        min_value=1, max_value=OFFSET_MAX // PAGE_SIZE_MAX, initial=1, help_text="The page number."
    )
    pageSize = IntegerFilter(
        min_value=1, max_value=PAGE_SIZE_MAX, initial=10, help_text="The page size."
    )

    @classmethod
    def page(cls, params) -> Page:
        data = cls.parse(params)
        size = data["pageSize"]
        return Page(limit=size, offset=(data["pageNumber"] - 1) * size)


class ChatListQuery(PageNumberQuery):
    """``GET /chats`` and ``GET /chats/details`` (the same filters and paging; seed 003
    lists a subset for the details list, a superset does no harm)."""

    channelIds = MultiUUIDFilter(help_text="Channel ids: chats of any of these channels.")
    responderIds = MultiUUIDFilter(
        help_text="Responder (super identity) ids: chats answered by any of them."
    )
    responderVersionIds = MultiUUIDFilter(help_text="Responder version ids.")
    search = django_filters.CharFilter(
        max_length=SEARCH_MAX_LENGTH,
        help_text="Case-insensitive text in the chat's title, its owner's name, identifier "
        "or e-mail, or its messages.",
    )
    includeRemoved = StrictBooleanFilter(
        initial=False, help_text="Also list soft-removed chats (`true`/`false`)."
    )
    channelTypes = MultiChoiceFilter(
        choices=Channel.Type.choices,
        help_text="Channel types: chats of a channel of any of these types. Absent: every "
        "chat, those without a channel included.",
    )
    ownerIds = MultiUUIDFilter(
        help_text="Owner (super identity) ids: chats of any of these customers or users."
    )
    lastChatMessageCreatedAtStart = DateTimeFilter(
        help_text="Chats whose last message is at or after this time (ISO 8601)."
    )
    lastChatMessageCreatedAtEnd = DateTimeFilter(
        help_text="Chats whose last message is at or before this time (ISO 8601)."
    )

    @classmethod
    def filters_for_selector(cls, params) -> dict:
        """The validated filters of ``params`` in ``chats.selectors.support_chats``'s terms."""
        data = cls.parse(params)
        return {
            "channel_ids": data.get("channelIds", []),
            "channel_types": data.get("channelTypes", []),
            "owner_ids": data.get("ownerIds", []),
            "responder_ids": data.get("responderIds", []),
            "responder_version_ids": data.get("responderVersionIds", []),
            "last_message_from": data.get("lastChatMessageCreatedAtStart"),
            "last_message_to": data.get("lastChatMessageCreatedAtEnd"),
            "search": data.get("search", "").strip(),
            "include_removed": data["includeRemoved"],
        }
