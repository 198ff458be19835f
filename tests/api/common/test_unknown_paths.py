"""A path under an API's prefix that names no endpoint is that API's 404, in its own error
format (JSON a client can read), never Django's HTML page; browser pages keep theirs."""

import pytest
from django.test import Client


@pytest.fixture
def client(db):
    return Client()


@pytest.mark.parametrize("method", ["get", "post", "options", "delete"])
@pytest.mark.parametrize(
    ("path", "content_type", "body"),
    [
        # Support API (seed 003): its flat error object.
        (
            "/api/v1/chats/",
            "application/json",
            {"code": "not_found", "message": "Not found.", "parameter": None},
        ),
        (
            "/api/v1/chats/x/y",
            "application/json",
            {"code": "not_found", "message": "Not found.", "parameter": None},
        ),
        (
            "/api/v1/tickets/",
            "application/json",
            {"code": "not_found", "message": "Not found.", "parameter": None},
        ),
        # Team API (seed 002): {"error": ...}.
        (
            "/api/v1/chat/threads/",
            "application/json",
            {"error": {"code": "not_found", "message": "Not found.", "field": None}},
        ),
        (
            "/api/v1/nothing-here",
            "application/json",
            {"error": {"code": "not_found", "message": "Not found.", "field": None}},
        ),
        # Messenger API (seed 004): FastAPI's answer to an unrouted path.
        ("/chats/", "application/json", {"detail": "Not Found"}),
        ("/chats/1/2/3", "application/json", {"detail": "Not Found"}),
        ("/uploads/", "application/json", {"detail": "Not Found"}),
        ("/token/", "application/json", {"detail": "Not Found"}),
        # Session API (seeds 000/001): a problem document.
        (
            "/v1/nothing-here",
            "application/problem+json",
            {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "Not found."},
        ),
    ],
)
def test_an_unknown_api_path_is_the_apis_own_404(client, method, path, content_type, body):
    response = getattr(client, method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == content_type
    assert response.json() == body


def test_the_documented_paths_still_reach_their_views(client):
    # Unauthenticated, each answers its own 401 rather than the catch-all's 404.
    assert client.get("/api/v1/chats").status_code == 401
    assert client.get("/api/v1/chat/threads").status_code == 401
    assert client.get("/chats").status_code == 401
    assert client.get("/v1/chats").status_code == 401


def test_browser_pages_keep_djangos_not_found_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
