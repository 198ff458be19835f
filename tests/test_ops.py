"""Running the project: database URLs, the demo data, health, and the checked-in schema."""

import difflib
import io
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from drf_spectacular.renderers import OpenApiYamlRenderer
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.validation import validate_schema

from chatproject import dburl
from chatproject.accounts.models import AccessToken, ApiKey, User
from chatproject.accounts.services import api_key_authenticate
from chats.models import Message
from pins.models import Pin
from reactions.models import Reaction
from threads.management.commands.seed_demo import DEMO_API_KEY_NAME
from threads.models import (
    Channel,
    Event,
    ExternalUser,
    Membership,
    Responder,
    ResponderVersion,
    Thread,
    Ticket,
    Workspace,
    WorkspaceMember,
)

SCHEMA_FILE = Path(settings.BASE_DIR) / "openapi" / "schema.yml"

# --- DATABASE_URL ---------------------------------------------------------------------------


def test_sqlite_relative_path_is_under_the_project():
    config = dburl.parse("sqlite:///db.sqlite3", base_dir=Path("/srv/chat"))

    assert config["ENGINE"] == "chatproject.sqlite"  # Django's, with a writer queue
    assert config["NAME"] == "/srv/chat/db.sqlite3"
    assert config["TEST"]["NAME"] == "/srv/chat/db_test.sqlite3"


def test_sqlite_absolute_path_is_kept():
    config = dburl.parse("sqlite:////var/lib/chat/chat.db", base_dir=Path("/srv/chat"))

    assert config["NAME"] == "/var/lib/chat/chat.db"
    assert config["TEST"]["NAME"] == "/var/lib/chat/chat_test.sqlite3"


def test_sqlite_runs_in_wal_mode_with_immediate_transactions():
    options = dburl.parse("sqlite:///db.sqlite3", base_dir=Path("/srv/chat"))["OPTIONS"]

    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]
    assert options["timeout"] > 0


def test_postgres_url_gives_every_connection_field():
    config = dburl.parse(
        "postgres://chat%40ops:s3cr%3At@db.example.com:6543/chat_prod"
        "?sslmode=require&connect_timeout=5",
        base_dir=Path("/srv/chat"),
    )

    assert config["ENGINE"] == "chatproject.postgresql"
    assert config["USER"] == "chat@ops"
    assert config["PASSWORD"] == "s3cr:t"
    assert config["HOST"] == "db.example.com"
    assert config["PORT"] == "6543"
    assert config["NAME"] == "chat_prod"
    assert config["OPTIONS"] == {
        "sslmode": "require",
        "connect_timeout": "5",
        "server_side_binding": True,
        "prepare_threshold": dburl.PREPARE_THRESHOLD,
    }


def test_postgres_prepared_statements_can_be_turned_off_for_a_transaction_pooler():
    config = dburl.parse(
        "postgres://chat:chat@pgbouncer/chat", base_dir=Path("."), prepared_statements=False
    )

    assert "server_side_binding" not in config["OPTIONS"]
    assert "prepare_threshold" not in config["OPTIONS"]


def test_postgresql_scheme_without_port_or_options():
    config = dburl.parse("postgresql://chat:chat@localhost/chat", base_dir=Path("."))

    assert config["ENGINE"] == "chatproject.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("localhost", "", "chat")
    assert set(config["OPTIONS"]) == {"server_side_binding", "prepare_threshold"}


def test_postgres_connections_come_from_a_pool_when_sized():
    config = dburl.parse("postgres://chat:chat@db/chat", base_dir=Path("."), pool_max_size=8)

    assert config["OPTIONS"]["pool"]["max_size"] == 8
    assert 0 < config["OPTIONS"]["pool"]["min_size"] <= 8
    assert config["CONN_MAX_AGE"] == 0  # Django refuses a pool with persistent connections
    assert config["CONN_HEALTH_CHECKS"] is True


def test_postgres_without_a_pool_keeps_persistent_connections_for_conn_max_age():
    config = dburl.parse(
        "postgres://chat:chat@db/chat", base_dir=Path("."), pool_max_size=0, conn_max_age=60
    )

    assert "pool" not in config["OPTIONS"]
    assert config["CONN_MAX_AGE"] == 60 and config["CONN_HEALTH_CHECKS"] is True


def test_the_configured_postgres_database_reuses_connections(settings):
    """Whatever DATABASE_URL says, the running settings never open one connection per request
    on PostgreSQL: by default a pool, else persistent connections."""
    config = settings.DATABASES["default"]
    if config["ENGINE"] != "chatproject.postgresql":
        assert "pool" not in config["OPTIONS"]
        return
    assert config["OPTIONS"].get("pool") or config["CONN_MAX_AGE"] != 0


@pytest.mark.parametrize("url", ["mysql://u:p@host/db", "db.sqlite3", ""])
def test_unsupported_database_url_fails_loudly(url):
    with pytest.raises(ValueError, match="not supported"):
        dburl.parse(url, base_dir=Path("."))


# --- after migrate ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_migrate_creates_the_default_workspace():
    assert Workspace.objects.filter(slug="default").exists()


@pytest.mark.django_db
def test_healthz_checks_the_database(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["database"] == {"state": "up", "vendor": connection.vendor}


# --- seed_demo --------------------------------------------------------------------------------

SEEDED_MODELS = [
    User,
    WorkspaceMember,
    Thread,
    Membership,
    Message,
    Reaction,
    Pin,
    Event,
    Channel,
    ExternalUser,
    Responder,
    ResponderVersion,
    Ticket,
    AccessToken,
]


@pytest.fixture
def fast_passwords(settings):
    # The demo sets four passwords and checks them on every run; PBKDF2 is not the subject.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed_demo(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def counts() -> dict:
    return {model.__name__: model.objects.count() for model in SEEDED_MODELS}


@pytest.mark.django_db
def test_seed_demo_twice_changes_nothing(fast_passwords):
    seed_demo()
    first = counts()

    output = seed_demo()

    assert counts() == first
    assert "already present" in output
    assert first["Thread"] == 7
    assert first["Message"] > 0 and first["Reaction"] > 0 and first["Pin"] == 1


@pytest.mark.django_db
def test_seed_demo_prints_credentials_that_sign_in(fast_passwords, client):
    output = seed_demo("--url", "http://127.0.0.1:9999")

    assert "http://127.0.0.1:9999/accounts/login/" in output
    for name in ("alice", "bob", "carol", "dave"):
        assert f"demo-{name}-pass" in output
        assert client.login(username=name, password=f"demo-{name}-pass")
    alice = User.objects.get(username="alice")
    assert alice.is_staff and alice.is_superuser


@pytest.mark.django_db
def test_seed_demo_builds_every_thread_kind_with_activity(fast_passwords):
    seed_demo()
    workspace = Workspace.objects.get(slug="default")
    by_kind = {t.kind: t for t in Thread.objects.filter(workspace=workspace)}

    assert set(by_kind) == set(Thread.Kind.values)
    members = {
        kind: set(thread.members.values_list("username", flat=True))
        for kind, thread in by_kind.items()
    }
    assert members["direct"] == {"alice", "bob"}
    assert members["group"] == {"alice", "bob", "carol"}
    assert by_kind["group"].project_ref == "apollo"
    assert members["custom"] == {"bob", "carol", "dave"}
    assert by_kind["custom"].title == "Coffee"
    session = by_kind["session"]
    assert session.title == "All hands"
    assert Membership.objects.get(thread=session, role=Membership.Role.HOST).user.username == (
        "alice"
    )
    assert members["session"] == {"alice", "bob", "carol"}
    assert Pin.objects.filter(thread=session).count() == 1
    for thread in Thread.objects.filter(workspace=workspace):
        assert thread.messages.exists(), thread.kind
        types = set(Event.objects.filter(thread=thread).values_list("type", flat=True))
        assert {"thread.created", "message.created"} <= types, thread.kind
    for kind in Thread.Kind.values:
        replies = Message.objects.filter(thread__kind=kind, reply_to__isnull=False)
        assert replies.exists(), kind
    assert set(Reaction.objects.values_list("name", flat=True)) == {
        ":thumbsup:",
        ":thumbsdown:",
        ":heart:",
    }
    assert set(Reaction.objects.filter(message__thread=session).values_list("name", flat=True)) <= {
        ":thumbsup:",
        ":thumbsdown:",
    }


@pytest.mark.django_db
def test_seed_demo_support_chats_are_answered_by_responder_and_agent(fast_passwords):
    seed_demo()
    chats = Thread.objects.filter(kind=Thread.Kind.SUPPORT)
    chat = chats.get(title="Order #1042 has not arrived")

    assert chats.count() == 3
    assert set(chats.values_list("channel__type", flat=True)) == {"widget", "whatsapp", "instagram"}
    assert chats.filter(owner__is_blocked=True).count() == 1
    assert chat.owner is not None and chat.ticket is not None
    assert chat.responder.entity == Responder.Entity.AGENT
    assert chat.responder_version.responder == chat.responder
    assert WorkspaceMember.objects.get(user__username="dave").role == WorkspaceMember.Role.AGENT
    authors = set(
        chat.messages.values_list("role", "author__username", "author_external", "author_responder")
    )
    assert authors == {
        ("user", None, chat.owner_id, None),
        ("assistant", None, None, chat.responder_id),
        ("agent", "dave", None, None),
    }


@pytest.mark.django_db
def test_seed_demo_events_were_recorded_through_the_services(fast_passwords):
    seed_demo()

    for thread in Thread.objects.all():
        types = set(Event.objects.filter(thread=thread).values_list("type", flat=True))
        assert {"thread.created", "message.created"} <= types, thread.kind
    assert Event.objects.filter(type="pin.added").count() == 1


@pytest.mark.django_db
def test_seed_demo_api_key_works_and_only_the_latest_one(fast_passwords):
    first = seed_demo().split("shown once, stored hashed):")[1].split()[0]
    assert api_key_authenticate(first).workspace.slug == "default"

    second = seed_demo().split("shown once, stored hashed):")[1].split()[0]

    assert api_key_authenticate(second) is not None
    assert api_key_authenticate(first) is None
    assert ApiKey.objects.filter(name=DEMO_API_KEY_NAME, revoked_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_seed_demo_leaves_an_existing_users_password_alone(fast_passwords, make_user):
    bob = make_user(username="bob")
    old_hash = bob.password

    seed_demo()

    bob.refresh_from_db()
    assert bob.password == old_hash


# --- OpenAPI --------------------------------------------------------------------------------


def test_checked_in_openapi_schema_is_up_to_date():
    generator = spectacular_settings.DEFAULT_GENERATOR_CLASS()
    schema = generator.get_schema(request=None, public=True)
    validate_schema(schema)
    fresh = OpenApiYamlRenderer().render(schema, renderer_context={}).decode()

    checked_in = SCHEMA_FILE.read_text()

    diff = "".join(
        difflib.unified_diff(
            checked_in.splitlines(keepends=True),
            fresh.splitlines(keepends=True),
            "openapi/schema.yml",
            "generated",
        )
    )
    assert not diff, (
        "openapi/schema.yml is stale; regenerate it with "
        "`python manage.py spectacular --file openapi/schema.yml`:\n" + diff[:5000]
    )


# The paths each surface's seed documents (parameter names as the seed spells them;
# they are compared by position only, so ``{chatId}`` matches our ``{chat_id}``).
DOCUMENTED_PATHS = {
    "Session (seeds 000/001)": [
        "/v1/chats",
        "/v1/chats/reactions",
        "/v1/chats/{chatId}",
        "/v1/chats/{chatId}/reactions",
        "/v1/chats/{chatId}/reactions/{reactionId}",
        "/v1/chats/{chatId}/pins",
        "/v1/chats/{chatId}/pins/{pinId}",
    ],
    "Team (seed 002)": [
        "/api/v1/chat/threads",
        "/api/v1/chat/threads/{threadId}/messages",
        "/api/v1/chat/messages",
    ],
    "Support (seed 003)": [
        "/api/v1/chats",
        "/api/v1/chats/details",
        "/api/v1/chats/{id}",
        "/api/v1/chats/{id}/details",
    ],
    "Messenger (seed 004)": [
        "/token",
        "/chats",
        "/chats/{chat_id}",
        "/chats/{chat_id}/messages",
    ],
}
# Surfaces being built while this was written: checked in full as soon as they serve any
# path of their own. ``/token`` does not count: it predates the Messenger surface (the
# Session and Team users log in there too). Move a surface out of here once it lands.
BEING_BUILT = {"Support (seed 003)"}
SHARED_BEFORE = {"/token"}


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


@pytest.fixture(scope="module")
def schema_paths(django_db_blocker) -> set[str]:
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return {_shape(path) for path in json.loads(response.content)["paths"]}


@pytest.mark.parametrize("surface", sorted(DOCUMENTED_PATHS))
def test_schema_endpoint_serves_every_surface(schema_paths, surface):
    documented = {_shape(path) for path in DOCUMENTED_PATHS[surface]}
    if surface in BEING_BUILT and not (documented - SHARED_BEFORE) & schema_paths:
        return  # not served at all yet: nothing of it is promised until it lands

    missing = sorted(documented - schema_paths)

    assert not missing, f"{surface}: documented paths missing from the schema: {missing}"


@pytest.mark.django_db
def test_swagger_ui_is_served(client):
    response = client.get("/docs/")

    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
