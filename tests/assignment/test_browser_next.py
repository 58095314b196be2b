"""Acceptance, in Debian's Chromium through Playwright: `g` on the sentence "next" gave me,
before labelling it, passes it over; on a sentence I only wandered to, it changes nothing."""

import pytest

from annotations.assignment.models import ReviewClaim
from tests.conftest import make_reviewer
from tests.reviewing import sentence

# The browser tests' shared fixtures (a logged-in page, script errors, the role groups).
from tests.web.conftest import log_in, role_groups, script_errors  # noqa: F401

from .conftest import scored_article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_g_on_the_sentence_handed_to_me_gives_me_another(
    log_in,  # noqa: F811
    live_server,
    role_groups,  # noqa: F811
    script_errors,  # noqa: F811
):
    from playwright.sync_api import expect

    article = scored_article("Scored", [0.2, 0.9, 0.5], "https://a.example/scored")
    reviewer = make_reviewer("reviewer")
    page = log_in("reviewer", "pw-reviewer")
    at = f"{live_server.url}/articles/{article.pk}/"

    page.get_by_role("link", name="Next unlabelled").click()
    expect(page).to_have_url(f"{at}?at=1#s1")
    expect(page.locator("#s1")).to_be_focused()
    page.keyboard.press("g")  # not labelled: passed over
    expect(page).to_have_url(f"{at}?at=2#s2")
    claims = ReviewClaim.objects.filter(reviewer=reviewer)
    assert claims.get(sentence=sentence(article, 1)).skipped

    page.keyboard.press("1")
    expect(page.locator("#s2 .status")).to_have_text("Saved ✓")
    expect(page.locator("#s0")).to_be_focused()  # the next one without my label
    page.keyboard.press("g")  # s0 was never handed to me: it stays mine to get
    expect(page).to_have_url(f"{at}?at=0#s0")
    assert not claims.get(sentence=sentence(article, 0)).skipped
    assert script_errors == []
