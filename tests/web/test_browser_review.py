"""Acceptance, in Debian's Chromium through Playwright: keyboard review of the seed article."""

import os
import shutil

import pytest

from annotations.corpus.models import Article, Sentence
from annotations.corpus.services import ingest_files
from annotations.review.models import Annotation
from tests.conftest import ROOT, seed_text
from tests.web.routes import RequestSwitch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

README_SCREENSHOT = ROOT / "docs" / "review-page.png"
EVIDENCE_URL = "https://apnews.com/article/russia-ukraine-peskov"
NOTE = "Check the AP copy for the exact wording"


def select_text(page, sentence: str, text: str) -> None:
    """Select `text` in the sentence (a selector) as a reviewer would with the mouse."""
    page.evaluate(
        """([sentence, text]) => {
            const node = document.querySelector(`${sentence} .sentence-text`).firstChild;
            const range = document.createRange();
            range.setStart(node, node.data.indexOf(text));
            range.setEnd(node, node.data.indexOf(text) + text.length);
            getSelection().removeAllRanges();
            getSelection().addRange(range);
        }""",
        [sentence, text],
    )


def test_a_reviewer_labels_the_seed_article_with_the_keyboard(
    log_in, live_server, users, seed_article, script_errors, tmp_path
):
    from playwright.sync_api import expect

    reviewer, other = users
    text = dict(Sentence.objects.filter(article=seed_article).values_list("index", "text"))
    page = log_in("reviewer", "pw-reviewer")
    saves = RequestSwitch(page, "**/annotations/save")
    page.get_by_role("link", name=seed_article.title).click()
    expect(page.locator("#s0")).to_be_focused()

    # s: source dialog, pre-filled with the extracted source; type the evidence URL, Enter.
    page.keyboard.press("s")
    expect(page.locator("#details-source-name")).to_have_value("Kremlin spokesman Dmitry Peskov")
    expect(page.locator("#details-evidence-url")).to_be_focused()
    page.keyboard.type(EVIDENCE_URL)
    page.keyboard.press("Enter")
    expect(page.locator("#s0 .status")).to_have_text("Saved ✓")
    expect(page.locator("#s1")).to_be_focused()

    # The next save fails once on the way to the server: it stays marked unsaved...
    saves.mode = "abort once"
    page.keyboard.press("1")
    expect(page.locator("#s1")).to_have_attribute("data-state", "unsaved")
    expect(page.locator("#s1 .status")).to_contain_text("Not saved: Sourced")
    # The page's live region says so too.
    expect(page.locator("#save-status")).to_contain_text(
        "Sentence 2: not saved (connection or server problem). 1 sentence not saved"
    )
    # ...and is sent again, before it, with the next action.
    expect(page.locator("#s2")).to_be_focused()
    page.keyboard.press("0")
    expect(page.locator("#s1 .status")).to_have_text("Saved ✓")
    expect(page.locator("#s2 .status")).to_have_text("Saved ✓")
    expect(page.locator("#save-status")).to_have_text("Sentence 3 saved as Not a claim.")
    assert len(saves.aborted) == 1

    # n: a note; the label defaults to the suggested one.
    expect(page.locator("#s3")).to_be_focused()
    page.keyboard.press("n")
    expect(page.locator("#details-note")).to_be_focused()
    expect(page.locator("#details-label")).to_have_value("sourced")
    page.keyboard.type(NOTE)
    page.keyboard.press("Control+Enter")
    expect(page.locator("#s3 [data-field=note]")).to_have_text(NOTE)

    # Text selected in a sentence before tagging becomes the claim span.
    expect(page.locator("#s4")).to_be_focused()
    claim = "'false flag' operations"
    select_text(page, "#s4", claim)
    page.keyboard.press("3")
    expect(page.locator("#s4 mark")).to_have_text(claim)

    page.reload()
    expect(page.locator("#s0 .my-label")).to_have_text("Sourced")
    expect(page.locator("#s0 .details a")).to_have_text(EVIDENCE_URL)
    expect(page.locator("#s1 .my-label")).to_have_text("Sourced")
    expect(page.locator("#s2 .my-label")).to_have_text("Not a claim")
    expect(page.locator("#s3 [data-field=note]")).to_have_text(NOTE)
    expect(page.locator("#s4 .my-label")).to_have_text('"False flag" allegation')
    expect(page.locator("#s5")).to_be_focused()  # the first sentence still to label
    page.locator("#s1").focus()  # for the picture: a current sentence near the top
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=tmp_path / "review-page.png")
    if os.environ.get("FACTCHECK_UPDATE_SCREENSHOT") == "1":
        shutil.copy(tmp_path / "review-page.png", README_SCREENSHOT)

    stored = {a.sentence.index: a for a in Annotation.objects.select_related("sentence")}
    assert {i: a.label for i, a in stored.items()} == {
        0: "sourced",
        1: "sourced",
        2: "not_claim",
        3: "sourced",
        4: "false_flag",
    }
    assert (stored[0].source_name, stored[0].evidence_url) == (
        "Kremlin spokesman Dmitry Peskov",
        EVIDENCE_URL,
    )
    assert stored[3].note == NOTE
    start = text[4].index(claim)
    assert (stored[4].span_start, stored[4].span_end) == (start, start + len(claim))
    assert {a.reviewer for a in stored.values()} == {reviewer}
    assert script_errors == []


def test_a_second_reviewer_sees_others_labels_only_after_labelling(
    log_in, live_server, users, seed_article, script_errors
):
    from playwright.sync_api import expect

    reviewer, _ = users
    first = Sentence.objects.get(article=seed_article, index=0)
    Annotation.objects.create(sentence=first, reviewer=reviewer, label="sourced")
    page = log_in("other", "pw-other")
    page.goto(f"{live_server.url}/articles/{seed_article.pk}/")
    expect(page.locator("#s0")).to_be_focused()
    expect(page.locator("#s0 .counts")).to_have_count(0)
    page.keyboard.press("2")
    expect(page.locator("#s0 .counts")).to_have_text("All reviewers: Sourced 1 · Disputed 1")
    assert script_errors == []


def test_a_locked_article_refuses_edits(log_in, live_server, users, seed_article, script_errors):
    from playwright.sync_api import expect

    page = log_in("reviewer", "pw-reviewer")
    page.goto(f"{live_server.url}/articles/{seed_article.pk}/")
    expect(page.locator("#s0")).to_be_focused()
    # Locked by a moderator while the page is open: the server refuses the edit.
    Article.objects.filter(pk=seed_article.pk).update(locked=True)
    page.keyboard.press("1")
    expect(page.locator("#s0 .status")).to_have_text(
        "This article is locked by a moderator: it is read-only."
    )
    expect(page.locator("#s0")).to_have_attribute("data-state", "refused")
    # Opened again, it is read-only: no buttons, and keys send nothing.
    page.reload()
    expect(page.get_by_role("note")).to_contain_text("locked by a moderator")
    expect(
        page.get_by_role("group", name="Label the current sentence").get_by_role(
            "button", name="Sourced"
        )
    ).to_be_disabled()
    posts = []
    page.on("request", lambda request: posts.append(request) if request.method == "POST" else None)
    page.keyboard.press("j")
    page.keyboard.press("2")
    expect(page.locator("#save-status")).to_contain_text("read-only")
    assert posts == [] and not Annotation.objects.exists()
    assert script_errors == []


def test_markup_in_an_article_is_shown_as_text(log_in, live_server, users, script_errors):
    from playwright.sync_api import expect

    body = "<script>alert(1)</script> was in the text. So was <img src=x onerror=alert(1)>."
    [outcome] = ingest_files([("x.txt", seed_text(title="<b>Bold</b>", body=body))])
    page = log_in("reviewer", "pw-reviewer")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{live_server.url}/articles/{outcome.article_id}/")
    expect(page.locator("#s0 .sentence-text")).to_have_text(
        "<script>alert(1)</script> was in the text."
    )
    expect(page.locator("#s1 .sentence-text")).to_have_text("So was <img src=x onerror=alert(1)>.")
    expect(page.get_by_role("heading", level=1)).to_have_text("<b>Bold</b>")
    page.keyboard.press("1")  # the saved fragment is escaped too
    expect(page.locator("#s0 .status")).to_have_text("Saved ✓")
    assert page.locator("img").count() == 0
    assert dialogs == [] and script_errors == []


def test_the_review_page_fits_a_phone_screen(
    log_in, live_server, users, seed_article, script_errors
):
    from playwright.sync_api import expect

    page = log_in(
        "reviewer", "pw-reviewer", {"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page.goto(f"{live_server.url}/articles/{seed_article.pk}/")
    toolbar = page.get_by_role("group", name="Label the current sentence")
    disputed = toolbar.get_by_role("button", name="Disputed")
    expect(disputed).to_be_in_viewport()  # the toolbar stays at the bottom of the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    disputed.tap()
    expect(page.locator("#s0 .my-label")).to_have_text("Disputed")
    assert script_errors == []


def test_a_reviewer_goes_back_and_clears_a_label_with_the_keyboard(
    log_in, live_server, users, seed_article, script_errors
):
    from playwright.sync_api import expect

    reviewer, _ = users
    page = log_in("reviewer", "pw-reviewer")
    page.goto(f"{live_server.url}/articles/{seed_article.pk}/")
    expect(page.locator("#s0")).to_be_focused()
    page.keyboard.press("1")
    expect(page.locator("#s0 .status")).to_have_text("Saved ✓")
    page.keyboard.press("0")
    expect(page.locator("#s1 .status")).to_have_text("Saved ✓")
    expect(page.locator("#s2")).to_be_focused()

    # k and the up arrow each go back one sentence.
    page.keyboard.press("k")
    expect(page.locator("#s1")).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(page.locator("#s0")).to_be_focused()

    # x clears my label of the current sentence, and only of that one.
    page.keyboard.press("x")
    expect(page.locator("#s0 .my-label")).to_have_text("Not labelled")
    expect(page.locator("#s0 .status")).to_have_text("Saved ✓")
    expect(page.locator("#s0")).to_be_focused()  # it is the first unlabelled one again
    stored = Annotation.objects.select_related("sentence")
    assert [(a.sentence.index, a.reviewer, a.label) for a in stored] == [(1, reviewer, "not_claim")]
    page.reload()
    expect(page.locator("#s0 .my-label")).to_have_text("Not labelled")
    expect(page.locator("#s1 .my-label")).to_have_text("Not a claim")
    assert script_errors == []


def test_the_keyboard_shows_a_sentences_reasons_and_the_help(
    log_in, live_server, users, seed_article, script_errors
):
    from playwright.sync_api import expect

    from annotations.labels import LABEL_PRECEDENCE_RULE

    page = log_in("reviewer", "pw-reviewer")
    page.goto(f"{live_server.url}/articles/{seed_article.pk}/")
    expect(page.locator("#s0")).to_be_focused()  # the page's script has run
    page.keyboard.press("j")  # r acts on the current sentence, not on the first one
    expect(page.locator("#s1")).to_be_focused()

    # r shows why the sentence was suggested, and hides it again.
    reasons = page.locator("#s1 details.reasons")
    expect(reasons).to_have_js_property("open", False)
    page.keyboard.press("r")
    expect(reasons).to_have_js_property("open", True)
    expect(reasons.locator("p")).to_be_visible()
    expect(reasons.locator("p")).to_contain_text("Score ")
    expect(page.locator("#s0 details.reasons")).to_have_js_property("open", False)
    page.keyboard.press("r")
    expect(reasons).to_have_js_property("open", False)
    expect(reasons.locator("p")).to_be_hidden()

    # ?: the shortcuts and the label guideline; Escape closes them.
    help_dialog = page.locator("#help-dialog")
    expect(help_dialog).to_be_hidden()
    page.keyboard.press("?")
    expect(help_dialog).to_be_visible()
    expect(help_dialog.get_by_role("heading", name="Shortcuts")).to_be_visible()
    expect(help_dialog).to_contain_text("Clear my label")
    expect(help_dialog.get_by_role("heading", name="Label guideline")).to_be_visible()
    expect(help_dialog).to_contain_text(LABEL_PRECEDENCE_RULE)
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()
    expect(page.locator("#s1")).to_be_focused()
    assert script_errors == []


def test_g_goes_to_the_highest_scored_unlabelled_sentence_of_any_article(
    log_in, live_server, users, seed_article, script_errors
):
    from playwright.sync_api import expect

    from annotations.detection.models import Candidate

    reviewer, _ = users
    body = "The sky is blue. Police claimed it was a false flag."
    [outcome] = ingest_files([("other.txt", seed_text(url="https://example.com/b", body=body))])
    # The latest candidate of each sentence decides; highest score first.
    scores = {
        c.sentence: c.score for c in Candidate.objects.select_related("sentence").order_by("pk")
    }
    ranked = sorted(scores, key=scores.get, reverse=True)
    # The fixture's point: the order goes from one article to the other and back.
    assert [s.article_id for s in ranked[:3]] == [
        seed_article.pk,
        outcome.article_id,
        seed_article.pk,
    ]

    page = log_in("reviewer", "pw-reviewer")
    # Shortcuts work in an article: start in the other one, on its first sentence.
    page.goto(f"{live_server.url}/articles/{outcome.article_id}/")
    expect(page.locator("#s0")).to_be_focused()
    for sentence, key in zip(ranked[:3], "103", strict=True):
        page.keyboard.press("g")
        expect(page).to_have_url(
            f"{live_server.url}/articles/{sentence.article_id}/?at={sentence.index}#s{sentence.index}"
        )
        expect(page.locator(f"#s{sentence.index}")).to_be_focused()
        page.keyboard.press(key)  # labelled, it is no longer next
        expect(page.locator(f"#s{sentence.index} .status")).to_have_text("Saved ✓")

    # Everything labelled: g comes back to the article list and says so.
    Annotation.objects.bulk_create(
        Annotation(sentence=sentence, reviewer=reviewer, label="not_claim")
        for sentence in ranked[3:]
    )
    page.keyboard.press("g")
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Articles")).to_be_visible()
    expect(page.locator(".messages")).to_contain_text("Nothing left to label")
    assert script_errors == []
