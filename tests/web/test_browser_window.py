"""Acceptance, in Debian's Chromium through Playwright: the keyboard flow across the windows of a
2,000-sentence article, loaded as the reviewer reaches them, and `g` deep into it."""

import pytest

from annotations.review.models import Annotation
from tests.reviewing import add_candidate, load_article, long_body, sentence
from tests.web.routes import RequestSwitch
from tests.web.test_accessibility import violations, with_axe
from tests.web.test_browser_review import select_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLAIM = "shelling incidents"


@pytest.fixture
def long_article(transactional_db):
    """2,000 sentences, three to a paragraph: the first window is 0-98, the second 99-197."""
    return load_article("Long", long_body(2000), "https://a.example/long")


def test_a_reviewer_labels_across_windows_with_the_keyboard(
    log_in, live_server, users, long_article, script_errors
):
    from playwright.sync_api import expect

    page = log_in("reviewer", "pw-reviewer")
    # Both routes go in before the page loads (see RequestSwitch).
    second_window = RequestSwitch(page, "**/sentences?after=98")
    second_window.mode = "hold"
    third_window = RequestSwitch(page, "**/sentences?after=197")
    page.goto(f"{live_server.url}/articles/{long_article.pk}/")
    expect(page.locator("#s0")).to_be_focused()
    expect(page.locator(".sentence")).to_have_count(99)

    # Labelling the last sentence of the first window moves on into the next, once loaded.
    page.locator("#s98").click()
    page.keyboard.press("2")
    expect(page.locator("#s98 .status")).to_have_text("Saved ✓")
    expect(page.locator("#s99")).to_have_count(0)
    second_window.let_through(page)  # one request, whether scrolling or the key asked first
    expect(page.locator("#s99")).to_be_focused()
    expect(page.locator("#save-status")).to_contain_text("Sentences 100 to 198 loaded.")
    page.keyboard.press("k")
    expect(page.locator("#s98")).to_be_focused()

    # j past the last sentence loaded loads the next window and moves into it.
    third_window.mode = "hold"
    page.locator("#s197").click()
    page.keyboard.press("j")
    third_window.let_through(page)
    expect(page.locator("#s198")).to_be_focused()
    page.keyboard.press("1")
    expect(page.locator("#s198 .status")).to_have_text("Saved ✓")
    expect(page.locator("#s199")).to_be_focused()

    # Text selected in a sentence of a window loaded later becomes the claim span.
    select_text(page, "#s199", CLAIM)
    page.keyboard.press("3")
    expect(page.locator("#s199 mark")).to_have_text(CLAIM)
    expect(page.locator("#s200")).to_be_focused()

    stored = {a.sentence.index: a for a in Annotation.objects.select_related("sentence")}
    assert {index: a.label for index, a in stored.items()} == {
        98: "disputed",
        198: "sourced",
        199: "false_flag",
    }
    text = stored[199].sentence.text
    assert text[stored[199].span_start : stored[199].span_end] == CLAIM
    # Never a window asked for twice.
    assert len(second_window.requests) == len(third_window.requests) == 1
    assert script_errors == []


def test_g_opens_the_window_of_a_sentence_deep_in_the_article(
    log_in, live_server, users, long_article, script_errors
):
    from playwright.sync_api import expect

    add_candidate(sentence(long_article, 1500), 0.99)
    page = log_in("reviewer", "pw-reviewer")
    with_axe(page.context)
    page.goto(f"{live_server.url}/articles/{long_article.pk}/")
    expect(page.locator("#s0")).to_be_focused()
    page.keyboard.press("g")
    expect(page).to_have_url(f"{live_server.url}/articles/{long_article.pk}/?at=1500#s1500")
    expect(page.locator("#s1500")).to_be_focused()
    expect(page.locator("#s1500")).to_be_in_viewport()
    expect(page.locator("#s0")).to_have_count(0)

    # k at the first sentence loaded reaches the one before, in the earlier window.
    page.keyboard.press("k")
    expect(page.locator("#s1499")).to_be_focused()
    expect(page.locator("#s1499")).to_be_in_viewport()
    page.keyboard.press("0")
    expect(page.locator("#s1499 .status")).to_have_text("Saved ✓")
    assert Annotation.objects.get().sentence.index == 1499
    assert violations(page) == []  # the windows' edges too

    # An older link to a sentence, without `at`, still opens its window.
    page.goto(f"{live_server.url}/articles/{long_article.pk}/#s1700")
    expect(page).to_have_url(f"{live_server.url}/articles/{long_article.pk}/?at=1700#s1700")
    expect(page.locator("#s1700")).to_be_focused()
    assert script_errors == []
