"""The session room: the host moderates, participants chat within 280 characters."""

from playwright.sync_api import expect


def test_host_pins_and_removes_and_a_participant_cannot(server, person):
    session = server.seed("session", "Launch webinar", "alice", ["bob"])["thread"]
    alice, bob = person("alice"), person("bob")
    alice.open(f"/sessions/{session}/")
    bob.open(f"/sessions/{session}/")
    host_log = alice.page.get_by_role("log", name="Messages")
    guest_log = bob.page.get_by_role("log", name="Messages")

    box = bob.page.get_by_role("textbox", name="Message")
    box.fill("x" * 281)
    expect(bob.page.locator("#composer-count")).to_have_text("281/280")
    expect(bob.page.get_by_role("alert").filter(has_text="at most 280")).to_be_visible()
    box.fill("When is the Q&A?")
    expect(bob.page.locator("#composer-count")).to_have_text("16/280")
    box.press("Enter")

    question = host_log.locator("article", has_text="When is the Q&A?")
    expect(question).to_be_visible()
    expect(guest_log.get_by_role("button", name="Pin")).to_have_count(0)
    question.get_by_role("button", name="Pin").click()
    guest_copy = guest_log.locator("article", has_text="When is the Q&A?")
    expect(guest_copy.get_by_text("📌 Pinned")).to_be_visible()
    question.get_by_role("button", name="Unpin").click()
    expect(guest_copy.get_by_text("📌 Pinned")).to_be_hidden()

    alice.page.get_by_role("textbox", name="Message").fill("Welcome, everyone")
    alice.page.get_by_role("textbox", name="Message").press("Enter")
    welcome = guest_log.locator("article", has_text="Welcome, everyone")
    expect(welcome).to_be_visible()
    expect(welcome.get_by_role("button", name="Remove")).to_have_count(0)

    question.get_by_role("button", name="Remove").click()
    expect(guest_log.get_by_text("When is the Q&A?")).to_have_count(0)

    bob.page.get_by_label("Sort").select_option("top")
    expect(guest_log.locator("article")).to_have_count(1)
    assert alice.errors == [] and bob.errors == []
