import pytest

from chatproject.accounts.services import token_issue
from tests import factories
from tests.api.session.conftest import SessionClient
from tests.api.team.conftest import TeamClient


@pytest.fixture
def as_guest(session_thread, bob):
    """Bob in Alice's session, on the Session API."""
    return SessionClient(token_issue(user=bob, thread=session_thread)[1])


@pytest.fixture
def as_alice(db, alice):
    """Alice on the Team API."""
    return TeamClient(factories.user_token(alice))
