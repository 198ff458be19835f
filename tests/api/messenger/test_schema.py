"""The OpenAPI documents: one per surface and the combined one; the Messenger document is
the one a FastAPI service would publish, so a client generated from it is seed 004's."""

import re

import pytest

from chatproject.api.schemas import SURFACES

# Seed 004 (``ChatsApi``, typescript-axios): method name -> (HTTP method, path).
SEED_CHATS_API = {
    "createChatChatsPost": ("post", "/chats"),
    "getChatChatsChatIdGet": ("get", "/chats/{chat_id}"),
    "listChatsChatsGet": ("get", "/chats"),
    "sendMessageRestChatsChatIdMessagesPost": ("post", "/chats/{chat_id}/messages"),
}

# A path each surface's document must hold (and no other document may).
SURFACE_SAMPLE_PATHS = {
    "session": "/v1/chats",
    "team": "/api/v1/chat/threads",
    "support": "/api/v1/chats",
    "messenger": "/chats",
}


def generated_name(name: str, *, lower_first: bool) -> str:
    """How openapi-generator names things: the words of a sanitized name, camel-cased."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+|_", name) if w]
    camel = "".join(w[:1].upper() + w[1:] for w in words)
    return camel[:1].lower() + camel[1:] if lower_first else camel


def client_methods(document: dict) -> dict[str, dict[str, tuple[str, str]]]:
    """``{ApiClass: {method name: (HTTP method, path)}}``, grouped by each operation's first
    tag, as openapi-generator's typescript-axios generator groups and names them."""
    apis: dict = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            api = generated_name(operation["tags"][0], lower_first=False) + "Api"
            name = generated_name(operation["operationId"], lower_first=True)
            apis.setdefault(api, {})[name] = (method, path)
    return apis


@pytest.fixture(scope="module")
def documents(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        client = Client()
        docs = {
            surface: client.get(f"/api/schema/{surface}/?format=json").json()
            for surface in SURFACES
        }
        docs["all"] = client.get("/api/schema/?format=json").json()
    return docs


def test_the_messenger_client_has_the_seeds_chats_api(documents):
    assert client_methods(documents["messenger"])["ChatsApi"] == SEED_CHATS_API


def test_the_combined_document_names_them_the_same(documents):
    assert client_methods(documents["all"])["ChatsApi"] == SEED_CHATS_API


def test_the_name_rule_matches_the_seeds_examples():
    assert generated_name("get_chat_chats__chat_id__get", lower_first=True) == (
        "getChatChatsChatIdGet"
    )


def test_operation_ids_are_fastapis(documents):
    ids = {
        (method, path): op["operationId"]
        for path, ops in documents["messenger"]["paths"].items()
        for method, op in ops.items()
    }
    assert ids[("post", "/chats")] == "create_chat_chats_post"
    assert ids[("get", "/chats/{chat_id}")] == "get_chat_chats__chat_id__get"
    assert ids[("get", "/chats")] == "list_chats_chats_get"
    assert ids[("post", "/chats/{chat_id}/messages")] == (
        "send_message_rest_chats__chat_id__messages_post"
    )
    assert ids[("post", "/token")] == "login_for_access_token_token_post"


def test_component_names_are_the_seeds(documents):
    components = set(documents["messenger"]["components"]["schemas"])
    assert {
        "ChatCreate",
        "ChatDetail",
        "ChatPreview",
        "PageChatPreview",
        "ChatWithMessagesPage",
        "MessageCreate",
        "MessageOut",
        "UserOut",
        "HTTPValidationError",
        "ValidationError",
    } <= components
    assert not {c for c in components if c.endswith("Request")}


def test_requests_and_answers_reference_the_seeds_models(documents):
    paths = documents["messenger"]["paths"]

    def ref(schema):
        return schema["$ref"].rsplit("/", 1)[-1]

    create = paths["/chats"]["post"]
    assert ref(create["requestBody"]["content"]["application/json"]["schema"]) == "ChatCreate"
    assert ref(create["responses"]["201"]["content"]["application/json"]["schema"]) == (
        "ChatDetail"
    )
    send = paths["/chats/{chat_id}/messages"]["post"]
    assert ref(send["requestBody"]["content"]["application/json"]["schema"]) == "MessageCreate"
    assert ref(send["responses"]["201"]["content"]["application/json"]["schema"]) == "MessageOut"
    listing = paths["/chats"]["get"]["responses"]["200"]["content"]["application/json"]
    assert ref(listing["schema"]) == "PageChatPreview"
    for path, method in [(p, m) for m, p in SEED_CHATS_API.values()]:
        error = paths[path][method]["responses"]["422"]["content"]["application/json"]
        assert ref(error["schema"]) == "HTTPValidationError"


def test_paging_parameters_have_the_seeds_defaults(documents):
    params = {p["name"]: p for p in documents["messenger"]["paths"]["/chats"]["get"]["parameters"]}
    assert params["limit"]["schema"]["default"] == 20
    assert (params["limit"]["schema"]["minimum"], params["limit"]["schema"]["maximum"]) == (1, 100)
    assert params["offset"]["schema"]["default"] == 0


def test_the_security_scheme_is_oauth2_password_bearer(documents):
    doc = documents["messenger"]
    assert doc["components"]["securitySchemes"] == {
        "OAuth2PasswordBearer": {
            "type": "oauth2",
            "flows": {"password": {"scopes": {}, "tokenUrl": "token"}},
        }
    }
    for method, path in SEED_CHATS_API.values():
        assert doc["paths"][path][method]["security"] == [{"OAuth2PasswordBearer": []}]


@pytest.mark.parametrize("surface", list(SURFACES))
def test_each_surface_document_holds_its_own_paths_and_no_others(documents, surface):
    own = set(documents[surface]["paths"])
    assert SURFACE_SAMPLE_PATHS[surface] in own
    for other in SURFACES:
        if other != surface:
            assert not own & set(documents[other]["paths"]), (surface, other)


def test_the_messenger_document_holds_only_the_messenger_api(documents):
    assert set(documents["messenger"]["paths"]) == {
        "/token",
        "/chats",
        "/chats/{chat_id}",
        "/chats/{chat_id}/messages",
        "/uploads",
        "/uploads/{upload_id}",
        "/uploads/{upload_id}/thumbnail",
    }


def test_the_combined_document_is_the_union_of_the_surfaces(documents):
    union = {p for s in SURFACES for p in documents[s]["paths"]}
    assert set(documents["all"]["paths"]) == union


def test_the_swagger_ui_is_served(client):
    assert client.get("/docs/").status_code == 200
