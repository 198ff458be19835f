"""``limit``/``offset`` paging queries, with bounds the database can always honour.

Pages are cut in the database (``LIMIT``/``OFFSET``), so both numbers go into SQL. An
offset past 64 bits makes SQLite answer "datatype mismatch" and PostgreSQL "out of
range" (a 500); so every offset has an upper bound and anything above it is a 400.
No list is near 2^31 rows, so an offset at the bound is simply an empty page.
"""

from dataclasses import dataclass

from chatproject.api.common.filters import IntegerFilter, QueryFilterSet

OFFSET_MAX = 2**31 - 1


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int

    def cut(self, queryset):
        """The page of ``queryset`` (a slice: the database does the cutting)."""
        return queryset[self.offset : self.offset + self.limit]


def offset_filter(**kwargs) -> IntegerFilter:
    """An offset parameter: 0 to ``OFFSET_MAX``, default 0."""
    return IntegerFilter(min_value=0, max_value=OFFSET_MAX, initial=0, **kwargs)


class PageQuery(QueryFilterSet):
    """``limit`` (1..500, default 100) and ``offset`` (0..OFFSET_MAX, default 0).

    Subclass to change the limit's bounds (redeclare ``limit``) or to add a list's other
    parameters beside the paging ones.
    """

    limit = IntegerFilter(min_value=1, max_value=500, initial=100)
    offset = offset_filter()

    @classmethod
    def page(cls, params) -> Page:
        """The page ``params`` ask for; raises a 400 (``ValidationError``) if a value is bad."""
        data = cls.parse(params)
        return Page(limit=data["limit"], offset=data["offset"])


def parse_page(params, query_class: type[PageQuery] = PageQuery) -> Page:
    """The page a query asks for; a malformed or out-of-bounds value raises a 400.

    An empty parameter (``?offset=``) means the same as an absent one.
    """
    return query_class.page(params)
