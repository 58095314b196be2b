"""Reads for training: the examples, how many labels a model has not seen, what the article
list says about training, evaluation."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from operator import attrgetter

from celery import current_app
from django.conf import settings

from annotations.candidates.labelfile import LabelledRow
from annotations.candidates.metrics import label_report, ranking_report
from annotations.candidates.scoring import IMPORTED, NEWS, SentenceInput, score_sentences
from annotations.corpus.models import Sentence
from annotations.detection.models import DetectorVersion
from annotations.detection.selectors import active_detector, load_model
from annotations.labels import Label
from annotations.review.models import Annotation
from annotations.review.selectors import gold_labels

from .models import LabelledSentence, TrainingRun


def training_examples() -> list[tuple[SentenceInput, int]]:
    """Imported labelled sentences plus the sentences reviewers have labelled.

    A reviewed sentence counts as check-worthy when its gold label (review.selectors.gold_labels)
    is a claim label, anything but not_claim.
    """
    examples = []
    imported = LabelledSentence.objects.order_by("document", "line")
    for _, rows in groupby(imported.iterator(chunk_size=5000), key=attrgetter("document")):
        rows = list(rows)
        examples.extend(
            (
                _in_context(rows, position, row.document, speaker=row.speaker or None),
                row.checkworthy,
            )
            for position, row in enumerate(rows)
        )
    reviewed = {pk: gold.label != Label.NOT_CLAIM for pk, gold in gold_labels().items()}
    if reviewed:
        article_ids = Sentence.objects.filter(pk__in=reviewed).values("article_id")
        by_article = defaultdict(list)
        for sentence in Sentence.objects.filter(article_id__in=article_ids).order_by(
            "article_id", "index"
        ):
            by_article[sentence.article_id].append(sentence)
        for article_id, sentences in by_article.items():
            examples.extend(
                (
                    _in_context(sentences, position, f"article-{article_id}", domain=NEWS),
                    reviewed[sentence.pk],
                )
                for position, sentence in enumerate(sentences)
                if sentence.pk in reviewed
            )
    return [(item, int(checkworthy)) for item, checkworthy in examples]


def _in_context(
    rows: list, position: int, document: str, speaker: str | None = None, domain: str = IMPORTED
):
    """rows[position] (anything with .text) as the scorer sees it: with its neighbours."""
    return SentenceInput(
        text=rows[position].text,
        speaker=speaker,
        previous=rows[position - 1].text if position else None,
        next=rows[position + 1].text if position + 1 < len(rows) else None,
        document=document,
        domain=domain,
    )


def labels_since_last_training() -> int:
    """Labels imported, given or changed since the active detector's model was trained (all of
    them while it has none), counted up to new_labels_limit(): enough to tell whether a run is
    due, without counting every annotation. Cheap enough for every sweep: it never reads the
    stored model."""
    detector = active_detector()
    since = (detector.labels_as_of or detector.created_at) if detector.trained else None
    return labels_since(since, new_labels_limit())


def new_labels_limit() -> int:
    """How far labels_since_last_training() counts: one past CANDIDATE_RETRAIN_EVERY."""
    return settings.CANDIDATE_RETRAIN_EVERY + 1


def up_to_date_detector() -> DetectorVersion | None:
    """The active detector if its model was trained on every label there is now, else None."""
    detector = active_detector()
    if detector.trained and not labels_since(detector.labels_as_of or detector.created_at, 1):
        return detector
    return None


def last_automatic_run() -> TrainingRun | None:
    """The newest run requested for new labels (by the sweep or an import), if any."""
    return TrainingRun.objects.filter(trigger=TrainingRun.Trigger.NEW_LABELS).first()


def labels_since(moment: datetime | None, limit: int) -> int:
    """Labels imported or reviewed after the moment (None: ever), counting at most `limit`
    (each count reads at most that many rows)."""
    imported = LabelledSentence.objects.all()
    reviewed = Annotation.objects.all()
    if moment:
        imported = imported.filter(imported_at__gt=moment)
        reviewed = reviewed.filter(updated_at__gt=moment)
    return min(imported[:limit].count() + reviewed[:limit].count(), limit)


def tasks_run_in_process() -> bool:
    """No broker (the embedded default): a queued task runs at once in the process that queued
    it, be it a command or a web request."""
    return current_app.conf.task_always_eager


@dataclass(frozen=True)
class TrainingNotice:
    """What the article list tells those who can train the detector."""

    run: TrainingRun | None  # the run training now, else the one waiting to
    new_labels: int  # labels the active model has not seen, up to new_labels_limit()
    in_process: bool  # tasks_run_in_process(): an automatic run waits for train_candidates

    @property
    def more_labels(self) -> bool:
        """Whether there may be more new labels than counted."""
        return self.new_labels >= new_labels_limit()

    @property
    def state(self) -> str:
        """running, queued (a worker will take it) or due (nobody has queued it yet)."""
        if self.run and self.run.status == TrainingRun.Status.RUNNING:
            return "running"
        if self.run and not self.in_process:
            return "queued"
        return "due"


def training_notice() -> TrainingNotice | None:
    """A run training or waiting, or a newer model due (CANDIDATE_RETRAIN_EVERY labels since
    the active one); None when there is nothing to say. Four queries, none reading a model."""
    # "running" sorts after "pending": the run training now comes first.
    active = [TrainingRun.Status.RUNNING, TrainingRun.Status.PENDING]
    run = TrainingRun.objects.filter(status__in=active).order_by("-status").first()
    new_labels = labels_since_last_training()
    every = settings.CANDIDATE_RETRAIN_EVERY
    if run is None and not (every and new_labels >= every):
        return None
    return TrainingNotice(run, new_labels, tasks_run_in_process())


def evaluate_rows(rows: list[LabelledRow]) -> dict:
    """Score labelled sentences with the active detector, without storing anything."""
    detector = active_detector()
    model = load_model(detector)
    by_document = defaultdict(list)
    for row in rows:
        by_document[row.document].append(row)
    ranking, labels = {}, []
    for document, doc_rows in by_document.items():
        doc_rows.sort(key=attrgetter("line"))
        inputs = [
            _in_context(doc_rows, position, document, speaker=row.speaker)
            for position, row in enumerate(doc_rows)
        ]
        results = score_sentences(inputs, model)
        ranking[document] = [
            (r.score, row.checkworthy) for r, row in zip(results, doc_rows, strict=True)
        ]
        labels.extend(
            (r.suggested_label, None if row.label == Label.NOT_CLAIM else row.label)
            for r, row in zip(results, doc_rows, strict=True)
            if row.label
        )
    return {
        "detector": detector.name,
        "ranking": ranking_report(ranking),
        "labels": label_report(labels) if labels else None,
    }
