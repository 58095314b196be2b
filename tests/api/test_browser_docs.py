"""The API documentation pages, in Debian's Chromium: they render and fetch nothing from outside."""

from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("page_path", ["/api/docs/", "/api/redoc/"])
def test_the_api_docs_render_without_fetching_from_other_hosts(browser, live_server, page_path):
    from playwright.sync_api import expect

    here = urlsplit(live_server.url).netloc
    context = browser.new_context()
    page = context.new_page()
    outside = []

    def note_outside(request):
        if urlsplit(request.url).netloc not in ("", here):  # "" for data: and blob: URLs
            outside.append(request)

    page.on("request", note_outside)
    page.goto(f"{live_server.url}{page_path}")
    expect(page.get_by_text("Fact-check annotation API").first).to_be_visible()
    expect(page.get_by_text("/api/articles/").first).to_be_attached()
    page.wait_for_load_state("networkidle")
    # Offline, an outside fetch fails too, but with a network error rather than "csp".
    assert [request.url for request in outside if request.failure != "csp"] == []
    context.close()
