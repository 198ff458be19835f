"""The agents' support inbox: customer chats arrive live and agents answer them."""

import json
import urllib.request


def support_api(server, method: str, path: str, body: dict | None = None) -> dict:
    """Call the Support API (seed 003) with the workspace's API key, as an integration does."""
    request = urllib.request.Request(
        f"{server.url}/api/v1{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": server.data["api_key"], "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=15) as response:
        return json.loads(response.read() or b"{}")


def customer_chat(server, name: str, identifier: str, channel_type: str, text: str) -> str:
    channel = support_api(
        server, "POST", "/channels", {"name": f"{name}'s channel", "type": channel_type}
    )
    owner = support_api(server, "POST", "/external-users", {"identifier": identifier, "name": name})
    chat = support_api(
        server,
        "POST",
        "/chats",
        {"channelId": channel["id"], "ownerId": owner["superIdentityId"], "title": ""},
    )
    support_api(server, "POST", f"/chats/{chat['id']}/messages", {"role": "user", "content": text})
    support_api(server, "POST", "/tickets", {"chatId": chat["id"], "subject": "Delivery"})
    return chat["id"]


def test_the_inbox_is_not_for_members(server, person):
    bob = person("bob")
    response = bob.page.goto("/support/")
    assert response.status == 404
