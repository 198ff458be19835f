"""Issuing, checking and revoking credentials.

A secret is returned once, at creation, and stored only as its SHA-256 digest. Checking
a credential reads one row by digest (unique index); ``last_used_at`` is written at most
once a minute per credential, so authentication does not turn every read into a write.
"""

import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone

from chatproject.accounts.models import AccessToken, ApiKey, User

if TYPE_CHECKING:
    from threads.models import Thread, Workspace

USER_TOKEN_PREFIX = "cht_"
SESSION_TOKEN_PREFIX = "chs_"
API_KEY_PREFIX = "chk_"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def _touch(model: type[AccessToken] | type[ApiKey], obj: AccessToken | ApiKey) -> None:
    now = timezone.now()
    stale = now - timedelta(seconds=settings.TOKEN_LAST_USED_RESOLUTION_S)
    if obj.last_used_at is None or obj.last_used_at < stale:
        model.objects.filter(pk=obj.pk).update(last_used_at=now)
        obj.last_used_at = now


def token_issue(
    *, user: User, thread: "Thread | None" = None, name: str = ""
) -> tuple[AccessToken, str]:
    """A user token, or with ``thread`` a session token valid in that session only."""
    kind = AccessToken.Kind.SESSION if thread is not None else AccessToken.Kind.USER
    raw = _new_secret(SESSION_TOKEN_PREFIX if thread is not None else USER_TOKEN_PREFIX)
    token = AccessToken.objects.create(
        user=user, kind=kind, thread=thread, name=name, token_hash=digest(raw), prefix=raw[:12]
    )
    return token, raw


def token_obtain(*, username: str, password: str) -> tuple[AccessToken, str] | None:
    """OAuth2 password grant: a new user token for valid credentials, else ``None``."""
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active:
        return None
    return token_issue(user=user, name="password grant")


def token_authenticate(raw: str, *, kind: str) -> AccessToken | None:
    """The live token of this kind for ``raw``, or ``None`` (unknown, revoked, inactive user)."""
    if not raw:
        return None
    token = (
        AccessToken.objects.select_related("user")
        .filter(token_hash=digest(raw), kind=kind, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is not None:
        _touch(AccessToken, token)
    return token


def token_revoke(*, token: AccessToken) -> None:
    AccessToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def user_create(
    *, username: str, password: str | None, display_name: str = "", **extra: Any
) -> User:
    with transaction.atomic():
        user = User(username=username, display_name=display_name, **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    return user


def api_key_create(
    *, workspace: "Workspace", name: str = "", created_by: User | None = None
) -> tuple[ApiKey, str]:
    raw = _new_secret(API_KEY_PREFIX)
    key = ApiKey.objects.create(
        workspace=workspace, name=name, created_by=created_by, key_hash=digest(raw), prefix=raw[:12]
    )
    return key, raw


def api_key_authenticate(raw: str) -> ApiKey | None:
    if not raw:
        return None
    key = (
        ApiKey.objects.select_related("workspace")
        .filter(key_hash=digest(raw), revoked_at__isnull=True)
        .first()
    )
    if key is not None:
        _touch(ApiKey, key)
    return key


def api_key_revoke(*, key: ApiKey) -> None:
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
