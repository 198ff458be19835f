"""Issuing, checking and revoking credentials.

A secret is returned once, at creation, and stored only as its SHA-256 digest. Checking
a credential reads one row by digest (unique index); ``last_used_at`` is written at most
once a minute per credential, so authentication does not turn every read into a write.
"""

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from chatproject.accounts import access, throttle
from chatproject.accounts.models import AccessToken, ApiKey, User
from chatproject.actors import SYSTEM, Actor
from chatproject.compiled import CompiledQuery
from chatproject.errors import InvalidInput, PermissionDenied, TooManyAttempts
from chatproject.text import clean_text

if TYPE_CHECKING:
    from threads.models import Thread

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


def password_sign_in(
    *, username: str, password: str, client: str, request: HttpRequest | None = None
) -> User | None:
    """Check a username and password (``POST /token``, the sign-in form).

    Guarantees: a client or username with too many recent failures is refused with
    ``TooManyAttempts`` before the (deliberately slow) password hash is computed; every
    failure is counted (``chatproject.accounts.throttle``). Returns the active user, else
    ``None``.
    """
    _refuse_if_throttled(username=username, client=client)
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        throttle.failed(throttle.PASSWORD, client=client, username=username)
        return None
    throttle.succeeded(throttle.PASSWORD, username=username)
    return user


def password_check(*, user: User, password: str, client: str) -> bool:
    """Whether ``password`` is the signed-in ``user``'s own (a password change asks for it).

    Counted and throttled with the sign-ins of that username (``TooManyAttempts``): a
    stolen session must not become a way to guess the password without limit.
    """
    username = user.get_username()
    _refuse_if_throttled(username=username, client=client)
    if not user.check_password(password):
        throttle.failed(throttle.PASSWORD, client=client, username=username)
        return False
    throttle.succeeded(throttle.PASSWORD, username=username)
    return True


def _refuse_if_throttled(*, username: str, client: str) -> None:
    """``TooManyAttempts`` if this client or username failed too often: checked before the
    (deliberately slow) password hash is computed."""
    wait = throttle.retry_after(throttle.PASSWORD, client=client, username=username)
    if wait is not None:
        raise TooManyAttempts(wait)


def token_obtain(*, username: str, password: str, client: str) -> tuple[AccessToken, str] | None:
    """OAuth2 password grant: a new user token for valid credentials, else ``None``.

    Throttled like every password sign-in (``TooManyAttempts``).
    """
    user = password_sign_in(username=username, password=password, client=client)
    if user is None:
        return None
    return token_issue(user=user, name="password grant")


_TOKEN_COLUMNS = [f.attname for f in AccessToken._meta.concrete_fields]
_USER_COLUMNS = [f.attname for f in User._meta.concrete_fields]


def _live_token_query(*, token_hash: str, kind: str) -> QuerySet[AccessToken]:
    return AccessToken.objects.filter(
        token_hash=token_hash, kind=kind, revoked_at__isnull=True, user__is_active=True
    ).values_list(*_TOKEN_COLUMNS, *(f"user__{column}" for column in _USER_COLUMNS))


# Asked on every API request: compiled once (see chatproject.compiled).
_LIVE_TOKEN = CompiledQuery(_live_token_query, token_hash=str, kind=str)


def token_authenticate(raw: str, *, kind: str) -> AccessToken | None:
    """The live token of this kind for ``raw``, or ``None`` (unknown, revoked, inactive user).

    One query: the token and its user together.
    """
    if not raw:
        return None
    rows = _LIVE_TOKEN.rows(token_hash=digest(raw), kind=kind)
    if not rows:
        return None
    row = rows[0]
    n = len(_TOKEN_COLUMNS)
    token = AccessToken.from_db(DEFAULT_DB_ALIAS, _TOKEN_COLUMNS, row[:n])
    token.user = User.from_db(DEFAULT_DB_ALIAS, _USER_COLUMNS, row[n:])
    _touch(AccessToken, token)
    return token


def token_revoke(*, token: AccessToken) -> None:
    """Void a token. Guarantees: requests with it are refused from now on, and sockets
    opened with it are closed (4401) as soon as this commits."""
    with transaction.atomic():
        revoked = AccessToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if revoked:
            access.access_revoked(user_id=token.user_id, token_ids=[token.pk])


def session_tokens_revoke(*, user: User, threads: "Iterable[Thread]") -> int:
    """Void the user's session tokens for ``threads`` (a queryset or list of sessions).

    Used when a member leaves or is removed from a session (or its workspace): an old
    session token must not let them back in. Their sockets close once this commits.
    """
    with transaction.atomic():
        live = AccessToken.objects.filter(
            user=user, kind=AccessToken.Kind.SESSION, thread__in=threads, revoked_at__isnull=True
        )
        token_ids = list(live.values_list("pk", flat=True))
        if token_ids:
            AccessToken.objects.filter(pk__in=token_ids).update(revoked_at=timezone.now())
            access.access_revoked(user_id=user.pk, token_ids=token_ids)
    return len(token_ids)


def user_credentials_changed(*, user: User, password_changed: bool, deactivated: bool) -> None:
    """React to a password change or a deactivation, however it was made (form, admin,
    shell): ``chatproject.accounts.signals`` calls this after the user row is saved.

    Guarantees: after a password change every token of the user is revoked (a stolen
    password must not leave a working token behind; Django already ends the other browser
    sessions); after either, every open socket of the user closes with 4401 on commit.
    """
    if not (password_changed or deactivated):
        return
    with transaction.atomic():
        if password_changed:
            AccessToken.objects.filter(user=user, revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )
        access.access_revoked(user_id=user.pk)


def user_set_active(*, user: User, active: bool, actor: Actor) -> User:
    """Deactivate (or reactivate) a user: how users leave, since their history stays.

    Guarantees: a deactivated user's tokens and sessions stop working at once and their
    sockets close with 4401 (``accounts.signals``); their messages stay. Trusted callers
    only (``actor=SYSTEM``: the admin, whose permission Django checked).
    """
    if actor is not SYSTEM:
        raise PermissionDenied("Only the system may change whether a user is active.")
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
    return user


def session_logged_out(*, user: User, session_key: str | None) -> None:
    """A browser session ended (logout): sockets opened with its cookie close with 4401."""
    if user is not None and session_key:
        access.access_revoked(user_id=user.pk, session_key=session_key)


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


def api_key_authenticate(raw: str, *, client: str | None = None) -> ApiKey | None:
    """The live key for ``raw``, or ``None``.

    With ``client`` (the caller's address) failures are counted, and a client with too many
    recent failures gets ``TooManyAttempts`` without a lookup (keys cannot be guessed, but
    a guessing client should still cost little).
    """
    if client is not None:
        wait = throttle.retry_after(throttle.API_KEY, client=client)
        if wait is not None:
            raise TooManyAttempts(wait)
    key = None
    if raw:
        key = (
            ApiKey.objects.select_related("workspace")
            .filter(key_hash=digest(raw), revoked_at__isnull=True)
            .first()
        )
    if key is not None:
        _touch(ApiKey, key)
    elif client is not None:
        throttle.failed(throttle.API_KEY, client=client)
    return key


def api_key_revoke(*, key: ApiKey) -> None:
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


DISPLAY_NAME_MAX_LENGTH: int = User._meta.get_field("display_name").max_length or 150


def profile_update(*, user: User, display_name: str) -> User:
    """Change how a user is shown. Names travel in event payloads only as they are written
    later (past events keep the name they had), so nothing else is rewritten."""
    display_name = clean_text(display_name, field="display_name")
    if len(display_name) > DISPLAY_NAME_MAX_LENGTH:
        raise InvalidInput(f"At most {DISPLAY_NAME_MAX_LENGTH} characters.", field="display_name")
    if display_name != user.display_name:
        user.display_name = display_name
        user.save(update_fields=["display_name"])
    return user


def password_change(*, user: User, new_password: str) -> User:
    """Set a new password (the caller has checked the old one and the validators)."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    return user
