"""Acceptance, in Debian's Chromium through Playwright: a moderator walks the contested queue with
the keyboard only, then a reviewer sees the outcome on the review page."""

import re

import pytest

from annotations.corpus.models import Article
from annotations.review.models import Adjudication, Annotation, History
from tests.reviewing import label, load_article, sentence

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WRONG_LABEL = "Wrong label: see the label guideline"


@pytest.fixture
def contested(users, seed_article, moderator_account):
    """Three contested sentences: two of the seed article, one of a second article."""
    reviewer, other = users
    second = load_article(
        "Second article",
        "Kyiv said the convoy was shelled. Moscow denied it.",
        "https://example.com/second",
    )
    for where, theirs in (
        (sentence(seed_article, 0), "disputed"),
        (sentence(second, 0), "disputed"),
    ):
        label(where, reviewer, "sourced")
        label(where, other, theirs)
    label(sentence(seed_article, 3), reviewer, "sourced")
    label(sentence(seed_article, 3), other, "not_claim")
    return seed_article, second


def go_to(page, name: str):
    """Press j until the focused queue item is the one named (keyboard only)."""
    from playwright.sync_api import expect

    for _ in range(5):
        if page.evaluate("document.activeElement.getAttribute('aria-labelledby')") and (
            page.evaluate(
                "document.getElementById(document.activeElement.getAttribute('aria-labelledby'))"
                ".textContent"
            )
            == name
        ):
            break
        page.keyboard.press("j")
    item = page.get_by_role("group", name=name, exact=True)
    expect(item).to_be_focused()
    return item


def test_a_moderator_walks_the_contested_queue_with_the_keyboard(
    log_in, live_server, users, contested, script_errors
):
    from playwright.sync_api import expect

    article, second = contested
    reviewer, other = users
    page = log_in("moderator", "pw-moderator")
    page.get_by_role("link", name="Moderation").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Moderation queue")).to_be_visible()
    expect(page.get_by_role("link", name="Contested 3")).to_have_attribute("aria-current", "page")
    status = page.locator("#moderation-status")

    # d: adjudicate the sentence the reviewers split on: Disputed, with a note.
    item = go_to(page, f"{article.title}, sentence 4")
    page.keyboard.press("d")
    dialog = page.get_by_role("dialog", name="Adjudicate the final label")
    expect(dialog.get_by_role("radio", name="Sourced")).to_be_focused()  # the tie's label
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.type("Moscow denies it in the next sentence")
    page.keyboard.press("Control+Enter")
    expect(status).to_have_text(
        f"{article.title}, sentence 4: Adjudicated: the final label is Disputed."
    )
    expect(item).to_be_focused()
    expect(item).to_contain_text("Adjudicated by moderator: Disputed")

    # r: reject the reviewer's label of another sentence, picking a frequent reason.
    item = go_to(page, f"{article.title}, sentence 1")
    expect(item.locator(".acts-on")).to_have_text("Acts on reviewer's label: Sourced, pending")
    page.keyboard.press("n")  # the other reviewer's label, and back
    expect(item.locator(".acts-on")).to_have_text("Acts on other's label: Disputed, pending")
    page.keyboard.press("p")
    page.keyboard.press("r")
    dialog = page.get_by_role("dialog", name="Reject a label")
    expect(dialog).to_contain_text("reviewer's label: Sourced, pending")
    page.keyboard.press("ArrowDown")  # the second reason
    page.keyboard.press("Enter")
    expect(status).to_have_text(
        f"{article.title}, sentence 1: Rejected reviewer's label (Sourced): {WRONG_LABEL}"
    )
    expect(item).to_be_focused()
    # The decisions move on to the label still pending.
    expect(item.locator(".acts-on")).to_have_text("Acts on other's label: Disputed, pending")

    # h: the sentence's history, then back to the item.
    page.keyboard.press("h")
    drawer = page.get_by_role("dialog", name="History of sentence 1")
    expect(drawer).to_contain_text(WRONG_LABEL)
    expect(drawer.get_by_role("cell", name="web UI")).to_be_visible()
    page.keyboard.press("Escape")
    expect(item).to_be_focused()

    # l: lock the second article.
    item = go_to(page, f"{second.title}, sentence 1")
    page.keyboard.press("l")
    expect(status).to_have_text(
        f"{second.title}, sentence 1: Article locked: reviewers can no longer change its labels."
    )
    expect(item.get_by_text("Locked", exact=True)).to_be_visible()
    expect(item.get_by_role("button", name="Unlock article")).to_be_visible()

    adjudication = Adjudication.objects.get()
    assert (adjudication.sentence.index, adjudication.label) == (3, "disputed")
    rejected = Annotation.objects.get(moderation_status="rejected")
    assert (rejected.reviewer, rejected.sentence.index, rejected.moderation_reason) == (
        reviewer,
        0,
        WRONG_LABEL,
    )
    assert (
        Article.objects.get(pk=second.pk).locked and not Article.objects.get(pk=article.pk).locked
    )
    decisions = History.objects.filter(action__in=("adjudicated", "rejected", "locked"))
    assert {(h.action, h.actor.username, h.via) for h in decisions} == {
        ("adjudicated", "moderator", "ui"),
        ("rejected", "moderator", "ui"),
        ("locked", "moderator", "ui"),
    }

    # The reviewer sees the rejection and its reason, and revises the label.
    page = log_in("reviewer", "pw-reviewer")
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    first = page.locator("#s0")
    expect(first.locator(".chip.moderation")).to_have_text(f"Rejected: {WRONG_LABEL}")
    text = article.sentences.get(index=0).text
    expect(first).to_have_accessible_description(
        f"{text} My label: Sourced Rejected: {WRONG_LABEL} Suggested: 0.36 Sourced?"
    )
    expect(page.locator("#s1")).to_be_focused()  # the first unlabelled sentence
    page.keyboard.press("k")
    expect(first).to_be_focused()
    page.keyboard.press("h")  # what happened to my label
    drawer = page.get_by_role("dialog", name="History of sentence 1")
    expect(drawer).to_contain_text(WRONG_LABEL)
    page.keyboard.press("Escape")
    expect(first).to_be_focused()
    page.keyboard.press("2")
    expect(page.locator("#save-status")).to_have_text("Sentence 1 saved as Disputed.")
    expect(first.locator(".chip.moderation")).to_have_text("Pending review")
    revised = Annotation.objects.get(pk=rejected.pk)
    assert (revised.label, revised.moderation_status, revised.moderation_reason) == (
        "disputed",
        "pending",
        "",
    )

    # ...and is refused on the locked article.
    page.goto(f"{live_server.url}/articles/{second.pk}/")
    expect(page.get_by_role("note")).to_contain_text("locked by a moderator")
    expect(page.locator("#s1")).to_be_focused()
    page.keyboard.press("1")
    expect(page.locator("#save-status")).to_have_text(
        "This article is locked by a moderator: it is read-only."
    )
    assert not Annotation.objects.filter(
        sentence__article=second, reviewer=reviewer, sentence__index=1
    ).exists()
    assert script_errors == []


def test_a_refused_decision_is_announced_and_nothing_is_sent_twice(
    log_in, live_server, users, contested, script_errors
):
    from playwright.sync_api import expect

    article, _ = contested
    reviewer, other = users
    page = log_in("moderator", "pw-moderator")
    page.goto(f"{live_server.url}/moderation/")
    item = go_to(page, f"{article.title}, sentence 1")
    # The reviewer changes the label meanwhile: approving what the page showed is refused.
    label(sentence(article, 0), reviewer, "false_flag")
    page.keyboard.press("a")
    status = page.locator("#moderation-status")
    expect(status).to_contain_text("Not done: this changed since the page showed it")
    expect(item).to_have_attribute("data-state", "refused")
    expect(item.locator(".acts-on")).to_have_text(
        'Acts on reviewer\'s label: "False flag" allegation, pending'
    )
    page.keyboard.press("a")  # what is stored now
    expect(status).to_have_text(
        f'{article.title}, sentence 1: Approved reviewer\'s label ("False flag" allegation).'
    )
    approved = Annotation.objects.get(reviewer=reviewer, sentence=sentence(article, 0))
    assert approved.moderation_status == "approved"
    # A rejection without a reason is not sent.
    page.keyboard.press("r")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog", name="Reject a label")).to_be_visible()
    page.keyboard.press("Escape")
    expect(item).to_be_focused()
    assert not Annotation.objects.filter(moderation_status="rejected").exists()
    assert script_errors == []


def test_tab_stays_in_the_current_item_and_shortcuts_stay_in_the_queue(
    log_in, live_server, users, contested, moderator_account, script_errors
):
    from playwright.sync_api import expect

    page = log_in("moderator", "pw-moderator")
    page.goto(f"{live_server.url}/moderation/")
    first = page.locator(".queue-item").first
    expect(first).to_be_focused()
    # Tab goes through the item's own controls to its decisions, never into another item.
    reached = []
    for _ in range(20):
        page.keyboard.press("Tab")
        inside = page.evaluate(
            "id => document.getElementById(id).contains(document.activeElement)",
            first.get_attribute("id"),
        )
        if not inside:
            break
        reached.append(page.evaluate("document.activeElement.textContent.trim()"))
    assert "a Approve" in reached and "l Lock article" in reached
    assert not page.evaluate("document.activeElement.closest('.queue-item')")
    # Focusing the other reviewer's checkbox makes their label the one decisions act on.
    first.focus()
    first.get_by_role("checkbox", name=re.compile("^Select other's label")).focus()
    expect(first.locator(".acts-on")).to_contain_text("Acts on other's label")
    page.keyboard.press("x")
    expect(page.locator("#bulk-count")).to_have_text("1 selected")

    # On a header link, keys are the browser's, not decisions.
    page.get_by_role("link", name="Search sentences").focus()
    page.keyboard.press("a")
    expect(page).to_have_url(f"{live_server.url}/moderation/")
    assert not Annotation.objects.exclude(moderation_status="pending").exists()

    # Turned off in the help dialog: character keys do nothing, the arrows still move.
    first.focus()
    page.keyboard.press("?")
    page.get_by_label("Single-key shortcuts").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text("Single-key shortcuts turned off.")
    expect(page.locator(".queue-item").first).to_be_focused()
    for key in ("a", "r", "d", "l", "?"):
        page.keyboard.press(key)
    expect(page.locator("dialog[open]")).to_have_count(0)
    page.keyboard.press("ArrowDown")
    expect(page.locator(".queue-item").nth(1)).to_be_focused()
    assert not Annotation.objects.exclude(moderation_status="pending").exists()
    assert not Article.objects.filter(locked=True).exists()
    # The buttons still work, without their key hints.
    page.locator(".queue-item").nth(1).get_by_role("button", name="Approve", exact=True).click()
    expect(page.locator("#moderation-status")).to_contain_text("Approved")
    assert script_errors == []
