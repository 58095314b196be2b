"""The public claim review page: open to anyone, only for reviewed claims of shown articles,
with the claim in context, its evidence, and the export's own JSON-LD embedded inertly."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.corpus.models import Article
from annotations.export.claimreview import claim_review, review_url
from annotations.export.selectors import ExportFilters, export_rows
from annotations.moderation.services import adjudicate, moderate
from annotations.review.models import Annotation
from tests.conftest import make_reviewer
from tests.reviewing import label, load_article, sentence

BODY = (
    "The shelling began at dawn. "
    "The ministry said 12 people were hurt in the attack. "
    "Rescue teams arrived later."
)
ATTACK = "</script><script>alert(1)</script>"
JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


@pytest.fixture(autouse=True)
def publisher(settings):
    settings.SITE_URL = "https://claims.example.org"
    settings.CLAIMREVIEW_ORGANISATION = "Example Checks"
    settings.CLAIMREVIEW_ORGANISATION_URL = "https://checks.example.org"


@pytest.fixture
def article(db):
    return load_article(title="Shelling near Kyiv", body=BODY, url="https://news.example.com/k")


def page_path(sentence_id: int) -> str:
    return reverse("annotations:claim_review", args=[sentence_id])


def page(client, sentence_id: int):
    return client.get(page_path(sentence_id))


def embedded(response) -> dict:
    [found] = JSON_LD.findall(response.content.decode())
    return json.loads(found)


def exported_review(sentence_id: int, article_id: int) -> dict:
    """The ClaimReview of the sentence as the dataset export builds it."""
    [row] = [
        row
        for batch in export_rows(ExportFilters(articles=(article_id,)), salt="export")
        for row in batch
        if row["sentence_id"] == sentence_id
    ]
    return claim_review(
        row,
        organisation="Example Checks",
        organisation_url="https://checks.example.org",
        url=review_url("https://claims.example.org", sentence_id),
    )


def test_anyone_sees_a_reviewed_claim_in_context_with_its_evidence(client, article):
    claim = sentence(article, 1)
    alice, bob = make_reviewer("alice-reviews"), make_reviewer("bob-reviews")
    label(
        claim,
        alice,
        "sourced",
        claimant="The ministry",
        source_name="Ukrinform",
        evidence_url="https://evidence.example/report",
        span_start=0,
        span_end=17,
    )
    label(claim, bob, "sourced", claimant="Defence officials", span_start=0, span_end=17)

    response = page(client, claim.pk)  # nobody logged in

    assert response.status_code == 200
    html = response.content.decode()
    assert "The shelling began at dawn." in html  # the previous sentence
    assert "Rescue teams arrived later." in html  # the next one
    assert '<mark title="the claim reviewed">The ministry said</mark> 12 people' in html
    assert "Sourced (the majority of reviewers&#x27; labels)" in html
    assert "The ministry, Defence officials" in html
    assert "Ukrinform" in html
    assert '<a href="https://evidence.example/report" rel="nofollow noopener">' in html
    assert '<a href="https://news.example.com/k" rel="nofollow noopener">Shelling near Kyiv' in html
    assert '<a href="https://checks.example.org">Example Checks</a>' in html
    assert "alice-reviews" not in html and "bob-reviews" not in html  # no reviewer shown
    review = embedded(response)
    assert review["url"] == f"https://claims.example.org/claims/{claim.pk}/"
    # The permalink is the page the URL configuration serves.
    assert review["url"] == "https://claims.example.org" + page_path(claim.pk)
    assert review["claimReviewed"] == "The ministry said"
    assert review == exported_review(claim.pk, article.pk)


def test_an_adjudicated_claim_says_a_moderator_decided_it(client, article, reviewer, moderator):
    claim = sentence(article, 0)
    label(claim, reviewer, "not_claim")
    adjudicate(sentence=claim, actor=moderator, label="false_flag", reason="staged")

    response = page(client, claim.pk)

    assert response.status_code == 200
    assert "&quot;False flag&quot; allegation (decided by a moderator)" in response.content.decode()
    assert embedded(response)["reviewRating"]["ratingValue"] == 1


def test_no_page_for_what_is_not_a_reviewed_claim_nor_for_a_hidden_article(
    client, article, reviewer
):
    not_claim, unlabelled, claim = (sentence(article, i) for i in range(3))
    label(not_claim, reviewer, "not_claim")
    label(claim, reviewer, "disputed")
    assert page(client, claim.pk).status_code == 200

    assert page(client, not_claim.pk).status_code == 404
    assert page(client, unlabelled.pk).status_code == 404
    assert page(client, claim.pk + 1000).status_code == 404
    Article.objects.filter(pk=article.pk).update(hidden=True)
    assert page(client, claim.pk).status_code == 404


def test_a_rejected_label_alone_makes_no_claim(client, article, reviewer, moderator):
    claim = sentence(article, 1)
    moderate(
        annotation=label(claim, reviewer, "sourced"),
        actor=moderator,
        decision="reject",
        reason="no source in the text",
    )
    assert page(client, claim.pk).status_code == 404


def test_markup_in_the_claim_stays_inert_in_the_page_and_in_its_json_ld(client, reviewer):
    article = load_article(
        body=f"The ministry said {ATTACK} was staged. Nothing else.", url="https://e.example/x"
    )
    claim = sentence(article, 0)
    assert ATTACK in claim.text
    label(claim, reviewer, "false_flag", claimant=ATTACK, source_name=f"<b>{ATTACK}</b>")

    response = page(client, claim.pk)

    html = response.content.decode()
    assert "<script>alert(1)" not in html
    assert html.count("<script") == 1  # the JSON-LD element alone
    assert html.count("</script>") == 1
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    review = embedded(response)
    assert ATTACK in review["claimReviewed"]
    assert review["itemReviewed"]["author"] == [{"@type": "Person", "name": ATTACK}]
    assert review == exported_review(claim.pk, article.pk)


def test_an_evidence_address_that_is_not_a_web_address_is_shown_but_never_linked(
    client, article, reviewer
):
    claim = sentence(article, 1)
    annotation = label(claim, reviewer, "sourced")
    # Stored past the form's validation (an import, the shell): the page still links nothing.
    Annotation.objects.filter(pk=annotation.pk).update(evidence_url="javascript:alert(1)")

    html = page(client, claim.pk).content.decode()

    assert "javascript:alert(1)" in html
    assert 'href="javascript:' not in html


def test_the_page_reads_as_many_queries_whatever_the_number_of_labels(client, article):
    few, many = sentence(article, 0), sentence(article, 2)
    label(few, make_reviewer("r0"), "sourced", claimant="A")
    for n in range(1, 6):
        label(many, make_reviewer(f"r{n}"), "disputed", claimant=f"C{n}", source_name=f"S{n}")

    counts = []
    for claim in (few, many):
        with CaptureQueriesContext(connection) as queries:
            assert page(client, claim.pk).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1] <= 5
