"""Factories for test data. Domain objects with events are made through the services,
so tests start from states the product itself can reach."""

import factory
from django.contrib.auth import get_user_model

from chatproject.accounts import services as accounts
from threads.models import (
    Channel,
    ExternalUser,
    Responder,
    ResponderVersion,
    Ticket,
    Workspace,
    WorkspaceMember,
)

PASSWORD = "correct horse battery staple"


def default_workspace() -> Workspace:
    """The workspace migrations create; transactional tests flush it, so make it again."""
    return Workspace.objects.get_or_create(slug="default", defaults={"name": "Default"})[0]


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"Workspace {n}")
    slug = factory.Sequence(lambda n: f"workspace-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    """A user who belongs to ``workspace`` only (the default workspace unless given).

    Every new user joins the default workspace on creation (``CHAT_DEFAULT_WORKSPACE``);
    a user made for another workspace is taken out of it again, so tests can have
    outsiders who share nothing with the default workspace's people.
    """

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"User {n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def workspace(self, create, extracted, **kwargs):
        if not create:
            return
        self.save()
        workspace = extracted or default_workspace()
        role = kwargs.get("role", WorkspaceMember.Role.MEMBER)
        WorkspaceMember.objects.filter(user=self).exclude(workspace=workspace).delete()
        member, _ = WorkspaceMember.objects.get_or_create(
            workspace=workspace, user=self, defaults={"role": role}
        )
        if member.role != role:
            WorkspaceMember.objects.filter(pk=member.pk).update(role=role)


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel

    workspace = factory.LazyFunction(default_workspace)
    name = factory.Sequence(lambda n: f"Channel {n}")
    type = Channel.Type.WIDGET


class ExternalUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExternalUser

    workspace = factory.LazyFunction(default_workspace)
    identifier = factory.Sequence(lambda n: f"+1555000{n:04d}")
    name = factory.Sequence(lambda n: f"Customer {n}")


class ResponderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Responder

    workspace = factory.LazyFunction(default_workspace)
    entity = Responder.Entity.AGENT
    name = factory.Sequence(lambda n: f"Responder {n}")


class ResponderVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResponderVersion

    responder = factory.SubFactory(ResponderFactory)
    number = factory.Sequence(lambda n: n + 1)


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    workspace = factory.LazyFunction(default_workspace)
    subject = factory.Sequence(lambda n: f"Ticket {n}")


def user_token(user) -> str:
    """A fresh user bearer token's secret."""
    return accounts.token_issue(user=user)[1]
