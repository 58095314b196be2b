"""Every page and form of the web UI, as a superuser (every moderator form is open to them),
with hostile values in every field it reads: NUL, a lone surrogate's bytes, right-to-left
marks, superscript digits, huge and negative numbers, overlong strings, a "%". Never a 5xx, and
a refused form leaves every table as it was."""

from urllib.parse import quote

import pytest
from django.contrib.auth.models import User

from annotations.corpus.models import Article, Sentence
from annotations.export.models import ExportJob
from annotations.review.models import Adjudication, Annotation, History
from annotations.review.services import annotation_save
from tests.reviewing import load_article, sentence

pytestmark = pytest.mark.django_db

COUNTED = [Article, Sentence, Annotation, Adjudication, History, ExportJob, User]
# Every field name a page or form of the UI reads.
# fmt: off
FIELDS = [
    "a", "after", "annotation", "article", "articles", "at", "b", "before", "bom", "change",
    "claimant", "clear", "clear_span", "contested", "decision", "evidence_url", "expected_version",
    "format", "label", "min_agreement", "next", "note", "other_reason", "page", "progress", "q",
    "reason", "reject_pending", "reviewer", "reviewers", "salt", "sentence", "shortcuts", "since",
    "skip", "sort", "source_name", "span_end", "span_start", "status", "tab", "test", "train",
    "until", "user", "username", "password", "old_password", "new_password1", "new_password2",
    "detector_version", "detector_version__id__exact", "suggested_label__exact",
]
# fmt: on
# Percent-encoded as sent; "%ED%A0%80" is a lone surrogate's bytes, not UTF-8.
VALUES = [
    *(quote(v) for v in ("a\x00b", "\u202e\u200fx", "²", "-1", "9" * 30, "%s", "x" * 10_000)),
    "%ED%A0%80",
]
GETS = [
    "/",
    "/articles/{article}/",
    "/articles/{article}/sentences",
    "/next/",
    "/search/",
    "/history/sentence",
    "/claims/{sentence}/",
    "/moderation/",
    "/moderation/reviewers/",
    "/moderation/dashboard/",
    "/moderation/history/",
    "/moderation/exports/",
    "/admin/annotations/candidate/",
]
POSTS = [
    "/annotations/save",
    "/annotations/clear",
    "/settings",
    "/moderation/decide",
    "/moderation/adjudicate",
    "/moderation/article",
    "/moderation/bulk",
    "/moderation/reviewers/{reviewer}/deactivate",
    "/moderation/exports/",
    "/accounts/password_change/",
]


@pytest.fixture
def world(client, reviewer):
    article = load_article(body="Russia said it would withdraw. Nobody believed it.")
    first = sentence(article, 0)
    annotation_save(sentence=first, reviewer=reviewer, changes={"label": "sourced"})
    client.force_login(User.objects.create_superuser("root", password="pw-root"))
    return client, {"article": article.pk, "sentence": first.pk, "reviewer": reviewer.pk}


def counts() -> list[int]:
    return [model.objects.count() for model in COUNTED]


@pytest.mark.parametrize("value", VALUES, ids=lambda value: value[:12])
def test_hostile_values_in_every_field_never_fail_a_page(world, value):
    client, ids = world
    query = "&".join(f"{name}={value}" for name in FIELDS)
    for url in GETS:
        response = client.get(f"{url.format(**ids)}?{query}", headers={"HX-Request": "true"})
        assert response.status_code < 500, url
    # The admin's filter on its own, as its link sends it.
    response = client.get(f"/admin/annotations/candidate/?detector_version__id__exact={value}")
    assert response.status_code < 500
    for url in POSTS:
        before = counts()
        response = client.post(
            url.format(**ids), query, content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code < 500, url
        if response.status_code >= 400:
            assert counts() == before, f"{url} refused the form but changed the database"


@pytest.mark.parametrize("value", VALUES, ids=lambda value: value[:12])
def test_hostile_logins_are_refused_cleanly(client, db, value):
    query = f"username={value}&password={value}"
    for url in ("/accounts/login/", "/admin/login/"):
        response = client.post(url, query, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 200 and "_auth_user_id" not in client.session, url
