"""One reading of ``Authorization: Bearer``, shared by REST and the websocket middleware."""

import pytest

from chatproject.api.common.bearer import bearer_token
from chatproject.realtime.auth import _token_from


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer abc", "abc"),
        ("BEARER abc", "abc"),
        ("  Bearer   abc  ", "abc"),
        ("Bearer\tabc", "abc"),
        (b"Bearer abc", "abc"),
        ("Bearer", None),
        ("Bearer   ", None),
        ("", None),
        (None, None),
        ("Basic dXNlcjpwYXNz", None),
        ("Bearerabc", None),
        ("abc", None),
        ("Token abc", None),
    ],
)
def test_bearer_token_reads_the_scheme_case_insensitively_and_nothing_else(header, token):
    assert bearer_token(header) == token


def test_a_token_with_inner_spaces_is_passed_on_whole_so_it_fails_as_a_bad_token():
    # Not silently cut to its first word: the caller gets "invalid token", not another user.
    assert bearer_token("Bearer abc def") == "abc def"


def test_non_latin1_bytes_do_not_raise():
    assert bearer_token("Bearer é".encode("latin-1")) == "é"


@pytest.mark.parametrize(
    ("header", "token"),
    [(b"Bearer abc", "abc"), (b"bearer\tabc", "abc"), (b"Bearer ", None), (b"Basic x", None)],
)
def test_the_websocket_middleware_reads_the_header_the_same_way(header, token):
    scope = {"headers": [(b"authorization", header)], "query_string": b""}

    assert _token_from(scope) == token


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["bearer {t}", "BEARER   {t} ", "Bearer\t{t}"])
def test_rest_accepts_every_spelling_the_parser_accepts(client, alice, header):
    from tests import factories

    token = factories.user_token(alice)

    response = client.get("/api/v1/users/me", HTTP_AUTHORIZATION=header.format(t=token))

    assert response.status_code == 200, response.content


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Basic abc", "Bearer not-a-token"])
def test_rest_refuses_a_missing_or_bad_bearer_with_401(client, header):
    response = client.get("/api/v1/users/me", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
