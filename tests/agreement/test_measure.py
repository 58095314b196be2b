"""Agreement computed in the database (selectors and services on real annotations) equals the
reference implementations on the same ratings; rejected labels do not count; the scope narrows
what is measured; the cost is a constant number of queries."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from annotations.agreement.selectors import Scope
from annotations.agreement.services import confusion, measure, measure_articles
from annotations.review.models import Annotation

from .ratings import (
    contingency,
    fleiss_subset,
    pair_labels,
    pairable,
    pairwise_agreement,
    profiles,
    random_ratings,
    reference_alpha,
    reference_cohen,
    reference_fleiss,
)
from .stored import LABELS, reviewers, store

pytestmark = pytest.mark.django_db


def close(figure: dict, reference: float) -> bool:
    return figure["value"] == pytest.approx(reference, abs=1e-9)


def assert_matches_references(figures: dict, ratings, raters) -> None:
    given = [label for unit in ratings for label in unit if label is not None]
    assert figures["sentences"] == sum(any(label is not None for label in u) for u in ratings)
    assert figures["annotations"] == len(given)
    assert figures["label_distribution"] == {
        label: given.count(n) for n, label in enumerate(LABELS)
    }
    assert close(figures["percent_agreement"], pairwise_agreement(ratings))
    raters_per_sentence, units = fleiss_subset(ratings)
    fleiss = figures["fleiss_kappa"]
    assert (fleiss["raters"], fleiss["units"]) == (raters_per_sentence, len(units))
    assert close(fleiss, reference_fleiss(profiles(units)[0]))
    assert close(figures["krippendorff_alpha"], reference_alpha(ratings))
    assert figures["krippendorff_alpha"]["units"] == len(pairable(ratings))
    expected_pairs = {}
    for first in range(len(raters)):
        for second in range(first + 1, len(raters)):
            labels_a, labels_b = pair_labels(ratings, first, second)
            if labels_a:
                expected_pairs[(raters[first].username, raters[second].username)] = (
                    len(labels_a),
                    reference_cohen(labels_a, labels_b),
                )
    pairs = {
        (p["reviewer_a"]["username"], p["reviewer_b"]["username"]): p for p in figures["pairs"]
    }
    assert set(pairs) == set(expected_pairs)
    for names, (shared, kappa) in expected_pairs.items():
        assert pairs[names]["shared_sentences"] == shared
        assert close(pairs[names]["cohen_kappa"], kappa)


@pytest.mark.parametrize("seed, raters", [(1, 2), (2, 3), (3, 5), (4, 4)])
def test_the_database_path_equals_the_references(seed, raters):
    ratings = random_ratings(seed, units=40, raters=raters)
    people = reviewers(raters)
    store(ratings, people, rejected_share=0.5, seed=seed)
    assert Annotation.objects.filter(moderation_status="rejected").exists()
    assert_matches_references(measure(), ratings, people)


def test_a_rejected_label_stops_counting():
    people = reviewers(2)
    article = store([[0, 1], [2, 2]], people)
    before = measure()
    assert before["percent_agreement"]["value"] == 0.5
    disagreeing = Annotation.objects.get(
        sentence__article=article, sentence__index=0, label=LABELS[1]
    )
    disagreeing.moderation_status = "rejected"
    disagreeing.save()
    after = measure()
    assert after["annotations"] == 3
    assert after["percent_agreement"]["value"] == 1.0
    assert after["pairs"][0]["shared_sentences"] == 1


def test_the_scope_narrows_to_articles_dates_and_reviewers():
    people = reviewers(3)
    early, late = random_ratings(5, 30, 3), random_ratings(6, 30, 3)
    first = store(early, people, name="early", date="20220101")
    store(late, people, name="late", date="20220301")
    assert_matches_references(measure(Scope(articles=(first.pk,))), early, people)
    assert_matches_references(measure(Scope(until=datetime.date(2022, 2, 1))), early, people)
    assert_matches_references(measure(Scope(since=datetime.date(2022, 2, 1))), late, people)
    two = Scope(reviewers=(people[0].pk, people[2].pk))
    kept = [[unit[0], unit[2]] for unit in early + late]
    assert_matches_references(measure(two), kept, [people[0], people[2]])


def test_each_article_is_measured_on_its_own_in_the_same_queries(django_assert_num_queries):
    people = reviewers(3)
    sets = [random_ratings(seed, 20, 3) for seed in (7, 8, 9)]
    articles = [store(r, people, name=f"n{i}") for i, r in enumerate(sets)]
    with django_assert_num_queries(3):
        figures = measure_articles([a.pk for a in articles])
    for article, ratings in zip(articles, sets, strict=True):
        assert_matches_references(figures[article.pk], ratings, people)


@pytest.mark.parametrize("units", [5, 200])
def test_measuring_takes_three_queries_whatever_the_size(units, django_assert_num_queries):
    store(random_ratings(10, units, 4), reviewers(4))
    with django_assert_num_queries(3):
        figures = measure()
    assert figures["sentences"] > 0


def test_without_labels_every_measure_is_undefined_with_its_reason():
    figures = measure()
    assert (figures["sentences"], figures["annotations"], figures["pairs"]) == (0, 0, [])
    for name in ("percent_agreement", "fleiss_kappa", "krippendorff_alpha"):
        assert figures[name]["value"] is None and figures[name]["reason"]


def test_the_confusion_table_of_two_reviewers():
    people = reviewers(3)
    ratings = random_ratings(11, 40, 3, missing=0.2)
    store(ratings, people)
    labels_a, labels_b = pair_labels(ratings, 0, 2)
    table = confusion(people[0], people[2])
    assert table["counts"] == contingency(labels_a, labels_b).tolist()
    assert table["categories"] == LABELS
    assert close(table["cohen_kappa"], reference_cohen(labels_a, labels_b))
    swapped = confusion(people[2], people[0])
    assert swapped["counts"] == contingency(labels_b, labels_a).tolist()
    assert swapped["reviewer_a"]["username"] == "rater2"
    with pytest.raises(ValidationError):
        confusion(people[0], people[0])
