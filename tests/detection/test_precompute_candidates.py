from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from annotations.candidates.model import ClaimModel
from annotations.candidates.scoring import MODEL_FORMAT, RULES_VERSION, SentenceInput
from annotations.corpus.models import Article
from annotations.corpus.services import ingest_files
from annotations.detection import selectors, services
from annotations.detection.models import Candidate, DetectorModel, DetectorVersion
from annotations.detection.tasks import precompute_articles_task, sweep_stale_precompute_task
from annotations.jobs import JobStatus
from tests.conftest import SEED_ARTICLE, seed_text

pytestmark = pytest.mark.django_db
SCORER = "annotations.detection.services.score_sentences"


@pytest.fixture
def seed_article(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        [outcome] = ingest_files([("seed.txt", SEED_ARTICLE.read_bytes())])
    return Article.objects.get(pk=outcome.article_id)


def suggestions(article):
    return {
        c.sentence.text: c
        for c in Candidate.objects.filter(sentence__article=article).select_related("sentence")
    }


def test_loading_an_article_precomputes_a_candidate_per_sentence(seed_article):
    assert seed_article.precompute_status == JobStatus.DONE
    candidates = Candidate.objects.filter(sentence__article=seed_article)
    assert candidates.count() == 19
    assert all(0 <= c.score <= 1 for c in candidates)


def test_the_seed_article_gets_the_expected_suggestions(seed_article):
    by_text = suggestions(seed_article)
    false_flags = [t for t, c in by_text.items() if c.suggested_label == "false_flag"]
    assert len(false_flags) == 2 and all("false flag" in t for t in false_flags)
    for ending, outlet in [
        ("the Associated Press reported.", "Associated Press"),
        ("Reuters reported.", "Reuters"),
        ("Newsweek previously reported.", "Newsweek"),
    ]:
        [(text, candidate)] = [(t, c) for t, c in by_text.items() if t.endswith(ending)]
        assert candidate.suggested_label == "sourced", text
        sources = [a["source"] for a in candidate.reasons["attributions"]]
        assert any(outlet in source for source in sources), (text, sources)
    [putin] = [c for t, c in by_text.items() if t.startswith("Putin previously claimed")]
    assert putin.suggested_label == "disputed"
    assert any("CNBC" in a["source"] for a in putin.reasons["attributions"])
    [quantities] = [c for t, c in by_text.items() if t.startswith("The Organization for Security")]
    assert "1,400 explosions" in [q["text"] for q in quantities.reasons["quantities"]]


def test_running_precompute_again_creates_no_duplicates(seed_article):
    before = set(Candidate.objects.values_list("sentence_id", "score", "suggested_label"))
    services.requeue_articles([seed_article.pk])
    precompute_articles_task.apply(args=[[seed_article.pk]])
    precompute_articles_task.apply(args=[[seed_article.pk]])  # already done: claims nothing
    after = set(Candidate.objects.values_list("sentence_id", "score", "suggested_label"))
    assert after == before and Candidate.objects.count() == 19


def test_a_failure_is_recorded_on_the_article():
    [outcome] = ingest_files([("a.txt", seed_text())])
    with (
        mock.patch(
            "annotations.detection.services.score_sentences", side_effect=RuntimeError("boom")
        ),
        pytest.raises(RuntimeError),
    ):
        services.precompute_articles([outcome.article_id])
    article = Article.objects.get(pk=outcome.article_id)
    assert article.precompute_status == JobStatus.FAILED
    assert article.precompute_error == "RuntimeError: boom"
    assert not Candidate.objects.exists()


def test_the_task_retries_after_a_failure_and_then_succeeds():
    [outcome] = ingest_files([("a.txt", seed_text())])
    real = services.score_sentences
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("worker lost the database")
        return real(*args, **kwargs)

    with mock.patch(SCORER, side_effect=flaky):
        # throw=False: as on a worker, the retry runs instead of the error propagating.
        precompute_articles_task.apply(args=[[outcome.article_id]], throw=False)
    article = Article.objects.get(pk=outcome.article_id)
    assert len(calls) == 2
    assert article.precompute_status == JobStatus.DONE
    assert article.precompute_error == ""
    assert Candidate.objects.filter(sentence__article=article).count() == 2


def test_the_sweep_requeues_articles_left_behind_and_leaves_fresh_ones(
    django_capture_on_commit_callbacks,
):
    ids = [
        outcome.article_id
        for outcome in ingest_files(
            [(f"{n}.txt", seed_text(url=f"https://e.com/{n}")) for n in range(4)]
        )
    ]  # no on-commit capture: as if the broker was down, all four stay pending
    old = timezone.now() - timedelta(hours=2)
    Article.objects.filter(pk=ids[0]).update(precompute_queued_at=old)
    Article.objects.filter(pk=ids[1]).update(
        precompute_status=JobStatus.RUNNING, precompute_started_at=old
    )
    Article.objects.filter(pk=ids[2]).update(
        precompute_status=JobStatus.RUNNING, precompute_started_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_stale_precompute_task.apply().get() == 2
    status = dict(Article.objects.values_list("pk", "precompute_status"))
    assert status == {ids[0]: "done", ids[1]: "done", ids[2]: "running", ids[3]: "pending"}


def test_the_sweep_rescores_articles_scored_by_an_older_detector(
    seed_article, django_capture_on_commit_callbacks
):
    old = DetectorVersion.objects.create(name="rules-0", rules_version="rules-0")
    Candidate.objects.update(detector_version=old)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_stale_precompute_task.apply().get() == 1
    assert set(Candidate.objects.values_list("detector_version__name", flat=True)) == {
        selectors.active_detector().name
    }


def test_a_model_saved_by_an_older_release_is_skipped_until_retrained(seed_article):
    rules_only = selectors.active_detector()
    model = ClaimModel.train(
        [(SentenceInput("Taxes rose 5% in 2020."), 1), (SentenceInput("Thank you all."), 0)]
    )
    old = DetectorVersion.objects.create(name="claimlr-old", rules_version=RULES_VERSION)
    DetectorModel.objects.create(detector=old, data=model.to_bytes(), format=MODEL_FORMAT - 1)
    assert selectors.active_detector() == rules_only
    Article.objects.update(precompute_status=JobStatus.PENDING)
    assert services.precompute_articles([seed_article.pk]) == [seed_article.pk]
    assert set(Candidate.objects.values_list("detector_version__name", flat=True)) == {
        rules_only.name
    }


def test_precompute_uses_a_constant_number_of_queries_per_batch(django_assert_num_queries):
    ids = [
        outcome.article_id
        for outcome in ingest_files(
            [(f"{n}.txt", seed_text(url=f"https://e.com/{n}")) for n in range(12)]
        )
    ]
    selectors.active_detector()

    def queries_for(article_ids):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            services.precompute_articles(article_ids)
        return len(captured)

    assert queries_for(ids[:1]) == queries_for(ids[1:])


def test_the_command_recomputes_the_given_stale_or_all_articles(
    seed_article, capsys, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        [other] = ingest_files([("b.txt", seed_text(url="https://example.com/b"))])
    Candidate.objects.all().delete()

    def run(*arguments):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("precompute_candidates", *arguments)
        counts = [
            Candidate.objects.filter(sentence__article=pk).count()
            for pk in (seed_article.pk, other.article_id)
        ]
        return capsys.readouterr().out.strip(), counts

    assert run(str(seed_article.pk)) == ("queued candidate precompute for 1 article(s)", [19, 0])
    # Done, but its candidates went missing: stale too.
    assert run("--stale") == ("queued candidate precompute for 1 article(s)", [19, 2])
    assert run("--stale") == ("queued candidate precompute for 0 article(s)", [19, 2])
    Article.objects.filter(pk=other.article_id).update(precompute_status=JobStatus.FAILED)
    assert run("--stale") == ("queued candidate precompute for 1 article(s)", [19, 2])
    Candidate.objects.all().delete()
    assert run("--all") == ("queued candidate precompute for 2 article(s)", [19, 2])
    with pytest.raises(CommandError, match="no article with id 999"):
        call_command("precompute_candidates", "999")
