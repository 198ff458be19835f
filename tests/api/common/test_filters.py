"""List queries as FilterSets: validated once, defaults given, errors keyed by parameter,
and the OpenAPI parameters derived from the same declaration."""

import uuid

import pytest
from django.http import QueryDict
from rest_framework import serializers

from chatproject.api.common.filters import _parse_remembered, query_parameters
from chatproject.api.common.paging import OFFSET_MAX, PageQuery
from chatproject.api.session.filters import ChatListQuery
from chatproject.api.support.filters import ChatListQuery as SupportChatListQuery
from chatproject.api.team.filters import MessageHistoryQuery
from tests.api.session.conftest import assert_problem
from tests.api.team.conftest import assert_error


def test_defaults_fill_absent_parameters_and_absent_ones_without_default_are_left_out():
    assert MessageHistoryQuery({}).cleaned() == {"limit": 50}
    assert PageQuery({}).cleaned() == {"limit": 100, "offset": 0}


def test_given_parameters_are_parsed_to_their_types():
    after = uuid.uuid4()

    q = MessageHistoryQuery({"after": str(after), "search": " hi ", "limit": "7"}).cleaned()

    assert q == {"after": after, "search": "hi", "limit": 7}


def test_errors_are_keyed_by_parameter_in_declaration_order():
    with pytest.raises(serializers.ValidationError) as raised:
        MessageHistoryQuery({"limit": "0", "after": "nope"}).cleaned()

    assert list(raised.value.detail) == ["after", "limit"]


def test_team_queries_read_an_empty_parameter_as_absent():
    assert MessageHistoryQuery({"after": "", "search": "  ", "limit": ""}).cleaned() == {
        "limit": 50
    }


@pytest.mark.parametrize("params", [{"Take": ""}, {"Take": "5.0"}, {"Ascending": "maybe"}])
def test_session_queries_read_a_present_parameter_strictly(params):
    with pytest.raises(serializers.ValidationError) as raised:
        ChatListQuery(params).cleaned()

    assert list(raised.value.detail) == list(params)


def test_session_sort_takes_the_seed_prose_spellings():
    assert ChatListQuery({"SortBy": ":thumbs_up:"}).cleaned()["SortBy"] == ":thumbsup:"


def test_openapi_parameters_come_from_the_filterset():
    by_name = {p.name: p for p in query_parameters(PageQuery)}

    assert by_name["offset"].type == {
        "type": "integer",
        "maximum": OFFSET_MAX,
        "minimum": 0,
        "default": 0,
    }
    assert by_name["limit"].type["default"] == 100


def test_team_history_query_error_is_the_surfaces_format(as_alice, custom_thread):
    path = f"/api/v1/chat/threads/{custom_thread.pk}/messages"

    assert_error(as_alice.get(path, {"limit": "101"}), 400, field="limit")
    assert_error(as_alice.get(path, {"search": "x" * 201}), 400, field="search")


def test_session_list_query_error_is_a_problem_naming_the_parameter(as_guest):
    body = assert_problem(as_guest.get("/v1/chats", {"SortBy": "Nope"}), 400)

    assert set(body["errors"]) == {"SortBy"}


# --- parse: the same answers, remembered per query string ---------------------------------


def _remembered():
    return _parse_remembered.cache_info().currsize


def test_parse_answers_as_cleaned_and_remembers_a_repeated_query():
    _parse_remembered.cache_clear()
    after = uuid.uuid4()
    query = f"after={after}&limit=7&search=+hi+"

    first = MessageHistoryQuery.parse(QueryDict(query))
    second = MessageHistoryQuery.parse(QueryDict(query))

    assert first == second == MessageHistoryQuery(QueryDict(query)).cleaned()
    assert first == {"after": after, "search": "hi", "limit": 7}
    assert _parse_remembered.cache_info().hits == 1


def test_a_caller_changing_its_answer_does_not_change_the_next_one():
    ids = [uuid.uuid4(), uuid.uuid4()]
    query = QueryDict(f"ownerIds={ids[0]}&ownerIds={ids[1]}")

    SupportChatListQuery.parse(query)["ownerIds"].append("garbage")

    assert SupportChatListQuery.parse(query)["ownerIds"] == ids


def test_a_bad_query_raises_every_time_and_is_not_remembered():
    before = _remembered()
    for _ in range(2):
        with pytest.raises(serializers.ValidationError) as raised:
            MessageHistoryQuery.parse(QueryDict(f"limit=0&after={uuid.uuid4()}"))
        assert list(raised.value.detail) == ["limit"]

    assert _remembered() == before


def test_a_long_query_is_parsed_but_not_remembered():
    ids = [uuid.uuid4() for _ in range(40)]  # 40 x 36 characters, over the bound
    query = QueryDict("&".join(f"ownerIds={i}" for i in ids))
    before = _remembered()

    assert SupportChatListQuery.parse(query)["ownerIds"] == ids
    assert _remembered() == before
