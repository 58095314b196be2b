"""The review UI for keyboard-only and screen-reader reviewers, in Debian's Chromium: axe-core finds
no WCAG 2.1 A/AA violation on any page; Tab never changes which sentence the label buttons act
on; outcomes are announced in one live region; shortcuts stay in the article and can be turned
off; nothing focused hides under the toolbar; dialogs open at their top."""

import pytest

from annotations.moderation.services import moderate
from annotations.review.models import Annotation, ReviewerSettings
from tests.conftest import ROOT
from tests.reviewing import label, sentence
from tests.web.routes import RequestSwitch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# axe-core from npm (package.json; `make install-dev` runs `npm ci`), loaded into every page of a
# browser context before the page's own scripts (an injected tag could race the page's loads).
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SMALL_ZOOMED = {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2}


def with_axe(context):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (make install-dev does)")
    context.add_init_script(path=str(AXE))


def violations(page) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now, one line each."""
    found = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_21_AA
    )["violations"]
    return [f"{v['id']}: {[node['target'] for node in v['nodes']]}" for v in found]


def open_article(page, live_server, article, first="#s0"):
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/articles/{article.pk}/")
    expect(page.locator(first)).to_be_focused()  # the page's script has run


def test_no_page_has_an_accessibility_violation(
    log_in, live_server, users, seed_article, script_errors, browser
):
    from playwright.sync_api import expect

    anonymous = browser.new_context()
    with_axe(anonymous)
    login = anonymous.new_page()
    login.goto(f"{live_server.url}/accounts/login/")
    assert violations(login) == [], "login"
    anonymous.close()
    page = log_in("reviewer", "pw-reviewer")
    with_axe(page.context)
    page.reload()
    assert violations(page) == [], "article list"

    open_article(page, live_server, seed_article)
    assert violations(page) == [], "review page"
    page.keyboard.press("1")
    expect(page.locator("#s0 .status")).to_have_text("Saved ✓")
    assert violations(page) == [], "review page with a label"
    page.keyboard.press("?")
    expect(page.locator("#help-dialog")).to_be_visible()
    assert violations(page) == [], "help dialog"
    page.keyboard.press("Escape")
    page.keyboard.press("n")
    expect(page.locator("#details-dialog")).to_be_visible()
    assert violations(page) == [], "note dialog"
    page.keyboard.press("Escape")

    page.goto(f"{live_server.url}/search/?q=Kyiv")
    assert violations(page) == [], "search"
    page.goto(f"{live_server.url}/api/token/")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("status")).to_contain_text("Token created.")
    assert violations(page) == [], "token page with a message"
    Annotation.objects.all().delete()
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.get_by_role("heading", name="Fact-check annotation API")).to_be_visible()
    assert violations(page) == [], "Swagger UI"
    page.goto(f"{live_server.url}/api/redoc/")
    expect(page.get_by_role("heading", name="Fact-check annotation API")).to_be_visible()
    assert violations(page) == [], "Redoc"
    assert script_errors == []


def test_no_moderation_page_has_an_accessibility_violation(
    log_in, live_server, users, seed_article, moderator_account, script_errors
):
    from playwright.sync_api import expect

    reviewer, other = users
    for index in (0, 3):
        label(
            sentence(seed_article, index),
            reviewer,
            "sourced",
            note="checked",
            span_start=0,
            span_end=9,
            evidence_url="https://example.org/source",
        )
        label(sentence(seed_article, index), other, "disputed")
    moderate(
        annotation=reviewer.annotations.first(),
        actor=moderator_account,
        decision="reject",
        reason="Source missing or wrong",
    )
    page = log_in("moderator", "pw-moderator")
    with_axe(page.context)
    page.goto(f"{live_server.url}/moderation/")
    expect(page.locator(".queue-item").first).to_be_focused()  # the page's script has run
    assert violations(page) == [], "moderation queue"
    for key, dialog in (
        ("r", "#reject-dialog"),
        ("d", "#adjudicate-dialog"),
        ("?", "#help-dialog"),
    ):
        page.keyboard.press(key)
        expect(page.locator(dialog)).to_be_visible()
        assert violations(page) == [], dialog
        page.keyboard.press("Escape")
    page.keyboard.press("h")
    expect(page.locator("#history-dialog")).to_contain_text("Created")
    assert violations(page) == [], "history drawer"
    page.keyboard.press("Escape")
    page.keyboard.press("a")
    expect(page.locator("#moderation-status")).to_contain_text("Approved")
    page.keyboard.press("x")
    assert violations(page) == [], "moderation queue after a decision, a label selected"
    url = f"/moderation/?tab=pending&article={seed_article.pk}&reviewer={other.pk}&since=nope"
    page.goto(f"{live_server.url}{url}")
    expect(page.get_by_role("button", name="Approve all 2 pending labels")).to_be_visible()
    assert violations(page) == [], "filtered queue with a bad filter and the bulk decision"
    page.goto(f"{live_server.url}/moderation/?tab=decided")
    assert violations(page) == [], "recently decided"
    page.goto(f"{live_server.url}/moderation/reviewers/")
    assert violations(page) == [], "reviewers"
    page.get_by_role("link", name="Deactivate other").click()
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Deactivate other").click()
    expect(
        page.get_by_text("To reject their pending labels, pick or type a reason.")
    ).to_be_visible()
    assert violations(page) == [], "deactivation refused"
    page.goto(f"{live_server.url}/moderation/history/")
    assert violations(page) == [], "history"
    open_article(page, live_server, seed_article)
    assert violations(page) == [], "review page of a moderator"
    assert script_errors == []


def test_a_reviewers_rejected_label_and_its_history_are_accessible(
    log_in, live_server, users, seed_article, moderator_account
):
    from playwright.sync_api import expect

    reviewer, _ = users
    rejected = label(sentence(seed_article, 0), reviewer, "sourced")
    moderate(annotation=rejected, actor=moderator_account, decision="reject", reason="Wrong label")
    page = log_in("reviewer", "pw-reviewer")
    with_axe(page.context)
    open_article(page, live_server, seed_article, first="#s1")
    assert violations(page) == [], "review page with a rejected label"
    page.keyboard.press("k")
    page.keyboard.press("h")
    expect(page.locator("#history-dialog")).to_contain_text("Wrong label")
    assert violations(page) == [], "history drawer of a reviewer"


def test_every_page_has_a_title_of_its_own(log_in, live_server, users, seed_article):
    page = log_in("reviewer", "pw-reviewer")
    titles = [page.title()]
    for path in (f"/articles/{seed_article.pk}/", "/search/", "/api/token/"):
        page.goto(f"{live_server.url}{path}")
        titles.append(page.title())
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    titles.append(page.title())
    assert titles == [
        "Articles · Fact-check annotations",
        f"{seed_article.title} · Fact-check annotations",
        "Search sentences · Fact-check annotations",
        "API token · Fact-check annotations",
        "Log in · Fact-check annotations",
    ]


def test_tab_to_the_label_buttons_labels_the_sentence_i_was_on(
    log_in, live_server, users, seed_article, script_errors
):
    from playwright.sync_api import expect

    page = log_in("reviewer", "pw-reviewer")
    open_article(page, live_server, seed_article)
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(page.locator("#s2")).to_be_focused()
    # Tab: the sentence's own reasons, then the label buttons; never another sentence.
    page.keyboard.press("Tab")
    expect(page.locator("#s2 summary")).to_be_focused()
    toolbar = page.get_by_role("group", name="Label the current sentence")
    disputed = toolbar.get_by_role("button", name="Disputed")
    for _ in range(10):
        if disputed.evaluate("button => button === document.activeElement"):
            break
        page.keyboard.press("Tab")
    expect(disputed).to_be_focused()
    # The button says which sentence it acts on.
    expect(disputed).to_have_accessible_description("Sentence 3")
    page.keyboard.press("Enter")
    expect(page.locator("#save-status")).to_have_text("Sentence 3 saved as Disputed.")
    labelled = Annotation.objects.select_related("sentence").get()
    assert (labelled.sentence.index, labelled.label) == (2, "disputed")
    assert script_errors == []


def test_a_sentence_is_announced_with_its_text_my_label_and_the_suggestion(
    log_in, live_server, users, seed_article
):
    from playwright.sync_api import expect

    page = log_in("reviewer", "pw-reviewer")
    open_article(page, live_server, seed_article)
    third = page.locator("#s3")
    expect(third).to_have_accessible_name("Sentence 4")
    text = seed_article.sentences.get(index=3).text
    expect(third).to_have_accessible_description(
        f"{text} My label: Not labelled Suggested: 0.77 Sourced?"
    )
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("1")
    expect(third).to_have_accessible_description(
        f"{text} My label: Sourced Pending review Suggested: 0.77 Sourced?"
    )


def test_the_live_region_announces_saves_conflicts_failures_and_retries(
    log_in, live_server, users, seed_article, script_errors
):
    from playwright.sync_api import expect

    reviewer, _ = users
    page = log_in("reviewer", "pw-reviewer")
    saves = RequestSwitch(page, "**/annotations/save")
    open_article(page, live_server, seed_article)
    status = page.locator("#save-status")
    page.keyboard.press("2")
    expect(status).to_have_text("Sentence 1 saved as Disputed.")
    page.keyboard.press("k")
    page.keyboard.press("x")
    expect(status).to_have_text("Sentence 1: label cleared.")

    # Another tab labels sentence 2 meanwhile: this page's save is refused, and says why.
    second = seed_article.sentences.get(index=1)
    Annotation.objects.create(sentence=second, reviewer=reviewer, label="not_claim")
    page.keyboard.press("j")
    page.keyboard.press("1")
    expect(status).to_contain_text("Sentence 2: Not saved: this label was changed elsewhere")

    # The connection fails: announced, kept, and "Retry now" sends it and keeps the focus.
    saves.mode = "abort"
    page.keyboard.press("3")
    expect(status).to_contain_text("not saved (connection or server problem)")
    expect(status).to_contain_text("1 sentence not saved: sent again with your next action.")
    saves.mode = "pass"
    current = page.evaluate("document.activeElement.id")
    status.get_by_role("button", name="Retry now").click()
    expect(status).to_contain_text("saved as")
    expect(page.locator(f"#{current}")).to_be_focused()
    assert script_errors == []


def test_shortcuts_stay_in_the_article_and_can_be_turned_off(
    log_in, live_server, users, seed_article, script_errors
):
    from playwright.sync_api import expect

    reviewer, _ = users
    page = log_in("reviewer", "pw-reviewer")
    open_article(page, live_server, seed_article)
    # On a header link, keys are the browser's (and a screen reader's), not shortcuts.
    page.get_by_role("link", name="Search sentences").focus()
    for key in ("1", "0", "x", "g", "j"):
        page.keyboard.press(key)
    expect(page).to_have_url(f"{live_server.url}/articles/{seed_article.pk}/")
    assert not Annotation.objects.exists()

    # Turned off in the help dialog, and remembered for the reviewer.
    open_article(page, live_server, seed_article)
    page.keyboard.press("?")
    page.get_by_label("Single-key shortcuts").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text("Single-key shortcuts turned off.")
    assert ReviewerSettings.objects.get(user=reviewer).shortcuts is False
    open_article(page, live_server, seed_article)
    for key in ("1", "x", "n", "?", "g"):
        page.keyboard.press(key)
    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(page).to_have_url(f"{live_server.url}/articles/{seed_article.pk}/")
    page.keyboard.press("ArrowDown")  # not a character key: it still moves
    expect(page.locator("#s1")).to_be_focused()
    assert not Annotation.objects.exists()
    # The buttons still work, without their key hints.
    toolbar = page.get_by_role("group", name="Label the current sentence")
    expect(toolbar.get_by_role("button", name="Sourced", exact=True)).to_be_visible()
    toolbar.get_by_role("button", name="Sourced", exact=True).click()
    expect(page.locator("#save-status")).to_have_text("Sentence 2 saved as Sourced.")
    assert script_errors == []


@pytest.mark.parametrize(
    "window",
    [SMALL_ZOOMED, {"viewport": {"width": 1280, "height": 800}}],
    ids=["640x400 at 200%", "1280x800"],
)
def test_nothing_focused_hides_under_the_toolbar(log_in, live_server, users, seed_article, window):
    page = log_in("reviewer", "pw-reviewer", **window)
    open_article(page, live_server, seed_article)

    def assert_in_the_clear(where):
        focused = page.evaluate(
            "() => { const el = document.activeElement, r = el.getBoundingClientRect();"
            " return {tag: el.tagName, top: r.top, bottom: r.bottom,"
            " inToolbar: el.closest('#toolbar') !== null}; }"
        )
        bar = page.locator("#toolbar").bounding_box()
        covered = focused["bottom"] > bar["y"] and focused["top"] < bar["y"] + bar["height"]
        assert focused["inToolbar"] or not covered, f"{where}: {focused} under {bar}"

    for index in range(19):
        if index:
            page.keyboard.press("j")
        assert_in_the_clear(f"sentence {index + 1}")
        page.keyboard.press("Tab")  # its reasons, or the label buttons
        assert_in_the_clear(f"Tab from sentence {index + 1}")
        page.keyboard.press("Shift+Tab")


def test_dialogs_open_at_their_top_with_their_subject_in_view(
    log_in, live_server, users, seed_article
):
    from playwright.sync_api import expect

    page = log_in("reviewer", "pw-reviewer", **SMALL_ZOOMED)
    open_article(page, live_server, seed_article)
    page.keyboard.press("?")
    expect(page.locator("#help-title")).to_be_focused()
    expect(page.locator("#help-title")).to_be_in_viewport()
    assert page.evaluate("document.getElementById('help-dialog').scrollTop") == 0
    page.keyboard.press("Escape")
    expect(page.locator("#s0")).to_be_focused()

    page.keyboard.press("n")
    expect(page.locator("#details-note")).to_be_focused()
    expect(page.locator("#details-sentence")).to_be_in_viewport()
    expect(page.locator("#details-note")).to_be_in_viewport()
