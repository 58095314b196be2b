"""The ClaimReview JSON-LD: valid against docs/claimreview.schema.json (Draft 2020-12) on
hand-made, generated and exported rows, its rating scale, and none for what is not a claim."""

import copy
import json
from datetime import date

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotations.export.claimreview import RATING_NAMES, claim_review, review_url
from annotations.export.selectors import ExportFilters, export_rows
from annotations.labels import Label
from tests.conftest import ROOT, make_reviewer
from tests.reviewing import label, load_article, sentence

SCHEMA = json.loads((ROOT / "docs" / "claimreview.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(
    SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)
PUBLISHER = {"organisation": "Example Checks", "organisation_url": "https://checks.example.org"}
URL = "https://claims.example.org/claims/7/"


def annotation(label_value="sourced", span=None, status="approved", claimant="") -> dict:
    return {
        "reviewer": "r-0123456789",
        "label": label_value,
        "span_start": span[0] if span else None,
        "span_end": span[1] if span else None,
        "claimant": claimant,
        "source_name": "",
        "evidence_url": "",
        "note": "",
        "moderation_status": status,
        "updated_at": "2026-03-02T10:00:00+00:00",
    }


def a_row(final_label="sourced", **changes) -> dict:
    """A sentence row in the export's shape (selectors.export_rows)."""
    row = {
        "article_id": 3,
        "article_url": "https://news.example.com/shelling",
        "article_title": "Shelling near Kyiv",
        "published_on": "2022-02-23",
        "sentence_id": 7,
        "sentence_index": 1,
        "paragraph": 0,
        "start": 10,
        "end": 60,
        "text": "Officials said 12 people were hurt, Reuters reported.",
        "candidate_score": 0.8,
        "suggested_label": "sourced",
        "detector_version": "rules-1",
        "annotations": [annotation(final_label or "not_claim")],
        "label_counts": {"sourced": 1, "disputed": 0, "false_flag": 0, "not_claim": 0},
        "final_label": final_label,
        "final_basis": "majority" if final_label else "unlabelled",
        "adjudication_note": "",
        "decided_at": "2026-03-02T10:00:00+00:00",
        "claimants": ["Officials"],
        "sources": ["Reuters"],
        "evidence_urls": ["https://reuters.example/report"],
        "agreement": None,
    }
    return {**row, **changes}


def review_of(row: dict) -> dict | None:
    return claim_review(row, **PUBLISHER, url=URL)


def test_the_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize(
    ("final_label", "value", "name"),
    [
        ("sourced", 3, "Sourced"),
        ("disputed", 2, "Disputed"),
        ("false_flag", 1, '"False flag" allegation'),
    ],
)
def test_each_claim_label_has_its_rating_on_the_documented_scale(final_label, value, name):
    review = review_of(a_row(final_label))
    VALIDATOR.validate(review)
    assert review["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": value,
        "bestRating": 3,
        "worstRating": 1,
        "alternateName": name,
    }


def test_the_rating_names_are_the_labels_display_names():
    display_names = {value: name for value, name in Label.choices if value != "not_claim"}
    assert display_names == RATING_NAMES


@pytest.mark.parametrize("final_label", ["not_claim", None])
def test_no_review_for_a_sentence_that_is_not_a_claim(final_label):
    assert review_of(a_row(final_label)) is None


def test_a_review_names_the_claim_its_article_the_publisher_and_its_permalink():
    review = review_of(a_row("disputed", decided_at="2026-03-04T09:30:00+00:00"))
    VALIDATOR.validate(review)
    assert review["@context"] == "https://schema.org"
    assert review["@type"] == "ClaimReview"
    assert review["url"] == URL
    assert review["claimReviewed"] == "Officials said 12 people were hurt, Reuters reported."
    assert review["itemReviewed"] == {
        "@type": "Claim",
        "author": [{"@type": "Person", "name": "Officials"}],
        "datePublished": "2022-02-23",
        "appearance": [
            {
                "@type": "CreativeWork",
                "url": "https://news.example.com/shelling",
                "headline": "Shelling near Kyiv",
            }
        ],
    }
    assert review["author"] == {
        "@type": "Organization",
        "name": "Example Checks",
        "url": "https://checks.example.org",
    }
    assert review["datePublished"] == "2026-03-04T09:30:00+00:00"


def test_the_claim_author_is_left_out_when_no_claimant_was_named_and_listed_when_several():
    assert "author" not in review_of(a_row(claimants=[]))["itemReviewed"]
    review = review_of(a_row(claimants=["Officials", "The ministry"]))
    VALIDATOR.validate(review)
    assert [author["name"] for author in review["itemReviewed"]["author"]] == [
        "Officials",
        "The ministry",
    ]


def test_the_organisation_url_is_left_out_when_not_configured():
    review = claim_review(a_row(), organisation="Example Checks", organisation_url="", url=URL)
    VALIDATOR.validate(review)
    assert review["author"] == {"@type": "Organization", "name": "Example Checks"}


def test_the_claim_reviewed_is_the_span_the_final_labels_reviewers_marked():
    text = "Officials said 12 people were hurt, Reuters reported."
    spans = [
        annotation("sourced", span=(0, 34)),
        annotation("sourced", span=(0, 34)),
        annotation("sourced"),  # marked none: no say on the span
        annotation("disputed", span=(15, 34)),  # another label's span
        annotation("sourced", span=(36, 43), status="rejected"),  # does not count
    ]
    review = review_of(a_row(annotations=spans, text=text))
    VALIDATOR.validate(review)
    assert review["claimReviewed"] == "Officials said 12 people were hurt"


def test_the_whole_sentence_is_reviewed_when_its_reviewers_marked_different_spans():
    spans = [annotation("sourced", span=(0, 34)), annotation("sourced", span=(15, 34))]
    review = review_of(a_row(annotations=spans))
    assert review["claimReviewed"] == "Officials said 12 people were hurt, Reuters reported."


@pytest.mark.parametrize(
    "broken",
    [
        lambda review: review["reviewRating"].update(ratingValue=2),  # "Sourced" is 3
        lambda review: review.pop("url"),
        lambda review: review["itemReviewed"].update(datePublished="23 Feb 2022"),
        lambda review: review.update(datePublished="2026-03-02"),  # a time is expected
        lambda review: review["itemReviewed"]["appearance"][0].update(url="javascript:x"),
        lambda review: review.update(claimReviewed=""),
        lambda review: review.update(rating="Sourced"),  # not a field of the format
    ],
)
def test_the_schema_rejects_a_review_that_breaks_the_format(broken):
    review = copy.deepcopy(review_of(a_row("sourced")))
    broken(review)
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(review)


def test_review_url_is_the_page_under_the_site_url_with_or_without_a_trailing_slash():
    assert review_url("https://claims.example.org", 42) == "https://claims.example.org/claims/42/"
    assert review_url("https://example.org/fc/", 42) == "https://example.org/fc/claims/42/"


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=80)


@st.composite
def rows(draw) -> dict:
    """Rows of any label, text (markup and quotes included), spans, claimants and dates."""
    text = draw(TEXT)
    final_label = draw(st.sampled_from([*Label.values, None]))

    def spans():
        start = st.integers(0, len(text) - 1)
        return start.flatmap(lambda s: st.tuples(st.just(s), st.integers(s + 1, len(text))))

    annotations = draw(
        st.lists(
            st.builds(
                annotation,
                st.sampled_from(Label.values),
                st.none() | spans(),
                st.sampled_from(["pending", "approved", "rejected"]),
            ),
            max_size=4,
        )
    )
    published = draw(st.dates(date(1990, 1, 1), date(2030, 12, 31)))
    return a_row(
        final_label,
        text=text,
        annotations=annotations,
        article_title=draw(st.text(max_size=40)),
        article_url=f"https://news.example.com/{draw(st.integers(1, 10**9))}",
        published_on=published.isoformat(),
        claimants=draw(st.lists(TEXT, max_size=3, unique=True)),
    )


@given(rows())
def test_every_generated_claim_row_gives_a_valid_review_and_no_other_row_does(row):
    review = review_of(row)
    if row["final_label"] in ("sourced", "disputed", "false_flag"):
        VALIDATOR.validate(review)
        assert review["claimReviewed"] in row["text"]
    else:
        assert review is None


def test_the_exported_rows_of_labelled_sentences_give_valid_reviews(reviewer, other_reviewer):
    article = load_article(body="One said it. Two denied it. Three was staged. Four. Five.")
    label(sentence(article, 0), reviewer, "sourced", claimant="The mayor", span_start=0, span_end=3)
    label(sentence(article, 1), reviewer, "disputed", source_name="Reuters")
    label(sentence(article, 1), other_reviewer, "disputed", evidence_url="https://e.example/1")
    label(sentence(article, 2), reviewer, "false_flag")
    label(sentence(article, 2), make_reviewer("third"), "false_flag")
    label(sentence(article, 3), reviewer, "not_claim")
    reviews = {}
    for batch in export_rows(ExportFilters(articles=(article.pk,)), salt="s", batch_size=2):
        for row in batch:
            review = review_of(row)
            if review is not None:
                VALIDATOR.validate(review)
                reviews[row["sentence_index"]] = review
    assert sorted(reviews) == [0, 1, 2]  # not "not a claim", nor the unlabelled sentence
    assert reviews[0]["claimReviewed"] == "One"
    assert reviews[0]["itemReviewed"]["author"] == [{"@type": "Person", "name": "The mayor"}]
    assert reviews[1]["reviewRating"]["alternateName"] == "Disputed"
    assert reviews[2]["reviewRating"]["ratingValue"] == 1
