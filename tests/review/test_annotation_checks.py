"""check_annotation: each bad field is named with what is allowed (the API returns these per
field; the review page shows them)."""

import pytest
from django.core.exceptions import ValidationError

from annotations.review.models import Annotation
from annotations.review.services import annotation_save
from tests.reviewing import load_article, sentence

TEXT = "Kyiv denied the report, AP said."  # 32 characters
LABELS = "sourced, disputed, false_flag, not_claim"


@pytest.fixture
def first(db):
    return sentence(load_article(body=f"{TEXT} It rained."), 0)


def refusal(target, user, **changes) -> dict:
    with pytest.raises(ValidationError) as refused:
        annotation_save(sentence=target, reviewer=user, changes=changes)
    assert not Annotation.objects.exists()
    return refused.value.message_dict


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"label": "rumour"}, {"label": [f"'rumour' is not a label; use one of: {LABELS}"]}),
        ({"label": ""}, {"label": [f"choose a label: one of {LABELS}"]}),
        (
            {"label": "sourced", "span_start": 3},
            {"span_start": ["give both span_start and span_end, or neither"]},
        ),
        (
            {"label": "sourced", "span_end": 3},
            {"span_start": ["give both span_start and span_end, or neither"]},
        ),
        (
            {"label": "sourced", "evidence_url": "ftp://e.com/report"},
            {"evidence_url": ["enter an http:// or https:// URL"]},
        ),
    ],
)
def test_it_names_each_bad_field_and_what_is_allowed(first, reviewer, changes, errors):
    assert refusal(first, reviewer, **changes) == errors


@pytest.mark.django_db
@pytest.mark.parametrize(("start", "end"), [(-1, 4), (4, 4), (5, 4), (0, len(TEXT) + 1)])
def test_a_span_must_lie_inside_the_sentence(first, reviewer, start, end):
    assert refusal(first, reviewer, label="sourced", span_start=start, span_end=end) == {
        "span_end": [
            f"the span must lie inside the sentence: 0 <= span_start < span_end <= {len(TEXT)}"
        ]
    }


@pytest.mark.django_db
def test_a_span_may_cover_the_whole_sentence_and_text_may_reach_its_limit(first, reviewer):
    annotation, _ = annotation_save(
        sentence=first,
        reviewer=reviewer,
        changes={
            "label": "sourced",
            "span_start": 0,
            "span_end": len(TEXT),
            "claimant": "c" * 255,
            "evidence_url": "http://e.com/report",
        },
    )
    assert first.text[annotation.span_start : annotation.span_end] == TEXT
    assert len(Annotation.objects.get().claimant) == 255
