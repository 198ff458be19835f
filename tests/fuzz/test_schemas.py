"""Schema fuzzing: every documented operation of each surface, fed generated input by
schemathesis, answers within its own OpenAPI document.

- Each surface's document is the one the app serves for it (``/api/schema/<surface>/``),
  the document that surface's clients are generated from.
- Each operation is called with valid credentials of the kind it declares (a user token
  for ``UserBearer`` and ``OAuth2PasswordBearer``, a session token for ``SessionBearer``, a
  workspace API key for ``WorkspaceApiKey``) through an auth provider, so schemathesis
  knows they are real and its auth checks test them.
- Every check is on (server errors, response schema conformance, status codes, content
  types, negative data rejected, positive data accepted, use after free, ignored auth).
- Seeds are fixed (``derandomize``): a CI failure replays locally with the same command.
  Examples per operation are bounded so the run takes a couple of minutes.

Decision: unknown query parameters are ignored, as most HTTP APIs do (a cache-busting
``_=`` must not break a list), so they are not generated as invalid input
(``allow_extra_parameters=False``).
"""

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.config._phases import InferenceConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance, use_after_free

from chatproject.accounts.models import AccessToken, ApiKey
from chatproject.accounts.services import (
    API_KEY_PREFIX,
    SESSION_TOKEN_PREFIX,
    USER_TOKEN_PREFIX,
    api_key_create,
    digest,
    token_issue,
)
from chatproject.actors import SYSTEM
from tests import factories
from threads import services as thread_services

pytestmark = [pytest.mark.fuzz]

APP = get_wsgi_application()


def surface_schema(surface: str):
    schema = schemathesis.openapi.from_wsgi(f"/api/schema/{surface}/", APP)
    schema.config.generation.update(allow_extra_parameters=False)
    schema.auth(refresh_interval=None)(SurfaceCredentials)
    return schema


FUZZ_SETTINGS = settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)

# Secrets by security scheme name. Fixed, because schemathesis asks for them while it
# collects the tests; the ``credentials`` fixture makes them valid in each test's database.
SECRETS = {
    "UserBearer": f"{USER_TOKEN_PREFIX}fuzz-user-token",
    "OAuth2PasswordBearer": f"{USER_TOKEN_PREFIX}fuzz-user-token",
    "SessionBearer": f"{SESSION_TOKEN_PREFIX}fuzz-session-token",
    "WorkspaceApiKey": f"{API_KEY_PREFIX}fuzz-api-key",
}
# How each scheme's secret travels: the seeds' ``Authorization: Bearer <token>``, and the
# Support seed's bare ``Authorization: <key>``.
HEADER_FORMAT = {"WorkspaceApiKey": "{}"}


def security_schemes(operation) -> list[str]:
    requirements = operation.definition.raw.get("security", [])
    return [name for requirement in requirements for name in requirement]


class SurfaceCredentials:
    """A valid secret of the kind the operation declares."""

    def get(self, case, context):
        schemes = security_schemes(context.operation)
        return schemes[0] if schemes else None

    def set(self, case, data, context):
        if data is not None:
            value = HEADER_FORMAT.get(data, "Bearer {}").format(SECRETS[data])
            case.headers = {**(case.headers or {}), "Authorization": value}


SESSION = surface_schema("session")
TEAM = surface_schema("team")
SUPPORT = surface_schema("support")
MESSENGER = surface_schema("messenger")


@pytest.fixture
def served(db):
    """Requests go through the WSGI app inside the test's transaction, as Django's test
    client does: a request must not close the test's database connection."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def credentials(served):
    workspace = factories.default_workspace()
    host = factories.UserFactory(username="fuzz-host", workspace=workspace)
    guest = factories.UserFactory(username="fuzz-guest", workspace=workspace)
    session = thread_services.session_create(workspace=workspace, host=host, title="Fuzz")
    thread_services.membership_add(actor=SYSTEM, thread=session, user=guest)
    for scheme, token in (
        ("UserBearer", token_issue(user=host)[0]),
        ("SessionBearer", token_issue(user=host, thread=session)[0]),
    ):
        secret = SECRETS[scheme]
        AccessToken.objects.filter(pk=token.pk).update(
            token_hash=digest(secret), prefix=secret[:12]
        )
    key, _ = api_key_create(workspace=workspace, name="fuzz")
    secret = SECRETS["WorkspaceApiKey"]
    ApiKey.objects.filter(pk=key.pk).update(key_hash=digest(secret), prefix=secret[:12])


# Excused, with the reason the document forces it: requests that are valid by the schema
# but name things that do not exist (an unknown ``to``, ``users``, ``channelId``,
# ``ownerId``, ``responderId``, ``chatId`` or ``image_id``; an ``after``/``before`` anchor
# that is no message of the thread; an image part that does not decode) are refused with
# 400 (422 on the Messenger API), which no schema can express, so
# "positive data accepted" is not asked of these operations. Every other check still runs
# on them, and the stateful phase sends them ids that exist.
REFERENCE_CHECKED = {
    # Team
    "POST /api/v1/chat/messages",
    "POST /api/v1/chat/threads",
    "POST /api/v1/chat/threads/{thread_id}/users",
    "POST /api/v1/files",
    "GET /api/v1/chat/threads/{thread_id}/messages",
    # Support
    "POST /api/v1/channels",
    "POST /api/v1/chats",
    "POST /api/v1/tickets",
    # Messenger
    "POST /chats/{chat_id}/messages",
    "POST /uploads",
}


# Excused from "use after free" (the stateful phase's check that a deleted thing answers
# 404), because the document says otherwise: ``DELETE /api/v1/chats/{id}`` is a soft
# remove, after which the chat "stays readable by id (`isRemoved: true`)".
SOFT_REMOVED = {
    "GET /api/v1/chats/{id}",
    "GET /api/v1/chats/{id}/details",
    "GET /api/v1/chats/{id}/messages",
    "PATCH /api/v1/chats/{id}",
    "DELETE /api/v1/chats/{id}",
}


def excused_checks(case) -> list:
    label = case.operation.label
    return [
        *([positive_data_acceptance] if label in REFERENCE_CHECKED else []),
        *([use_after_free] if label in SOFT_REMOVED else []),
    ]


def call_and_validate(case):
    case.call_and_validate(excluded_checks=excused_checks(case))


@SESSION.parametrize()
@FUZZ_SETTINGS
def test_session_api_answers_within_its_schema(case, credentials):
    case.call_and_validate()


@TEAM.parametrize()
@FUZZ_SETTINGS
def test_team_api_answers_within_its_schema(case, credentials):
    call_and_validate(case)


@SUPPORT.parametrize()
@FUZZ_SETTINGS
def test_support_api_answers_within_its_schema(case, credentials):
    call_and_validate(case)


@MESSENGER.parametrize()
@FUZZ_SETTINGS
def test_messenger_api_answers_within_its_schema(case, credentials):
    call_and_validate(case)


# --- stateful phase: the document's links, followed -----------------------------------

STATEFUL_SETTINGS = settings(
    max_examples=15,
    stateful_step_count=10,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)


def state_machine(schema):
    """Scenarios that follow the document's OpenAPI links (``chatproject.api.links``):
    create a thread, post to it, react, pin, remove, with the ids the answers gave. Only
    the declared links: schemathesis' own guesses are off, so the run tests the contract
    clients are given."""
    schema.config.phases.stateful.inference = InferenceConfig(algorithms=[])
    base = schema.as_state_machine()

    class Scenarios(base):
        def setup(self):
            # Each scenario starts from the fixture's data, so a failing one replays the
            # same way (Hypothesis reruns it to shrink and report it).
            self.savepoint = transaction.savepoint()
            cache.clear()

        def teardown(self):
            transaction.savepoint_rollback(self.savepoint)
            super().teardown()

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response,
                additional_checks=additional_checks,
                excluded_checks=excused_checks(case),
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

    return Scenarios


# Scenario roots are the operations schemathesis expects to succeed with generated input.
# ``POST /chats`` names members no Messenger operation lists, so with ``POST /uploads`` in
# the same machine it is never a root; chats and uploads run as machines of their own.
MESSENGER_CHATS = MESSENGER.include(path_regex=r"^/chats")
MESSENGER_UPLOADS = MESSENGER.include(path_regex=r"^/uploads")


@pytest.mark.parametrize(
    "schema",
    [SESSION, TEAM, SUPPORT, MESSENGER_CHATS, MESSENGER_UPLOADS],
    ids=["session", "team", "support", "messenger-chats", "messenger-uploads"],
)
def test_linked_calls_answer_within_the_schema(schema, credentials, settings):
    # The auth checks send wrong keys on every step; past the failure limit every call
    # would be a 429 (documented, and met by the runs above), and no scenario would go on.
    settings.CHAT_AUTH_FAILURES_PER_CLIENT = 10_000
    state_machine(schema).run(settings=STATEFUL_SETTINGS)
