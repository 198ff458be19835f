"""The browser chat as people use it: two people in two browser contexts, live."""

import re

from playwright.sync_api import expect

XSS = '<img src=x onerror="alert(1)"><script>alert("x")</script>'


def log(p):
    return p.page.get_by_role("log", name="Messages")


def sidebar(p):
    return p.page.get_by_role("navigation", name="Threads")


def test_a_message_sent_by_one_person_appears_for_the_other_without_reload(server, person):
    thread = server.seed("direct", "alice", "bob")["thread"]
    alice, bob = person("alice"), person("bob")
    alice.open(f"/threads/{thread}/")
    bob.open(f"/threads/{thread}/")
    expect(alice.page.get_by_role("heading", name="Bob Baker")).to_be_visible()

    box = alice.page.get_by_role("textbox", name="Message")
    box.fill("Hello Bob")
    box.press("Enter")
    expect(log(bob).get_by_text("Hello Bob")).to_be_visible()
    # Confirmed by the server (message.ack): no longer "Sending…".
    expect(log(alice).locator("article.pending")).to_have_count(0)

    box.fill("line one")
    box.press("Shift+Enter")
    box.type("line two")
    alice.page.get_by_role("button", name="Send").click()
    expect(log(bob).locator("p.text", has_text="line one")).to_have_text("line one\nline two")
    expect(sidebar(bob).get_by_text(re.compile("line one"))).to_be_visible()
    assert alice.errors == [] and bob.errors == []


def test_an_html_payload_shows_as_text(server, person):
    thread = server.seed("direct", "alice", "carol")["thread"]
    alice, carol = person("alice"), person("carol")
    alice.open(f"/threads/{thread}/")
    carol.open(f"/threads/{thread}/")

    box = alice.page.get_by_role("textbox", name="Message")
    box.fill(XSS)
    box.press("Enter")

    expect(log(carol).locator("p.text").last).to_have_text(XSS)
    carol.page.reload()
    carol.wait_live()
    expect(log(carol).locator("p.text").last).to_have_text(XSS)
    assert log(carol).locator("img[src=x]").count() == 0
    assert log(carol).locator("script").count() == 0
    assert carol.dialogs == [] and alice.dialogs == []


def test_reactions_and_unread_badges_move_live(server, person):
    thread = server.seed("group", "Release crew", "alice", ["bob"])["thread"]
    first = server.seed("send", thread, "alice", "Ship on Friday?")["message"]
    alice, bob = person("alice"), person("bob")
    alice.open("/")
    bob.open(f"/threads/{thread}/")

    item = sidebar(alice).locator(f"[data-thread='{thread}']")
    expect(item.locator(".badge")).to_have_count(0)
    bob.page.get_by_role("textbox", name="Message").fill("Yes, Friday works")
    bob.page.get_by_role("textbox", name="Message").press("Enter")
    expect(item.locator(".badge")).to_have_text("1 unread")
    expect(sidebar(alice).locator("[data-thread]").first).to_have_attribute("data-thread", thread)
    expect(item).to_contain_text("Bob Baker: Yes, Friday works")

    like = (
        log(bob)
        .locator(f"article[data-id='{first}']")
        .get_by_role("button", name="Like, 0", exact=True)
    )
    like.click()
    alice.page.get_by_role("link", name=re.compile("Release crew")).click()
    alice.wait_live()
    expect(item.locator(".badge")).to_have_count(0)  # opening it marks it read
    mine = log(alice).locator(f"article[data-id='{first}']")
    expect(mine.get_by_role("button", name="Like, 1", exact=True)).to_be_visible()
    log(bob).locator(f"article[data-id='{first}']").get_by_role(
        "button", name="Dislike, 0", exact=True
    ).click()
    expect(mine.get_by_role("button", name="Dislike, 1", exact=True)).to_be_visible()
    log(bob).locator(f"article[data-id='{first}']").get_by_role(
        "button", name="Like, 1", exact=True
    ).click()
    expect(mine.get_by_role("button", name="Like, 0", exact=True)).to_be_visible()
    assert alice.errors == [] and bob.errors == []


def test_reply_quotes_the_message_and_own_messages_can_be_removed(server, person):
    thread = server.seed("direct", "bob", "carol")["thread"]
    question = server.seed("send", thread, "carol", "Lunch at noon?")["message"]
    bob, carol = person("bob"), person("carol")
    bob.open(f"/threads/{thread}/")
    carol.open(f"/threads/{thread}/")

    log(bob).locator(f"article[data-id='{question}']").get_by_role("button", name="Reply").click()
    expect(bob.page.get_by_text("Replying to Carol Chen: Lunch at noon?")).to_be_visible()
    bob.page.get_by_role("textbox", name="Message").fill("Sounds good")
    bob.page.get_by_role("textbox", name="Message").press("Enter")
    answer = log(carol).locator("article", has_text="Sounds good")
    expect(answer.locator("blockquote")).to_contain_text("Lunch at noon?")

    expect(
        log(bob).locator(f"article[data-id='{question}']").get_by_role("button", name="Remove")
    ).to_have_count(0)  # not Bob's message
    log(bob).locator("article", has_text="Sounds good").get_by_role("button", name="Remove").click()
    expect(log(carol).get_by_text("Sounds good")).to_have_count(0)


def test_search_and_load_earlier(server, person):
    thread = server.seed("direct", "alice", "dave")["thread"]
    texts = ["the needle", *[f"note {i}" for i in range(1, 55)]]
    server.seed("send_many", thread, "dave", texts)
    alice = person("alice")
    alice.open(f"/threads/{thread}/")

    expect(log(alice).locator("article")).to_have_count(50)
    alice.page.get_by_role("button", name="Load earlier").click()
    expect(log(alice).locator("article")).to_have_count(55)
    expect(log(alice).locator("article").first).to_contain_text("the needle")
    expect(alice.page.get_by_role("button", name="Load earlier")).to_be_hidden()

    alice.page.get_by_role("searchbox", name="Search messages").fill("needle")
    alice.page.get_by_role("button", name="Search", exact=True).click()
    results = alice.page.get_by_role("region", name="Search results")
    expect(results.locator("article")).to_have_count(1)
    expect(results).to_contain_text("the needle")
    alice.page.get_by_role("button", name="Clear search").click()
    expect(results).to_be_hidden()


def test_reconnect_after_a_server_restart_delivers_what_was_missed(server, person):
    thread = server.seed("direct", "carol", "dave")["thread"]
    carol = person("carol")
    carol.open(f"/threads/{thread}/")

    server.stop()
    status = carol.page.get_by_role("status").filter(has_text="Reconnecting…")
    expect(status).to_be_visible()
    server.seed("send", thread, "dave", "Sent while you were away")
    # A send while the server is down stays visible as not sent (with a retry)...
    carol.page.get_by_role("textbox", name="Message").fill("Are you there?")
    carol.page.get_by_role("textbox", name="Message").press("Enter")
    failed = log(carol).locator("article.failed")
    expect(failed).to_contain_text("Not sent")
    expect(failed.get_by_role("button", name="Retry")).to_be_visible()
    server.start()

    expect(log(carol).get_by_text("Sent while you were away")).to_be_visible(timeout=20_000)
    expect(status).to_be_hidden()
    # ...and goes out by itself once the server is back: it failed only for being unreachable.
    expect(log(carol).locator("article.failed")).to_have_count(0)
    expect(log(carol).locator("article:not(.pending)", has_text="Are you there?")).to_have_count(1)
    carol.page.reload()
    expect(log(carol).get_by_text("Are you there?")).to_have_count(1)  # posted once


def test_csp_header_and_no_console_errors(server, person):
    thread = server.seed("group", "Quiet room", "carol", ["bob"])["thread"]
    session = server.seed("session", "Demo day", "carol", ["bob"])["thread"]
    carol = person("carol")
    for path in [
        "/",
        f"/threads/{thread}/",
        f"/threads/{thread}/members/",
        f"/sessions/{session}/",
        "/people/",
        "/accounts/profile/",
        "/docs/",
    ]:
        response = carol.page.goto(path)
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        carol.page.wait_for_load_state("networkidle")
    assert carol.errors == []


def test_the_chat_page_at_375_px(server, person, artifacts):
    thread = server.seed("group", "Small screens", "bob", ["carol"])["thread"]
    server.seed("send", thread, "carol", "Does this fit on a phone?")
    bob = person("bob", viewport={"width": 375, "height": 740})
    bob.open("/")
    expect(sidebar(bob)).to_be_visible()
    bob.page.screenshot(path=str(artifacts / "chat-375-threads.png"))
    bob.open(f"/threads/{thread}/")
    bob.page.get_by_role("textbox", name="Message").fill("It does.")
    bob.page.get_by_role("textbox", name="Message").press("Enter")
    expect(log(bob).locator("article:not(.pending)", has_text="It does.")).to_be_visible()
    bob.page.screenshot(path=str(artifacts / "chat-375.png"))
    width = bob.page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 375
    assert (artifacts / "chat-375.png").stat().st_size > 0


def test_images_show_as_thumbnails_and_other_files_as_links(server, person, tmp_path):
    from PIL import Image

    thread = server.seed("direct", "bob", "dave")["thread"]
    image = tmp_path / "chart.png"
    Image.new("RGB", (64, 40), (30, 90, 200)).save(image)
    notes = tmp_path / "notes.txt"
    notes.write_text("plain notes")
    bob, dave = person("bob"), person("dave")
    bob.open(f"/threads/{thread}/")
    dave.open(f"/threads/{thread}/")

    bob.page.get_by_label("Attach files").set_input_files([image, notes])
    files = bob.page.get_by_role("list", name="Files to send")
    expect(files.get_by_role("listitem")).to_have_count(2)
    bob.page.get_by_role("textbox", name="Message").fill("Q3 numbers")
    bob.page.get_by_role("button", name="Send").click()

    sent = log(dave).locator("article", has_text="Q3 numbers")
    expect(sent.get_by_role("img", name="chart.png")).to_be_visible()
    thumb = sent.get_by_role("img", name="chart.png")
    thumb.scroll_into_view_if_needed()
    dave.page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
    )
    expect(sent.get_by_role("link", name="📎 notes.txt")).to_be_visible()
    assert bob.errors == [] and dave.errors == []


def test_links_quotes_of_removed_messages_and_news_below_an_older_page(server, person):
    thread = server.seed("group", "Reading room", "alice", ["bob"])["thread"]
    server.seed("send_many", thread, "alice", [f"history {i}" for i in range(40)])
    tip = server.seed("send", thread, "alice", "Notes at https://example.com/notes?id=7.")[
        "message"
    ]
    alice, erin = person("alice"), person("bob")
    erin.open(f"/threads/{thread}/")
    alice.open(f"/threads/{thread}/")
    box = erin.page.get_by_role("textbox", name="Message")
    expect(box).to_be_focused()  # ready to type on opening

    # An address is a link (without the sentence's full stop), opened without the opener.
    link = log(erin).get_by_role("link", name="https://example.com/notes?id=7")
    expect(link).to_have_attribute("href", "https://example.com/notes?id=7")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")

    # A quote of a message that is then removed says so at once, without a reload.
    log(erin).locator(f"article[data-id='{tip}']").get_by_role("button", name="Reply").click()
    box.fill("Thanks")
    box.press("Enter")
    expect(log(alice).locator("article", has_text="Thanks").locator("blockquote")).to_contain_text(
        "example.com"
    )
    log(alice).locator(f"article[data-id='{tip}']").get_by_role("button", name="Remove").click()
    quote = log(erin).locator("article", has_text="Thanks").locator("blockquote")
    expect(quote).to_contain_text("a removed message")

    # Reading older messages, a new one below is announced, not scrolled to.
    log(erin).evaluate("el => { el.scrollTop = 0; }")
    alice.page.get_by_role("textbox", name="Message").fill("Look below")
    alice.page.get_by_role("textbox", name="Message").press("Enter")
    news = erin.page.get_by_role("button", name="New messages ↓")
    expect(news).to_be_visible()
    assert log(erin).evaluate("el => el.scrollTop") < 50
    news.click()
    expect(news).to_be_hidden()
    expect(log(erin).get_by_text("Look below")).to_be_in_viewport()
    assert alice.errors == [] and erin.errors == []


def test_the_home_page_fits_a_phone(server, person):
    alice = person("alice")
    alice.page.set_viewport_size({"width": 390, "height": 844})
    alice.open("/")

    expect(sidebar(alice)).to_be_visible()
    assert alice.page.evaluate("document.documentElement.scrollWidth") <= 390
