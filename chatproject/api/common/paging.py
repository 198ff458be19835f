"""``limit``/``offset`` paging queries, with bounds the database can always honour.

Pages are cut in the database (``LIMIT``/``OFFSET``), so both numbers go into SQL. An
offset past 64 bits makes SQLite answer "datatype mismatch" and PostgreSQL "out of
range" (a 500); so every offset has an upper bound and anything above it is a 400.
No list is near 2^31 rows, so an offset at the bound is simply an empty page.
"""

from dataclasses import dataclass

from rest_framework import serializers

OFFSET_MAX = 2**31 - 1


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int

    def cut(self, queryset):
        """The page of ``queryset`` (a slice: the database does the cutting)."""
        return queryset[self.offset : self.offset + self.limit]


class PageQuery(serializers.Serializer):
    """``limit`` (1..``max_limit``, default ``default_limit``) and ``offset`` (0..OFFSET_MAX).

    Subclass and set the class attributes; declared fields of a subclass are kept, so a
    list's other query parameters can sit beside the paging ones.
    """

    default_limit = 100
    max_limit = 500
    limit_param = "limit"
    offset_param = "offset"

    def get_fields(self):
        fields = super().get_fields()
        fields[self.limit_param] = serializers.IntegerField(
            min_value=1, max_value=self.max_limit, default=self.default_limit
        )
        fields[self.offset_param] = serializers.IntegerField(
            min_value=0, max_value=OFFSET_MAX, default=0
        )
        return fields

    def page(self) -> Page:
        """The validated page (call after ``is_valid``)."""
        data = self.validated_data
        return Page(limit=data[self.limit_param], offset=data[self.offset_param])


def parse_page(params, query_class: type[PageQuery] = PageQuery) -> Page:
    """The page a query asks for; a malformed or out-of-bounds value raises a 400.

    An empty parameter (``?offset=``) means the same as an absent one.
    """
    query = query_class(data={k: v for k, v in params.items() if str(v).strip()})
    query.is_valid(raise_exception=True)
    return query.page()
