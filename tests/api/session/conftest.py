import pytest
from rest_framework.test import APIClient

from chatproject.accounts.services import token_issue
from chats import services as chat_services
from threads import services as thread_services


class SessionClient(APIClient):
    """An API client that speaks for one user in one session."""

    def __init__(self, token: str | None = None):
        super().__init__()
        if token:
            self.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def as_host(session_thread, alice):
    return SessionClient(token_issue(user=alice, thread=session_thread)[1])


@pytest.fixture
def as_guest(session_thread, bob):
    return SessionClient(token_issue(user=bob, thread=session_thread)[1])


@pytest.fixture
def other_session(workspace, carol):
    return thread_services.session_create(workspace=workspace, host=carol, title="Other")


@pytest.fixture
def as_other_host(other_session, carol):
    return SessionClient(token_issue(user=carol, thread=other_session)[1])


@pytest.fixture
def post(session_thread):
    def post(author, text):
        return chat_services.message_send(thread=session_thread, actor=author, text=text)

    return post


def assert_problem(response, status: int):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= body.keys()
    return body
