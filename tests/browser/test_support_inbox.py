"""The agents' support inbox: customer chats arrive live and agents answer them."""

import json
import re
import urllib.request

from playwright.sync_api import expect


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


def test_an_agent_answers_a_customer_chat_and_manages_it(server, person):
    dave = person("dave")  # a workspace agent
    dave.open("/support/")
    inbox = dave.page.locator("#support-list")

    # Created through the Support API while the agent watches the inbox.
    chat = customer_chat(
        server, "Erin Example", "+15550001111", "whatsapp", "My order never arrived"
    )
    row = inbox.locator(f"[data-thread='{chat}']")
    expect(row).to_contain_text("Erin Example")  # live, no reload
    expect(row).to_contain_text("My order never arrived")
    expect(row).to_contain_text("Ticket: open")

    dave.page.get_by_label("Channel type").select_option("widget")
    dave.page.get_by_role("button", name="Filter").click()
    dave.wait_live()
    expect(inbox.locator(f"[data-thread='{chat}']")).to_have_count(0)
    dave.page.get_by_label("Channel type").select_option("whatsapp")
    dave.page.get_by_role("button", name="Filter").click()
    dave.wait_live()

    inbox.locator(f"[data-thread='{chat}'] a").click()
    dave.wait_live()
    messages = dave.page.get_by_role("log", name="Messages")
    expect(messages).to_contain_text("My order never arrived")
    box = dave.page.get_by_role("textbox", name="Message")
    box.fill("Sorry! A new parcel is on its way.")
    box.press("Enter")
    answer = messages.locator("article:not(.pending)", has_text="A new parcel")
    expect(answer).to_be_visible()
    expect(answer.locator(".tag")).to_have_text("Agent")

    # A status picked but not yet saved survives another change to the chat (here blocking,
    # whose answer and live event both still say "open").
    status = dave.page.get_by_label("Ticket status")
    status.select_option("resolved")
    dave.page.get_by_role("button", name="Block customer").click()
    expect(dave.page.locator("#blocked-state")).to_have_text("Blocked")
    expect(dave.page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    expect(status).to_have_value("resolved")
    dave.page.get_by_role("status").evaluate("node => { node.textContent = ''; }")
    with dave.page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/status/") and r.ok
    ):
        dave.page.get_by_role("button", name="Update status").click()
    expect(dave.page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()

    dave.open("/support/")
    row = dave.page.locator(f"#support-list [data-thread='{chat}']")
    expect(row).to_contain_text("Blocked")
    expect(row).to_contain_text("Ticket: resolved")
    expect(row).to_contain_text(re.compile("Support: Sorry! A new parcel"))
    assert dave.errors == []


def test_the_inbox_is_not_for_members(server, person):
    bob = person("bob")
    response = bob.page.goto("/support/")
    assert response.status == 404
