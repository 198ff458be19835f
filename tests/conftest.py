import os
import threading

import pytest
from django.conf import settings as django_settings
from django.db import close_old_connections, connection

from chatproject.actors import SYSTEM
from tests import factories
from threads import services as thread_services
from threads.models import Workspace

# With DEBUG off the served app refuses to start on the development key
# (chatproject/production.py). Tests import it and start real servers, so they run with a
# key of their own, as production does; subprocesses inherit it from the environment.
os.environ.setdefault("SECRET_KEY", "test-only-" + "k" * 56)
django_settings.SECRET_KEY = os.environ["SECRET_KEY"]


@pytest.fixture(autouse=True)
def keep_test_connection(monkeypatch):
    """Channels closes "old" connections around each database call. In a socket scenario
    (``tests.realtime``'s helpers, used across the suite) most of those calls run on the
    test's own thread, and closing would pull its connection out from under it, so that one
    is kept. Other threads' connections are closed as in production: commands run on worker
    threads (``run_command``), and a connection kept there would hold a pooled PostgreSQL
    session past the test (the test database could then not be dropped). Channels' test
    communicators no-op the same function while they run the application, so theirs is
    replaced too."""
    test_thread = threading.get_ident()

    def close_old_connections_off_the_test_thread():
        if threading.get_ident() != test_thread:
            close_old_connections()

    monkeypatch.setattr(
        "channels.db.close_old_connections", close_old_connections_off_the_test_thread
    )
    monkeypatch.setattr(
        "channels.testing.application.no_op", close_old_connections_off_the_test_thread
    )


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded files go to a scratch directory, never into the checkout."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Every test makes several users; real password hashing would dominate the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def private_cache(settings, request):
    """Each test counts sign-in failures in a cache of its own: CI's Redis is shared by every
    worker, and one test's failed logins must not throttle another's."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": request.node.nodeid,
        }
    }


@pytest.fixture
def workspace(db) -> Workspace:
    return factories.default_workspace()


@pytest.fixture
def make_user(db):
    return factories.UserFactory


@pytest.fixture
def alice(make_user):
    return make_user(username="alice", display_name="Alice")


@pytest.fixture
def bob(make_user):
    return make_user(username="bob", display_name="Bob")


@pytest.fixture
def carol(make_user):
    return make_user(username="carol", display_name="Carol")


@pytest.fixture
def session_thread(workspace, alice, bob):
    """A live session hosted by Alice with Bob as a participant."""
    thread = thread_services.session_create(workspace=workspace, host=alice, title="Town hall")
    thread_services.membership_add(actor=SYSTEM, thread=thread, user=bob)
    return thread


@pytest.fixture
def custom_thread(workspace, alice, bob):
    return thread_services.custom_thread_create(
        workspace=workspace, creator=alice, title="Launch", members=[bob]
    )


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"
