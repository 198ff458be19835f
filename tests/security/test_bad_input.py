"""Issue 12, item 10 (the part outside the REST depth/offset fixes): a body over Django's
memory limit answers in the surface's JSON format, never Django's HTML error page."""

import json

import pytest
from rest_framework.test import APIClient

from chatproject.accounts.services import token_issue
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_memory_limit(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 20


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_team_json_over_the_memory_limit_is_a_413_in_team_format(custom_thread, bob):
    body = json.dumps({"thread": str(custom_thread.pk), "content": "x" * 5000})

    response = bearer(factories.user_token(bob)).post(
        "/api/v1/chat/messages", body, content_type="application/json"
    )

    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) == {"error"}


def test_session_json_over_the_memory_limit_is_a_413_problem(session_thread, bob):
    _, token = token_issue(user=bob, thread=session_thread)

    response = bearer(token).post(
        "/v1/chats", json.dumps({"message": "x" * 5000}), content_type="application/json"
    )

    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 413


def test_a_multipart_field_over_the_memory_limit_is_json_not_html(bob):
    response = bearer(factories.user_token(bob)).post(
        "/api/v1/files", {"note": "x" * 5000}, format="multipart"
    )

    assert response.status_code == 413
    assert set(response.json()) == {"error"}


def test_too_many_form_fields_is_a_400_in_the_surfaces_format(bob):
    fields = {f"f{i}": "v" for i in range(50)}

    response = bearer(factories.user_token(bob)).post("/api/v1/files", fields, format="multipart")

    assert response.status_code == 400
    assert set(response.json()) == {"error"}


def test_json_within_the_limit_still_works(custom_thread, bob):
    response = bearer(factories.user_token(bob)).post(
        "/api/v1/chat/messages",
        {"thread": str(custom_thread.pk), "content": "hello"},
        format="json",
    )

    assert response.status_code == 200, response.content
