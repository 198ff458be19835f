import pytest
from django.test import Client

from tests import factories
from threads import services as thread_services


@pytest.fixture
def signed_in(db):
    """A browser-like client signed in as ``user`` (CSRF enforced, as in a real browser)."""

    def make(user) -> Client:
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        client.get("/accounts/profile/")  # sets the CSRF cookie
        return client

    return make


def csrf(client: Client) -> dict:
    return {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value}


@pytest.fixture
def direct_thread(workspace, alice, bob):
    thread, _ = thread_services.direct_thread_get_or_create(
        workspace=workspace, user=alice, other=bob
    )
    return thread


@pytest.fixture
def outsider(db):
    return factories.UserFactory(username="outsider", workspace=factories.WorkspaceFactory())
