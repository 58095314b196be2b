"""Each candidate's rank in its article is stored with it; the active detector's score quantiles
give every candidate its percentile in the corpus, and a minimum percentile a score threshold."""

import pytest

from annotations.corpus.models import Article
from annotations.corpus.services import ingest_files
from annotations.detection import services
from annotations.detection.models import Candidate, DetectorVersion, ScoreQuantile
from annotations.detection.selectors import active_detector, at_least_percentile, with_percentile
from annotations.detection.tasks import sweep_stale_precompute_task
from tests.conftest import SEED_ARTICLE, seed_text

pytestmark = pytest.mark.django_db


def load(files, capture):
    with capture(execute=True):
        outcomes = list(ingest_files(files))
    return [Article.objects.get(pk=outcome.article_id) for outcome in outcomes]


@pytest.fixture
def seed_article(django_capture_on_commit_callbacks):
    [article] = load([("seed.txt", SEED_ARTICLE.read_bytes())], django_capture_on_commit_callbacks)
    return article


def candidates_of(article):
    return list(
        with_percentile(Candidate.objects.filter(sentence__article=article))
        .select_related("sentence")
        .order_by("sentence__index")
    )


def test_ranks_order_the_articles_sentences_by_score(seed_article):
    candidates = candidates_of(seed_article)
    assert sorted(c.rank for c in candidates) == list(range(1, 20))
    by_rank = sorted(candidates, key=lambda c: c.rank)
    assert [c.score for c in by_rank] == sorted((c.score for c in candidates), reverse=True)
    # The rules put the two "false flag" sentences 1st and 3rd.
    false_flags = sorted(c.rank for c in candidates if c.suggested_label == "false_flag")
    assert false_flags == [1, 3]
    assert by_rank[0].sentence.index == 18


def test_equal_scores_rank_in_sentence_order(django_capture_on_commit_callbacks):
    body = "Officials said 3 people were hurt. Officials said 3 people were hurt. Thank you."
    [article] = load([("a.txt", seed_text(body=body))], django_capture_on_commit_callbacks)
    assert [c.rank for c in candidates_of(article)] == [1, 2, 3]


def test_ranks_are_per_article_and_percentiles_over_the_corpus(
    seed_article, django_capture_on_commit_callbacks
):
    body = "Officials said 3,000 people fled on Monday, Reuters reported. Thank you."
    [other] = load(
        [("b.txt", seed_text(url="https://example.com/b", body=body))],
        django_capture_on_commit_callbacks,
    )
    services.refresh_score_quantiles(active_detector().pk)
    candidates = candidates_of(seed_article) + candidates_of(other)
    assert sorted(c.rank for c in candidates_of(other)) == [1, 2]
    # 21 candidates: the highest is at 100%, and percentiles follow the scores.
    top = max(candidates, key=lambda c: c.score)
    assert top.percentile == 100.0
    by_score = sorted(candidates, key=lambda c: c.score)
    assert [c.percentile for c in by_score] == sorted(c.percentile for c in candidates)
    lowest = by_score[0]
    assert 0 <= lowest.percentile < 100 / 21
    # The share scoring at most as high, to within the 0.1 steps of the cut points.
    for candidate in candidates:
        share = sum(c.score <= candidate.score for c in candidates) / len(candidates) * 100
        assert share - 100 / 21 - 0.1 <= candidate.percentile <= share


@pytest.mark.parametrize("percentile", [0, 10, 50, 73.3, 90, 95.25, 100])
def test_a_minimum_percentile_keeps_exactly_the_candidates_shown_at_or_above_it(
    seed_article, percentile
):
    candidates = candidates_of(seed_article)
    kept = set(
        Candidate.objects.filter(at_least_percentile(percentile)).values_list("pk", flat=True)
    )
    assert kept == {c.pk for c in candidates if c.percentile >= percentile}
    if percentile == 100:
        assert len(kept) == 1


def test_without_quantiles_there_is_no_percentile_and_nothing_passes_a_minimum(seed_article):
    ScoreQuantile.objects.all().delete()
    assert {c.percentile for c in candidates_of(seed_article)} == {None}
    assert not Candidate.objects.filter(at_least_percentile(0)).exists()


def test_quantiles_are_computed_again_once_the_corpus_grew_by_a_quarter(
    seed_article, django_capture_on_commit_callbacks
):
    detector = DetectorVersion.objects.get(pk=active_detector().pk)
    assert detector.quantiles_from == 19 and detector.written_since_quantiles == 0
    assert ScoreQuantile.objects.filter(detector=detector).count() == 1001

    def load_sentences(n, name):
        body = " ".join(f"Officials said {i} people were hurt." for i in range(n))
        load(
            [(f"{name}.txt", seed_text(url=f"https://example.com/{name}", body=body))],
            django_capture_on_commit_callbacks,
        )
        detector.refresh_from_db()
        return detector.quantiles_from, detector.written_since_quantiles

    assert load_sentences(4, "a") == (19, 4)  # 4 of 19: not yet a quarter
    assert load_sentences(1, "b") == (24, 0)  # 5: recomputed over all 24


def test_the_sweep_computes_quantiles_that_are_due(seed_article):
    detector = active_detector()
    ScoreQuantile.objects.all().delete()
    # As the migration leaves a version scored before quantiles existed.
    DetectorVersion.objects.filter(pk=detector.pk).update(
        quantiles_from=0, written_since_quantiles=19
    )
    sweep_stale_precompute_task.apply()
    assert ScoreQuantile.objects.filter(detector=detector).count() == 1001
    assert max(c.percentile for c in candidates_of(seed_article)) == 100.0


def test_quantiles_of_versions_without_candidates_left_are_dropped(seed_article):
    old = DetectorVersion.objects.create(name="rules-0", rules_version="rules-0")
    ScoreQuantile.objects.bulk_create(
        ScoreQuantile(detector=old, permille=p, score=p / 1000) for p in range(1001)
    )
    services.refresh_score_quantiles(active_detector().pk)
    assert not ScoreQuantile.objects.filter(detector=old).exists()
    assert ScoreQuantile.objects.filter(detector=active_detector()).count() == 1001


def test_a_version_without_candidates_gets_no_quantiles(seed_article):
    detector = active_detector()
    Article.objects.all().delete()
    services.refresh_score_quantiles(detector.pk)
    assert not ScoreQuantile.objects.exists()
    assert DetectorVersion.objects.get(pk=detector.pk).quantiles_from == 0
