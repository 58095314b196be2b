"""The Content-Security-Policy holds on the pages reviewers and moderators use: Chromium reports
no violation (nothing inline, nothing from elsewhere) while they load and are used."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Recorded by the page itself from its first script on, whatever loads after.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def violations(page, console: list[str]) -> list[str]:
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__cspViolations") + console


def watched(context, console: list[str]):
    context.add_init_script(LISTEN)
    page = context.new_page()
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and console.append(message.text),
    )
    return page


def test_no_policy_violation_on_the_login_and_reviewing_pages(
    browser, live_server, log_in, seed_article, users, moderator_account
):
    from playwright.sync_api import expect

    console: list[str] = []
    anonymous = browser.new_context()
    page = watched(anonymous, console)
    page.goto(f"{live_server.url}/accounts/login/")
    assert violations(page, console) == []
    anonymous.close()

    page = log_in("moderator", "pw-moderator")
    context = page.context
    page.close()
    page = watched(context, console)
    for path in ("/", "/moderation/", "/moderation/dashboard/", "/search/?q=Kyiv"):
        page.goto(f"{live_server.url}{path}")
        assert violations(page, console) == [], path

    page.goto(f"{live_server.url}/articles/{seed_article.pk}/")
    first = page.locator(".sentence").first
    first.focus()
    page.keyboard.press("1")  # label it: the saved fragment is swapped in
    expect(first.get_by_text("Saved")).to_be_visible()
    page.keyboard.press("?")  # the help dialog
    assert violations(page, console) == []


# Redoc's menu shows its vendor's logo from outside; refused, it hides itself.
REDOC_LOGO = "img-src https://cdn.redoc.ly/redoc/logo-mini.svg"


@pytest.mark.parametrize("page_path", ["/api/docs/", "/api/redoc/"])
def test_no_policy_violation_on_the_api_documentation(browser, live_server, page_path):
    from playwright.sync_api import expect

    console: list[str] = []
    context = browser.new_context()
    page = watched(context, console)
    page.goto(f"{live_server.url}{page_path}")
    expect(page.get_by_text("/api/articles/").first).to_be_attached()
    found = violations(page, console)
    assert [v for v in found if v != REDOC_LOGO and "logo-mini.svg" not in v] == []
    context.close()
