import os

import pytest
from django.conf import settings as django_settings
from django.db import connection

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
