"""``python manage.py seed_demo``: demo users and one thread of every kind, for trying it out.

Everything goes through the services, so the demo holds only states the product itself
can reach (with their events). It is idempotent: a scene whose thread already exists is
left alone, so ``scripts/serve`` can run it on every start. The passwords are fixed and
printed: this is demo data, never to be loaded into a real installation.

Demo data is a trusted caller: every service gets ``actor=SYSTEM`` and is told whom each
change speaks for (``author=``, ``user=``, ``creator=``, ``pinned_by=``), so the rows are
the ones those users would have made, without the command pretending to be them.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from chatproject.accounts.models import ApiKey
from chatproject.accounts.services import api_key_create, api_key_revoke, user_create
from chatproject.actors import SYSTEM
from chats.models import Message
from chats.services import message_send, support_message_send
from pins.services import pin_add
from reactions.services import reaction_add
from threads import services as threads
from threads.models import Channel, Membership, Responder, Thread, Workspace, WorkspaceMember

DEMO_WORKSPACE = "default"
DEMO_API_KEY_NAME = "demo (seed_demo)"

# username, display name, workspace role, staff superuser
DEMO_USERS = [
    ("alice", "Alice Archer", WorkspaceMember.Role.ADMIN, True),
    ("bob", "Bob Baker", WorkspaceMember.Role.MEMBER, False),
    ("carol", "Carol Chen", WorkspaceMember.Role.MEMBER, False),
    ("dave", "Dave Diaz", WorkspaceMember.Role.AGENT, False),
]


def demo_password(username: str) -> str:
    return f"demo-{username}-pass"


class Command(BaseCommand):
    help = "Load demo users, threads, messages, reactions and pins (idempotent; demo only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--url",
            default="http://127.0.0.1:8000/",
            help="Where the app is served, for the printed summary.",
        )
        parser.add_argument(
            "--no-api-key",
            action="store_true",
            help="Do not issue a new Support API key.",
        )

    def handle(self, *args, url: str, no_api_key: bool, **options):
        workspace = Workspace.objects.filter(slug=DEMO_WORKSPACE).first()
        if workspace is None:
            raise CommandError(f"No workspace {DEMO_WORKSPACE!r}: run `manage.py migrate` first.")
        self.created: list[str] = []
        with transaction.atomic():
            users = self.users(workspace)
            self.direct(workspace, users)
            self.group(workspace, users)
            self.custom(workspace, users)
            self.session(workspace, users)
            self.support(workspace, users)
            raw_key = None if no_api_key else self.api_key(workspace, users["alice"])
        self.summary(url.rstrip("/") + "/", raw_key)

    # --- users -----------------------------------------------------------------------

    def users(self, workspace) -> dict:
        User = get_user_model()
        users = {}
        for username, display_name, role, staff in DEMO_USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = user_create(
                    username=username,
                    password=demo_password(username),
                    display_name=display_name,
                    email=f"{username}@example.com",
                    is_staff=staff,
                    is_superuser=staff,
                )
                self.created.append(f"user {username}")
            elif not user.check_password(demo_password(username)):
                # An existing account is never overwritten; say so, since the summary
                # below would otherwise print a password that does not work.
                self.stderr.write(
                    f"User {username!r} already exists with another password; left unchanged."
                )
            # New users joined the default workspace as members; give each their demo role.
            threads.workspace_member_add(workspace=workspace, user=user, role=role)
            threads.workspace_member_set_role(
                workspace=workspace, user=user, role=role, actor=SYSTEM
            )
            users[username] = user
        return users

    # --- one scene per thread kind ------------------------------------------------------

    def direct(self, workspace, u) -> None:
        thread, created = threads.direct_thread_get_or_create(
            workspace=workspace, user=u["alice"], other=u["bob"]
        )
        if not created and thread.messages.exists():
            return
        hello = self.say(thread, u["alice"], "Hi Bob! Do you have a minute for the Apollo plan?")
        self.say(thread, u["bob"], "Sure, call me in five.", reply_to=hello)
        reaction_add(message=hello, actor=SYSTEM, user=u["bob"], name=":thumbsup:")
        self.created.append("personal thread alice <-> bob")

    def group(self, workspace, u) -> None:
        if Thread.objects.filter(
            workspace=workspace, kind=Thread.Kind.GROUP, project_ref="apollo"
        ).exists():
            return
        thread = threads.group_thread_create(
            workspace=workspace,
            actor=SYSTEM,
            creator=u["alice"],
            project_ref="apollo",
            title="Project Apollo",
            members=[u["bob"], u["carol"]],
        )
        plan = self.say(thread, u["alice"], "Kick-off: the launch plan is in the shared folder.")
        question = self.say(thread, u["bob"], "Are we still aiming for the end of the month?")
        self.say(thread, u["alice"], "Yes, if the tests stay green.", reply_to=question)
        self.say(thread, u["carol"], "I'll take the release notes.")
        reaction_add(message=plan, actor=SYSTEM, user=u["bob"], name=":thumbsup:")
        reaction_add(message=plan, actor=SYSTEM, user=u["carol"], name=":heart:")
        reaction_add(message=question, actor=SYSTEM, user=u["carol"], name=":thumbsdown:")
        self.created.append("group thread for project apollo")

    def custom(self, workspace, u) -> None:
        if Thread.objects.filter(
            workspace=workspace, kind=Thread.Kind.CUSTOM, title="Coffee"
        ).exists():
            return
        thread = threads.custom_thread_create(
            workspace=workspace, creator=u["bob"], title="Coffee", members=[u["carol"], u["dave"]]
        )
        ask = self.say(thread, u["bob"], "Coffee at 3?")
        self.say(thread, u["carol"], "Always.", reply_to=ask)
        self.say(thread, u["dave"], "Count me in, after my support shift.")
        reaction_add(message=ask, actor=SYSTEM, user=u["carol"], name=":heart:")
        reaction_add(message=ask, actor=SYSTEM, user=u["dave"], name=":thumbsup:")
        self.created.append("custom thread Coffee")

    def session(self, workspace, u) -> None:
        if Thread.objects.filter(
            workspace=workspace, kind=Thread.Kind.SESSION, title="All hands"
        ).exists():
            return
        thread = threads.session_create(workspace=workspace, host=u["alice"], title="All hands")
        for participant in (u["bob"], u["carol"]):
            threads.membership_add(
                thread=thread, user=participant, role=Membership.Role.MEMBER, actor=SYSTEM
            )
        welcome = self.say(thread, u["alice"], "Welcome to the all hands! Questions go here.")
        question = self.say(thread, u["bob"], "Will the slides be shared afterwards?")
        self.say(thread, u["alice"], "Yes, right after the call.", reply_to=question)
        self.say(thread, u["carol"], "Great quarter, everyone!")
        # Live sessions accept thumbs up and down only (seed 000).
        reaction_add(message=welcome, actor=SYSTEM, user=u["bob"], name=":thumbsup:")
        reaction_add(message=welcome, actor=SYSTEM, user=u["carol"], name=":thumbsup:")
        reaction_add(message=question, actor=SYSTEM, user=u["carol"], name=":thumbsdown:")
        pin_add(message=welcome, actor=SYSTEM, pinned_by=u["alice"])
        self.created.append("live session All hands")

    # Support chats (seed 003): customers writing in through channels, answered by a
    # responder (``assistant``) and by Dave, a support agent, from the browser (``agent``).
    SUPPORT_CHATS = [
        # title, (channel name, type), (identifier, name, email), blocked, ticket, messages
        (
            "Order #1042 has not arrived",
            ("Website widget", Channel.Type.WIDGET),
            ("erin@example.com", "Erin Evans", "erin@example.com"),
            False,
            "Missing delivery",
            [
                ("user", "Hi, my order #1042 was due on Monday and has not arrived."),
                ("assistant", "Sorry to hear that! Let me hand you over to a colleague."),
                ("agent", "Hi Erin, I'm looking into your order now."),
                ("agent", "It left our warehouse yesterday; you'll get a tracking link by e-mail."),
            ],
        ),
        (
            "Change my delivery address",
            ("WhatsApp", Channel.Type.WHATSAPP),
            ("+15550100", "Frank Fischer", ""),
            False,
            None,
            [
                ("user", "Can I still change the delivery address of my order?"),
                ("assistant", "Yes, until it ships. What is the new address?"),
            ],
        ),
        (
            "Free stuff???",
            ("Instagram", Channel.Type.INSTAGRAM),
            ("@grace.spam", "", ""),
            True,
            None,
            [("user", "Click here for free stuff!!!")],
        ),
    ]

    def support(self, workspace, u) -> None:
        responder = threads.responder_get_or_create(
            workspace=workspace, entity=Responder.Entity.AGENT, name="Ava (AI)", actor=SYSTEM
        )
        if not responder.versions.exists():
            threads.responder_version_create(responder=responder, actor=SYSTEM)
        for title, channel, customer, blocked, subject, messages in self.SUPPORT_CHATS:
            if Thread.objects.filter(
                workspace=workspace, kind=Thread.Kind.SUPPORT, title=title
            ).exists():
                continue
            identifier, name, email = customer
            owner = threads.external_user_get_or_create(
                workspace=workspace, identifier=identifier, name=name, email=email, actor=SYSTEM
            )
            chat = threads.support_chat_create(
                workspace=workspace,
                owner=owner,
                channel=threads.channel_get_or_create(
                    workspace=workspace, name=channel[0], type=channel[1], actor=SYSTEM
                ),
                title=title,
                responder=responder,
                actor=SYSTEM,
            )
            if subject:
                threads.ticket_create(workspace=workspace, subject=subject, chat=chat, actor=SYSTEM)
            previous = None
            for role, text in messages:
                if role == Message.Role.AGENT:
                    previous = self.say(
                        chat, u["dave"], text, role=Message.Role.AGENT, reply_to=previous
                    )
                else:
                    support_message_send(chat=chat, role=role, text=text, actor=SYSTEM)
            if blocked:
                threads.external_user_set_blocked(external_user=owner, blocked=True, actor=SYSTEM)
            self.created.append(f"support chat {title!r}")

    def say(self, thread, author, text: str, reply_to: Message | None = None, **fields) -> Message:
        """Demo data is trusted: it speaks for ``author`` (``SYSTEM`` names them)."""
        reply_to_id = reply_to.pk if reply_to is not None else None
        return message_send(
            thread=thread, actor=SYSTEM, author=author, text=text, reply_to_id=reply_to_id, **fields
        )

    # --- credentials ---------------------------------------------------------------------

    def api_key(self, workspace, alice) -> str:
        """A fresh Support API key; earlier demo keys are revoked, so only the printed one works."""
        for old in ApiKey.objects.filter(
            workspace=workspace, name=DEMO_API_KEY_NAME, revoked_at__isnull=True
        ):
            api_key_revoke(key=old)
        _, raw = api_key_create(workspace=workspace, name=DEMO_API_KEY_NAME, created_by=alice)
        return raw

    def summary(self, url: str, raw_key: str | None) -> None:
        out = self.stdout.write
        if self.created:
            out("Demo data created: " + "; ".join(self.created) + ".")
        else:
            out("Demo data already present; left as it was.")
        out("")
        out(f"Sign in at {url}accounts/login/  (admin: {url}admin/, API docs: {url}docs/)")
        out("Demo users (demo passwords, for local use only):")
        for username, _, role, staff in DEMO_USERS:
            extra = "staff superuser, workspace admin" if staff else f"workspace {role}"
            out(f"  {username:<6} / {demo_password(username):<17} ({extra})")
        if raw_key:
            out("")
            out(f"Support API key for workspace {DEMO_WORKSPACE!r} (shown once, stored hashed):")
            out(f"  {raw_key}")
            out(f"  e.g. curl -H 'Authorization: {raw_key}' {url}api/v1/chats")
