"""Snapshots: the first refresh computes every labelled article and the project; later ones only
the articles whose labels changed (caught even when their change committed late), the project's
row once a day, updated in place; label changes queue one refresh per debounce window."""

import datetime

import pytest
from django.utils import timezone

from annotations.agreement import services
from annotations.agreement.models import AgreementSnapshot
from annotations.agreement.services import (
    labels_changed_receiver,
    refresh_snapshots,
    request_refresh,
)
from annotations.agreement.tasks import refresh_agreement_task
from annotations.review.models import Annotation, History
from tests.reviewing import label

from .ratings import random_ratings
from .stored import reviewers, store

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles():
    people = reviewers(3)
    return [store(random_ratings(seed, 10, 3), people, name=f"s{seed}") for seed in (1, 2)]


def project_rows():
    return list(AgreementSnapshot.objects.filter(article__isnull=True).order_by("day"))


def test_the_first_refresh_computes_every_labelled_article_and_the_project(articles):
    assert refresh_snapshots() == sorted(a.pk for a in articles)
    stored = AgreementSnapshot.objects.filter(article__isnull=False)
    assert {s.article_id: s.figures for s in stored} == services.measure_articles(
        [a.pk for a in articles]
    )
    [project] = project_rows()
    assert (project.day, project.figures) == (timezone.localdate(), services.measure())


def test_a_refresh_without_changes_writes_nothing(articles):
    refresh_snapshots()
    before = list(AgreementSnapshot.objects.values_list("pk", "computed_at"))
    assert refresh_snapshots() == []
    assert list(AgreementSnapshot.objects.values_list("pk", "computed_at")) == before


def test_only_the_article_whose_labels_changed_is_recomputed(articles):
    refresh_snapshots()
    changed, unchanged = articles
    kept = AgreementSnapshot.objects.get(article=unchanged)
    [project] = project_rows()
    sentence = changed.sentences.get(index=0)
    label(sentence, reviewers(3)[0], "false_flag")

    assert refresh_snapshots() == [changed.pk]
    assert AgreementSnapshot.objects.get(article=unchanged).computed_at == kept.computed_at
    figures = AgreementSnapshot.objects.get(article=changed).figures
    assert figures == services.measure_articles([changed.pk])[changed.pk]
    [updated] = project_rows()  # the same day's row, updated in place
    assert updated.pk == project.pk and updated.computed_at > project.computed_at
    assert updated.figures["label_distribution"]["false_flag"] > 0


def test_a_change_that_committed_after_the_last_refresh_read_is_still_caught(articles):
    refresh_snapshots()
    [project] = project_rows()
    label(articles[0].sentences.get(index=1), reviewers(3)[1], "false_flag")
    # Stamped before the refresh's start, committed after it read the audit trail.
    History.objects.filter(article=articles[0]).update(
        at=project.computed_at - datetime.timedelta(minutes=2)
    )
    assert refresh_snapshots() == [articles[0].pk]


def test_a_new_day_adds_a_project_row_and_keeps_the_history(articles):
    refresh_snapshots()
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    AgreementSnapshot.objects.filter(article__isnull=True).update(day=yesterday)
    assert refresh_snapshots() == []  # no label changed: only the project's row for today
    assert [row.day for row in project_rows()] == [yesterday, timezone.localdate()]


def test_everything_recomputes_every_article_and_empties_those_left_without_labels(articles):
    refresh_snapshots()
    gone = articles[0]
    # Removed without an audit row (a bulk clean-up): only recomputing everything sees it.
    Annotation.objects.filter(sentence__article=gone).delete()
    assert refresh_snapshots() == []
    assert refresh_snapshots(everything=True) == sorted(a.pk for a in articles)
    assert AgreementSnapshot.objects.get(article=gone).figures["annotations"] == 0


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr(refresh_agreement_task, "apply_async", lambda **kw: calls.append(kw))
    return calls


def test_label_changes_queue_one_refresh_per_window(
    queued, settings, django_capture_on_commit_callbacks
):
    settings.AGREEMENT_DEBOUNCE_SECONDS = 30
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            labels_changed_receiver(sender=None, sentence_ids=[1])
            request_refresh()
    assert queued == [{"countdown": 30}]
    services.cache.delete(services.REFRESH_QUEUED)  # the window is over
    with django_capture_on_commit_callbacks(execute=True):
        labels_changed_receiver(sender=None, sentence_ids=[2])
    assert len(queued) == 2


def test_nothing_is_queued_until_the_change_commits(queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        request_refresh()
    assert queued == [] and len(callbacks) == 1


def test_the_task_refreshes_the_snapshots(articles):
    assert refresh_agreement_task.delay().get() == sorted(a.pk for a in articles)
    assert len(project_rows()) == 1
