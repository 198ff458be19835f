"""Issue 12, item 7: failed sign-ins are throttled per client and per username (429 with
``Retry-After``) before the password is checked."""

import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import hashers
from rest_framework import exceptions
from rest_framework.test import APIClient, APIRequestFactory

from chatproject.accounts import services as accounts
from chatproject.api.common.auth import ApiKeyAuthentication
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.CHAT_AUTH_FAILURES_PER_CLIENT = 6
    settings.CHAT_AUTH_FAILURES_PER_USERNAME = 3
    settings.CHAT_AUTH_THROTTLE_WINDOW_S = 300


@pytest.fixture
def hashes(monkeypatch):
    """Counts password checks: a throttled attempt must not reach the slow hash."""
    calls = []
    original = hashers.check_password

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr("django.contrib.auth.base_user.check_password", counting)
    return calls


def token(username, password, ip="10.0.0.1"):
    return APIClient(REMOTE_ADDR=ip).post("/token", {"username": username, "password": password})


def test_token_guessing_one_username_is_refused_with_429_and_retry_after(alice, hashes):
    for _ in range(3):
        assert token("alice", "wrong").status_code == 401
    checked = len(hashes)

    refused = token("alice", factories.PASSWORD)  # even the right password: the window is shut

    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 300
    assert "detail" in refused.json()
    assert len(hashes) == checked  # refused before any hash was computed


def test_the_username_limit_holds_across_clients(alice):
    for i in range(3):
        assert token("alice", "wrong", ip=f"10.0.1.{i}").status_code == 401

    assert token("alice", "wrong", ip="10.0.1.99").status_code == 429


def test_the_client_limit_holds_across_usernames(alice):
    for i in range(6):
        assert token(f"nobody{i}", "wrong").status_code == 401

    refused = token("alice", factories.PASSWORD)

    assert refused.status_code == 429
    assert token("alice", factories.PASSWORD, ip="10.0.0.2").status_code == 200


def test_a_success_clears_the_usernames_failures(alice):
    for _ in range(2):
        token("alice", "wrong")
    assert token("alice", factories.PASSWORD).status_code == 200

    for _ in range(2):
        assert token("alice", "wrong").status_code == 401


def test_the_sign_in_form_is_throttled_too(client, alice, hashes):
    for _ in range(3):
        response = client.post(
            "/accounts/login/", {"username": "alice", "password": "wrong"}, REMOTE_ADDR="10.0.2.1"
        )
        assert response.status_code == 200  # the form again, with its error
    checked = len(hashes)

    refused = client.post(
        "/accounts/login/",
        {"username": "alice", "password": factories.PASSWORD},
        REMOTE_ADDR="10.0.2.1",
    )

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert b"Too many failed attempts" in refused.content
    assert len(hashes) == checked
    assert "_auth_user_id" not in client.session


def test_the_sign_in_form_still_signs_in(client, alice):
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": factories.PASSWORD}
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)


@pytest.fixture
def staff(make_user):
    return make_user(username="staffy", is_staff=True, is_superuser=True)


def sign_in_to_admin(client, password, ip="10.0.4.1"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": "staffy", "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
    )


def test_the_admin_sign_in_is_throttled_too(client, staff, hashes):
    for _ in range(3):
        assert sign_in_to_admin(client, "wrong").status_code == 200  # the form, its error
    checked = len(hashes)

    refused = sign_in_to_admin(client, factories.PASSWORD)

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert b"Too many failed attempts" in refused.content
    assert len(hashes) == checked
    assert "_auth_user_id" not in client.session


def test_the_admin_sign_in_still_signs_staff_in_and_refuses_others(client, staff, alice):
    assert sign_in_to_admin(client, factories.PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)

    other = client.__class__()
    refused = other.post(
        "/admin/login/",
        {"username": "alice", "password": factories.PASSWORD},
        REMOTE_ADDR="10.0.4.2",
    )
    assert refused.status_code == 200  # not staff: the form again
    assert "_auth_user_id" not in other.session


@pytest.mark.parametrize(
    ("path", "form", "signed_in"),
    [
        ("/accounts/profile/", {"form": "password"}, "alice"),
        ("/admin/password_change/", {}, "staffy"),
    ],
)
def test_guessing_the_current_password_in_a_change_is_throttled(
    client, alice, staff, hashes, path, form, signed_in
):
    user = alice if signed_in == "alice" else staff
    client.force_login(user)

    def change(old):
        data = {
            **form,
            "old_password": old,
            "new_password1": "N3w-pass-phrase!",
            "new_password2": "N3w-pass-phrase!",
        }
        return client.post(path, data, REMOTE_ADDR="10.0.5.1")

    for _ in range(3):
        assert change("wrong").status_code in (200, 400)  # the form again, its error
    checked = len(hashes)

    refused = change(factories.PASSWORD)

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert b"Too many failed attempts" in refused.content
    assert len(hashes) == checked
    user.refresh_from_db()
    assert user.check_password(factories.PASSWORD)  # unchanged


def test_a_change_with_the_right_password_still_works_and_counts_as_a_success(client, alice):
    client.force_login(alice)
    data = {
        "form": "password",
        "new_password1": "N3w-pass-phrase!",
        "new_password2": "N3w-pass-phrase!",
    }
    for _ in range(2):
        client.post("/accounts/profile/", {**data, "old_password": "wrong"})

    assert (
        client.post("/accounts/profile/", {**data, "old_password": factories.PASSWORD}).status_code
        == 302
    )

    alice.refresh_from_db()
    assert alice.check_password("N3w-pass-phrase!")
    # Its failures were cleared: the owner is not locked out of signing in.
    for _ in range(2):
        assert token("alice", "wrong").status_code == 401
    assert token("alice", "N3w-pass-phrase!").status_code == 200


def test_api_key_guessing_is_throttled_per_client(workspace):
    _, good = accounts.api_key_create(workspace=workspace)
    auth = ApiKeyAuthentication()
    factory = APIRequestFactory()

    def attempt(key, ip="10.0.3.1"):
        return auth.authenticate(
            factory.get("/api/v1/chats", HTTP_AUTHORIZATION=key, REMOTE_ADDR=ip)
        )

    for _ in range(6):
        with pytest.raises(exceptions.AuthenticationFailed):
            attempt(f"chk_{uuid.uuid4().hex}")
    with pytest.raises(exceptions.Throttled) as throttled:
        attempt(good)
    assert throttled.value.wait >= 1
    assert attempt(good, ip="10.0.3.2")[0].workspace == workspace


def test_with_redis_url_the_counters_live_in_redis():
    env = dict(os.environ, REDIS_URL="redis://127.0.0.1:6379/0")
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'], settings.CACHES['default']['LOCATION'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=dict(env, DJANGO_SETTINGS_MODULE="chatproject.settings"),
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()

    assert out == ["django.core.cache.backends.redis.RedisCache", "redis://127.0.0.1:6379/0"]


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs the Redis of CI")
def test_counters_are_shared_through_redis(settings, alice):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    for _ in range(3):
        assert token("alice", "wrong").status_code == 401

    assert token("alice", "wrong").status_code == 429
