"""The world the authorization matrix runs in, and how each caller kind presents itself.

Built once per module (``tests/reliability/test_authz_matrix.py``) through the services,
so every row is a state the product itself can reach. ``World.ids`` names the things a
row's path or body refers to (``{T}``, ``{mS_alice}``...).
"""

import hashlib
import io
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from PIL import Image

from chatproject.accounts import services as accounts
from chatproject.accounts.models import SuperIdentity
from chatproject.actors import SYSTEM
from chats import services as chat_services
from chats.models import Attachment, Message, SendKey
from pins import services as pin_services
from pins.models import Pin
from reactions import services as reaction_services
from reactions.models import Reaction
from tests import factories
from threads import services as thread_services
from threads.models import (
    Channel,
    Event,
    ExternalUser,
    Membership,
    Responder,
    ResponderVersion,
    SessionRemoval,
    Thread,
    Ticket,
    Workspace,
    WorkspaceMember,
)

# Every table a refused write could touch. Credentials (``AccessToken``, ``ApiKey``) are
# left out: authenticating a valid one records ``last_used_at``, which is not a change.
SNAPSHOT_MODELS = (
    get_user_model(),
    Workspace,
    WorkspaceMember,
    Thread,
    Membership,
    SessionRemoval,
    Message,
    Attachment,
    SendKey,
    Reaction,
    Pin,
    Event,
    Channel,
    ExternalUser,
    Responder,
    ResponderVersion,
    Ticket,
    SuperIdentity,
)


def _snapshot_queries() -> list[tuple[str, str]]:
    quote = connection.ops.quote_name
    return [
        (
            model._meta.label,
            f"SELECT * FROM {quote(model._meta.db_table)} ORDER BY {quote(model._meta.pk.column)}",
        )
        for model in SNAPSHOT_MODELS
    ]


def snapshot() -> dict[str, tuple[int, str]]:
    """Per table: the row count and a digest of every row's values.

    Plain SQL, not the ORM: the matrix takes two of these per refused write, and
    compiling seventeen querysets each time was most of the module's run time.
    """
    state = {}
    with connection.cursor() as cursor:
        for label, sql in _snapshot_queries():
            cursor.execute(sql)
            rows = cursor.fetchall()
            state[label] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return state


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "red").save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class World:
    ids: dict[str, str] = field(default_factory=dict)
    # caller kind -> raw credential, per credential family
    user_tokens: dict[str, str] = field(default_factory=dict)
    session_tokens: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    users: dict[str, object] = field(default_factory=dict)


def build() -> World:
    """Two workspaces; in W, Alice owns/hosts everything and Bob is in all of it."""
    w = World()
    ws = factories.default_workspace()
    other_ws = factories.WorkspaceFactory(slug="authz-other", name="Other")

    user = factories.UserFactory
    alice = user(username="authz-alice", display_name="Alice")
    bob = user(username="authz-bob", display_name="Bob")
    carol = user(username="authz-carol", display_name="Carol")
    dave = user(username="authz-dave", display_name="Dave", workspace__role="admin")
    frank = user(username="authz-frank", display_name="Frank")
    erin = user(username="authz-erin", display_name="Erin", workspace=other_ws)
    gina = user(username="authz-gina", display_name="Gina", is_staff=True)
    gina.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    moderator = user(username="authz-mod", display_name="Mod", is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    w.users = {
        "owner": alice,
        "member": bob,
        "nonmember": carol,
        "admin": dave,
        "outsider": erin,
        "staff": gina,
        "moderator": moderator,
    }

    # Team/Messenger threads: custom T (Alice, Bob), direct D (Alice, Bob), project G.
    custom = thread_services.custom_thread_create(
        workspace=ws, creator=alice, title="Launch", members=[bob]
    )
    direct, _ = thread_services.direct_thread_get_or_create(workspace=ws, user=alice, other=bob)
    group = thread_services.group_thread_create(
        workspace=ws, actor=dave, project_ref="authz-project", members=[alice, bob]
    )
    image = chat_services.attachment_create(
        uploaded_by=alice, file=SimpleUploadedFile("pic.png", png_bytes(), "image/png")
    )
    bob_upload = chat_services.attachment_create(
        uploaded_by=bob, file=SimpleUploadedFile("bob.png", png_bytes(), "image/png")
    )
    m_t_alice = chat_services.message_send(
        thread=custom, actor=alice, text="hello", attachment_ids=[image.pk]
    )
    m_t_bob = chat_services.message_send(thread=custom, actor=bob, text="hi")
    r_t = reaction_services.reaction_add(message=m_t_alice, actor=alice, name=":thumbsup:")
    chat_services.message_send(thread=direct, actor=alice, text="psst")
    m_t_gone = chat_services.message_send(thread=custom, actor=bob, text="oops")
    chat_services.message_remove(message=m_t_gone, actor=bob)
    # R: a removed thread answers 404 to every user action, its owner's included.
    removed = thread_services.custom_thread_create(
        workspace=ws, creator=alice, title="Old", members=[bob]
    )
    bob_old_upload = chat_services.attachment_create(
        uploaded_by=bob, file=SimpleUploadedFile("old.png", png_bytes(), "image/png")
    )
    m_r = chat_services.message_send(
        thread=removed, actor=bob, text="old", attachment_ids=[bob_old_upload.pk]
    )
    thread_services.thread_remove(thread=removed, actor=SYSTEM)

    # Sessions: S hosted by Alice with Bob; S2 hosted by Frank.
    session = thread_services.session_create(workspace=ws, host=alice, title="Town hall")
    thread_services.membership_add(actor=SYSTEM, thread=session, user=bob)
    other_session = thread_services.session_create(workspace=ws, host=frank, title="Other")
    gone_session = thread_services.session_create(workspace=ws, host=frank, title="Gone")
    w.session_tokens["session_removed"] = accounts.token_issue(user=frank, thread=gone_session)[1]
    thread_services.thread_remove(thread=gone_session, actor=SYSTEM)
    m_s_alice = chat_services.message_send(thread=session, actor=alice, text="welcome")
    m_s_bob = chat_services.message_send(thread=session, actor=bob, text="question")
    hank = user(username="authz-hank", display_name="Hank")
    thread_services.membership_add(actor=SYSTEM, thread=session, user=hank)
    thread_services.membership_add(actor=SYSTEM, thread=custom, user=hank)
    thread_services.membership_remove(thread=custom, user=hank, actor=alice)
    w.session_tokens["removed"] = accounts.token_issue(user=hank, thread=session)[1]
    thread_services.membership_remove(thread=session, user=hank, actor=alice)
    w.users["removed"] = hank
    r_s = reaction_services.reaction_add(message=m_s_alice, actor=alice, name=":thumbsup:")
    p_s = pin_services.pin_add(message=m_s_bob, actor=alice)

    # Support: one chat with its directory in each workspace.
    def support(workspace, suffix):
        channel = factories.ChannelFactory(workspace=workspace, name=f"Web {suffix}")
        customer = factories.ExternalUserFactory(workspace=workspace, name=f"Cust {suffix}")
        responder = factories.ResponderFactory(workspace=workspace, name=f"Ava {suffix}")
        version = thread_services.responder_version_create(responder=responder, actor=SYSTEM)
        chat = thread_services.support_chat_create(
            workspace=workspace, owner=customer, actor=SYSTEM, channel=channel, title="Order"
        )
        asked = chat_services.support_message_send(
            chat=chat, role="user", text="where?", actor=SYSTEM
        )
        ticket = thread_services.ticket_create(
            workspace=workspace, actor=SYSTEM, subject="Late", chat=chat
        )
        return {
            f"C{suffix}": chat.pk,
            f"ch{suffix}": channel.pk,
            f"cu{suffix}": customer.pk,
            f"cuSI{suffix}": customer.super_identity_id,
            f"rp{suffix}": responder.super_identity_id,
            f"rv{suffix}": version.pk,
            f"tk{suffix}": ticket.pk,
            f"mC{suffix}": asked.pk,
        }

    closed = thread_services.support_chat_create(
        workspace=ws, owner=factories.ExternalUserFactory(workspace=ws), actor=SYSTEM, title="Old"
    )
    thread_services.support_chat_remove(chat=closed, actor=SYSTEM)
    w.ids["CR"] = closed.pk
    w.ids.update(
        {
            **support(ws, ""),
            **support(other_ws, "X"),
            "T": custom.pk,
            "D": direct.pk,
            "G": group.pk,
            "S": session.pk,
            "S2": other_session.pk,
            "F": image.pk,
            "F_bob": bob_upload.pk,
            "F_R": bob_old_upload.pk,
            "mT_alice": m_t_alice.pk,
            "mT_bob": m_t_bob.pk,
            "mT_gone": m_t_gone.pk,
            "R": removed.pk,
            "mR": m_r.pk,
            "mS_alice": m_s_alice.pk,
            "mS_bob": m_s_bob.pk,
            "rS": r_s.pk,
            "mbT_bob": custom.memberships.get(user=bob).pk,
            "srHank": session.removals.get(user=hank).pk,
            "rT": r_t.pk,
            "aliceSI": alice.super_identity_id,
            "erinSI": erin.super_identity_id,
            "pS": p_s.pk,
            "alice": alice.pk,
            "bob": bob.pk,
            "carol": carol.pk,
            "dave": dave.pk,
            "erin": erin.pk,
        }
    )
    w.ids = {name: str(value) for name, value in w.ids.items()}

    for kind, person in w.users.items():
        w.user_tokens[kind] = accounts.token_issue(user=person)[1]
    ivy = user(username="authz-ivy", display_name="Ivy")
    w.user_tokens["deactivated"] = accounts.token_issue(user=ivy)[1]
    accounts.user_set_active(user=ivy, active=False, actor=SYSTEM)
    w.ids["ivySI"] = str(ivy.super_identity_id)
    w.users["deactivated"] = ivy
    revoked_user, w.user_tokens["revoked"] = accounts.token_issue(user=alice)
    accounts.token_revoke(token=revoked_user)

    w.session_tokens["owner"] = accounts.token_issue(user=alice, thread=session)[1]
    w.session_tokens["member"] = accounts.token_issue(user=bob, thread=session)[1]
    w.session_tokens["session_other"] = accounts.token_issue(user=frank, thread=other_session)[1]
    revoked_session, w.session_tokens["revoked"] = accounts.token_issue(user=bob, thread=session)
    accounts.token_revoke(token=revoked_session)

    w.keys["key"] = accounts.api_key_create(workspace=ws, name="authz")[1]
    w.keys["key_other"] = accounts.api_key_create(workspace=other_ws, name="authz")[1]
    revoked_key, w.keys["revoked"] = accounts.api_key_create(workspace=ws, name="revoked")
    accounts.api_key_revoke(key=revoked_key)
    return w


def authorization(world: World, surface: str, caller: str) -> str | None:
    """The ``Authorization`` header a caller kind sends on a surface (``None``: none).

    Each caller presents the credential it has; on a surface that takes another kind it is
    just a wrong credential. Session chats (``/v1/chats``) take session tokens: there the
    owner is the host's and the member the participant's session token of this session.
    """
    bearer = "Bearer {}".format
    if caller == "anon":
        return None
    if caller == "session":  # a session token of this session, where it does not belong
        return bearer(world.session_tokens["member"])
    if caller in ("session_other", "session_removed"):
        return bearer(world.session_tokens[caller])
    if caller in ("key", "key_other"):
        raw = world.keys[caller]
        return raw if surface == "support" else bearer(raw)
    if caller == "user_token":  # Alice's user token, where a session token is due
        return bearer(world.user_tokens["owner"])
    if surface == "session_chats":
        return bearer(world.session_tokens[caller])
    if surface == "support":
        if caller == "revoked":
            return world.keys["revoked"]
        raise KeyError(caller)
    return bearer(world.user_tokens[caller])
