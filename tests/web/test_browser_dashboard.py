"""The dashboard in Debian's Chromium, on generated data: charts drawn, numbers in tables, no
accessibility violation, two reviewers compared from the keyboard. Writes docs/dashboard.png
with FACTCHECK_UPDATE_SCREENSHOT=1."""

import datetime
import os
import random
import shutil

import pytest
from django.db import transaction
from django.utils import timezone

from annotations.agreement.models import AgreementSnapshot
from annotations.agreement.services import refresh_snapshots
from annotations.corpus.models import Sentence
from annotations.labels import Label
from annotations.review.models import Annotation
from annotations.review.services import retally
from tests.conftest import ROOT, make_reviewer
from tests.reviewing import load_article, long_body
from tests.web.test_accessibility import violations, with_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

README_SCREENSHOT = ROOT / "docs" / "dashboard.png"
DAYS = 14


@pytest.fixture
def two_weeks_of_reviews(role_groups):
    """Six reviewers label two articles a day for two weeks, agreeing more as they go; the
    agreement snapshots are refreshed at the end of each day."""
    rng = random.Random(12)
    people = [make_reviewer(name) for name in ("amira", "ben", "chloe", "dmitri", "eva", "femi")]
    labels = Label.values
    today = timezone.now()
    for day in range(DAYS):
        when = today - datetime.timedelta(days=DAYS - 1 - day)
        agreeing = 0.45 + 0.035 * day
        rows = []
        for n in range(2):
            title = f"Report {day * 2 + n + 1}: shelling near the plant"
            article = load_article(title, long_body(9), f"https://example.com/{day}-{n}")
            for s in Sentence.objects.filter(article=article):
                truth = rng.choice(labels)
                for person in rng.sample(people, 2):
                    given = truth if rng.random() < agreeing else rng.choice(labels)
                    rows.append(Annotation(sentence=s, reviewer=person, label=given))
        made = Annotation.objects.bulk_create(rows)
        Annotation.objects.filter(pk__in=[a.pk for a in made]).update(created_at=when)
        with transaction.atomic():  # as the services do, label by label
            retally({a.sentence_id for a in made})
        refresh_snapshots(everything=True)
        AgreementSnapshot.objects.filter(article=None, day=today.date()).update(day=when.date())
    return people


def test_a_moderator_reads_the_dashboard(
    log_in, live_server, moderator_account, two_weeks_of_reviews, script_errors, tmp_path
):
    from playwright.sync_api import expect

    page = log_in("moderator", "pw-moderator", viewport={"width": 1280, "height": 1000})
    with_axe(page.context)
    page.get_by_role("link", name="Moderation").click()
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()

    # Each chart is drawn, and its table holds the numbers.
    assert page.locator("#per-day ~ div svg rect").count() > DAYS
    assert page.locator("#per-reviewer ~ div svg rect").count() >= 6
    expect(page.locator("#over-time ~ div svg polyline")).to_have_count(3)
    per_day = page.get_by_role("table", name="Labels per day, by label").locator("tbody tr")
    expect(per_day).to_have_count(30)
    history = page.get_by_role("table", name="The project's agreement at the end of each day")
    expect(history.locator("tbody tr")).to_have_count(DAYS)
    assert violations(page) == []

    page.screenshot(path=tmp_path / "dashboard.png")
    if os.environ.get("FACTCHECK_UPDATE_SCREENSHOT") == "1":
        shutil.copy(tmp_path / "dashboard.png", README_SCREENSHOT)

    # Two reviewers compared, from the keyboard.
    page.get_by_label("Reviewer", exact=True).focus()
    page.keyboard.press("End")  # femi
    page.keyboard.press("Tab")
    page.keyboard.press("Home")  # amira
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    caption = page.locator("#confusion ~ div table caption")
    expect(caption).to_contain_text("Rows: femi's labels; columns: amira's.")
    expect(page.locator("#confusion ~ div table tbody tr")).to_have_count(len(Label.values))
    assert violations(page) == []
    assert script_errors == []
