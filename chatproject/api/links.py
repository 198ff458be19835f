"""OpenAPI links: which answer's ids a client passes to which next call.

A generated client (and schemathesis' stateful phase) learns from them that the thread a
``POST`` creates is where messages go, that a message is what one reacts to and pins,
and that the pin and reaction ids come back to remove them. drf-spectacular has no
notion of links, so this postprocessing hook adds them to each document from one table;
a link is written only into a document that holds both its operations, so each surface's
document links only its own operations.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Link:
    source: str  # "METHOD /path" of the operation that answers
    status: str
    name: str
    target: str  # "METHOD /path" of the operation called next
    parameters: dict = field(default_factory=dict)
    request_body: dict | None = None


def _from(source: str, status: str, id_expression: str, targets: dict[str, str]) -> list[Link]:
    """Links from ``source`` passing one id (``id_expression``) to each target, given as
    ``"METHOD /path:parameter"``."""
    return [
        Link(source, status, name, target, parameters={parameter: id_expression})
        for name, (target, parameter) in (
            (name, spec.rsplit(":", 1)) for name, spec in targets.items()
        )
    ]


LINKS: list[Link] = [
    # --- Session (seeds 000/001): a session, then post, react, pin, remove -------------
    Link(
        "POST /v1/sessions",
        "201",
        "JoinSession",
        "POST /v1/sessions/{session_id}/join",
        parameters={"session_id": "$response.body#/sessionId"},
    ),
    *_from(
        "POST /v1/chats",
        "200",
        "$response.body#/chatId",
        {
            "ReactToMessage": "POST /v1/chats/{chat_id}/reactions:chat_id",
            "PinMessage": "POST /v1/chats/{chat_id}/pins:chat_id",
            "RemoveMessage": "DELETE /v1/chats/{chat_id}:chat_id",
        },
    ),
    Link(
        "POST /v1/chats/{chat_id}/reactions",
        "200",
        "RemoveReaction",
        "DELETE /v1/chats/{chat_id}/reactions/{reaction_id}",
        parameters={
            "chat_id": "$request.path.chat_id",
            "reaction_id": "$response.body#/reactionId",
        },
    ),
    Link(
        "POST /v1/chats/{chat_id}/pins",
        "200",
        "Unpin",
        "DELETE /v1/chats/{chat_id}/pins/{pin_id}",
        parameters={"chat_id": "$request.path.chat_id", "pin_id": "$response.body#/pinId"},
    ),
    Link(
        "POST /v1/chats/{chat_id}/pins",
        "200",
        "RemovePinnedMessage",
        "DELETE /v1/chats/{chat_id}",
        parameters={"chat_id": "$request.path.chat_id"},
    ),
    # --- Team (seed 002): a thread, then post, like/dislike, undo -----------------------
    # (No "leave" link: a caller who left a thread rightly gets 404 for it afterwards,
    # which a scenario cannot tell from a thread that was never made.)
    *_from(
        "POST /api/v1/chat/threads",
        "201",
        "$response.body#/_id",
        {
            "GetThread": "GET /api/v1/chat/threads/{thread_id}:thread_id",
            "ReadThread": "GET /api/v1/chat/threads/{thread_id}/messages:thread_id",
            "AddUsers": "POST /api/v1/chat/threads/{thread_id}/users:thread_id",
        },
    ),
    Link(
        "GET /api/v1/users",
        "200",
        "StartThread",
        "POST /api/v1/chat/threads",
        request_body={"users": ["$response.body#/0/_id"]},
    ),
    Link(
        "POST /api/v1/chat/threads",
        "201",
        "PostToThread",
        "POST /api/v1/chat/messages",
        request_body={"thread": "$response.body#/_id"},
    ),
    *_from(
        "POST /api/v1/chat/messages",
        "200",
        "$response.body#/message/_id",
        {
            "Like": "POST /api/v1/chat/messages/{message_id}/likes:message_id",
            "Dislike": "POST /api/v1/chat/messages/{message_id}/dislikes:message_id",
        },
    ),
    Link(
        "POST /api/v1/chat/messages/{message_id}/likes",
        "200",
        "Unlike",
        "DELETE /api/v1/chat/messages/{message_id}/likes",
        parameters={"message_id": "$request.path.message_id"},
    ),
    Link(
        "POST /api/v1/chat/messages/{message_id}/dislikes",
        "200",
        "Undislike",
        "DELETE /api/v1/chat/messages/{message_id}/dislikes",
        parameters={"message_id": "$request.path.message_id"},
    ),
    # --- Support (seed 003): a customer, their chat, its messages, ticket, removal ------
    Link(
        "POST /api/v1/external-users",
        "201",
        "OpenChat",
        "POST /api/v1/chats",
        request_body={
            "ownerId": "$response.body#/superIdentityId",
            "channelId": None,
            "responderId": None,
            "responderVersionId": None,
        },
    ),
    *_from(
        "POST /api/v1/external-users",
        "201",
        "$response.body#/id",
        {
            "Block": "POST /api/v1/external-users/{id}/block:id",
            "Unblock": "DELETE /api/v1/external-users/{id}/block:id",
        },
    ),
    *_from(
        "POST /api/v1/chats",
        "200",
        "$response.body#/id",
        {
            "GetChat": "GET /api/v1/chats/{id}:id",
            "GetChatDetails": "GET /api/v1/chats/{id}/details:id",
            "PostMessage": "POST /api/v1/chats/{id}/messages:id",
            "ListMessages": "GET /api/v1/chats/{id}/messages:id",
            "UpdateChat": "PATCH /api/v1/chats/{id}:id",
            "RemoveChat": "DELETE /api/v1/chats/{id}:id",
        },
    ),
    Link(
        "POST /api/v1/chats",
        "200",
        "OpenTicket",
        "POST /api/v1/tickets",
        request_body={"chatId": "$response.body#/id"},
    ),
    Link(
        "POST /api/v1/chats/{id}/messages",
        "201",
        "RemoveChatAfterMessage",
        "DELETE /api/v1/chats/{id}",
        parameters={"id": "$request.path.id"},
    ),
    *_from(
        "POST /api/v1/tickets",
        "201",
        "$response.body#/id",
        {
            "GetTicket": "GET /api/v1/tickets/{id}:id",
            "UpdateTicket": "PATCH /api/v1/tickets/{id}:id",
        },
    ),
    *_from(
        "POST /api/v1/responders",
        "201",
        "$response.body#/id",
        {"NewVersion": "POST /api/v1/responders/{id}/versions:id"},
    ),
    # --- Messenger (seed 004): a chat, then post to it and read it ---------------------
    *_from(
        "POST /chats",
        "201",
        "$response.body#/id",
        {
            "SendMessage": "POST /chats/{chat_id}/messages:chat_id",
            "GetChat": "GET /chats/{chat_id}:chat_id",
        },
    ),
    *_from(
        "POST /uploads",
        "201",
        "$response.body#/id",
        {
            "GetImage": "GET /uploads/{upload_id}:upload_id",
            "GetThumbnail": "GET /uploads/{upload_id}/thumbnail:upload_id",
        },
    ),
]


def add_links(result, generator, request, public):
    """drf-spectacular postprocessing hook (``SPECTACULAR_SETTINGS``). Operations are
    known by method and path: their ``operationId`` differs between the combined
    document and a surface's own (drf-spectacular drops the prefix all paths share)."""
    operations = {
        f"{method.upper()} {path}": operation
        for path, methods in result.get("paths", {}).items()
        for method, operation in methods.items()
        if isinstance(operation, dict) and "responses" in operation
    }
    for link in LINKS:
        source, target = operations.get(link.source), operations.get(link.target)
        if source is None or target is None:
            continue
        definition: dict = {"operationId": target["operationId"]}
        if link.parameters:
            definition["parameters"] = dict(link.parameters)
        if link.request_body is not None:
            definition["requestBody"] = dict(link.request_body)
        source["responses"][link.status].setdefault("links", {})[link.name] = definition
    return result
