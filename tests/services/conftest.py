import pytest
from channels.layers import get_channel_layer

from chatproject.actors import SYSTEM
from chatproject.realtime import audience
from chats import services as chat_services
from tests import factories
from tests.services.helpers import Listener
from threads import services as thread_services


@pytest.fixture
def channel_layer(settings):
    """The embedded default layer, whatever ``REDIS_URL`` says, so delivery is observable."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    return get_channel_layer()


@pytest.fixture
def listen(channel_layer):
    """``listen(group)`` subscribes a fresh channel to a group; unsubscribed afterwards."""
    listeners: list[Listener] = []

    def subscribe(group: str) -> Listener:
        listener = Listener(channel_layer, group)
        listeners.append(listener)
        return listener

    yield subscribe
    for listener in listeners:
        listener.close()


@pytest.fixture
def listen_thread(listen):
    return lambda thread: listen(audience.thread_group(thread.pk))


@pytest.fixture
def listen_user(listen):
    return lambda user: listen(audience.user_group(user.pk))


@pytest.fixture
def message(session_thread, bob):
    """Bob's message in Alice's session."""
    return chat_services.message_send(thread=session_thread, actor=bob, text="hello")


@pytest.fixture
def dave(make_user):
    return make_user(username="dave", display_name="Dave")


@pytest.fixture
def outsider():
    """A user of another workspace."""
    return factories.UserFactory(workspace=factories.WorkspaceFactory())


@pytest.fixture
def agent(make_user):
    """Support staff of the default workspace: sees and moderates its support chats."""
    return make_user(username="agent", display_name="Agent", workspace__role="agent")


@pytest.fixture
def support_chat(workspace):
    return thread_services.support_chat_create(
        workspace=workspace,
        actor=SYSTEM,
        owner=factories.ExternalUserFactory(),
        channel=factories.ChannelFactory(),
        title="Where is my order?",
    )
