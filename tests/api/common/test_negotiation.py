"""Content negotiation answers what DRF's would, from the first request to the thousandth
(``chatproject.api.common.negotiation`` remembers the answers)."""

import pytest
from django.test import Client
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from chatproject.api.common import negotiation
from chatproject.api.common.negotiation import RememberingContentNegotiation
from tests import factories

ACCEPTS = [
    None,
    "*/*",
    "application/json",
    "application/json; indent=4",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "text/html",
    "application/*",
    "image/png",
    "",
]
RENDERER_SETS = [[JSONRenderer], [JSONRenderer, BrowsableAPIRenderer], [BrowsableAPIRenderer]]


def choose(negotiator, accept, query, renderer_classes):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(APIRequestFactory().get("/x" + query, **headers))
    renderers = [cls() for cls in renderer_classes]
    try:
        renderer, media_type = negotiator.select_renderer(request, renderers)
    except NotAcceptable:
        return "406"
    return type(renderer), media_type


def test_every_answer_is_drfs_own_however_often_asked():
    negotiation._memo.clear()
    drf = DefaultContentNegotiation()
    ours = RememberingContentNegotiation()
    asked = [
        (accept, query, renderer_classes)
        for renderer_classes in RENDERER_SETS
        for query in ["", "?format=json", "?format=api", "?format=xml"]
        for accept in ACCEPTS
    ]
    for _ in range(3):  # one table for all: an answer never leaks to another question
        for accept, query, renderer_classes in asked:
            try:
                expected = choose(drf, accept, query, renderer_classes)
            except Exception as error:  # a format no renderer has: DRF's 404
                with pytest.raises(type(error)):
                    choose(ours, accept, query, renderer_classes)
                continue
            assert choose(ours, accept, query, renderer_classes) == expected, accept


def test_the_table_stays_bounded(monkeypatch):
    monkeypatch.setattr(negotiation, "MEMO_SIZE", 8)
    negotiation._memo.clear()
    ours = RememberingContentNegotiation()
    for k in range(50):
        choose(ours, f"application/json; v={k}", "", [JSONRenderer])
    assert 0 < len(negotiation._memo) <= 8
    choose(ours, "application/json; " + "x" * 600, "", [JSONRenderer])
    assert all(len(key[0]) <= negotiation.MEMO_MAX_HEADER for key in negotiation._memo)


@pytest.mark.django_db
def test_an_api_refuses_what_it_cannot_render_every_time(alice):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {factories.user_token(alice)}")
    for _ in range(3):
        assert client.get("/api/v1/users/me", HTTP_ACCEPT="application/json").status_code == 200
        assert client.get("/api/v1/users/me", HTTP_ACCEPT="text/html").status_code == 406
