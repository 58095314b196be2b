"""The learned part of the candidate detector: labelled data in, detector versions out."""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from operator import attrgetter

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from .candidates.labelfile import LabelledRow, read_label_file
from .candidates.metrics import label_report, ranking_report
from .candidates.model import ClaimModel
from .candidates.scoring import RULES_VERSION, SentenceInput, score_sentences
from .models import (
    Annotation,
    Article,
    DetectorVersion,
    Label,
    LabelledSentence,
    ModerationStatus,
    PrecomputeStatus,
    Sentence,
    TrainingRun,
)
from .precompute import active_detector, load_model, requeue_articles

logger = logging.getLogger(__name__)

MIN_EXAMPLES_PER_CLASS = 5


class TrainingError(Exception):
    """Not enough labelled data to train from."""


@dataclass(frozen=True)
class ImportResult:
    rows: int
    created: int
    updated: int


def import_labelled_file(path) -> ImportResult:
    """Store a labelled file's sentences (upsert by document and line); raises LabelFileError."""
    rows = read_label_file(path)
    keys = {(row.document, row.line) for row in rows}
    existing = set(
        LabelledSentence.objects.filter(document__in={doc for doc, _ in keys}).values_list(
            "document", "line"
        )
    )
    LabelledSentence.objects.bulk_create(
        [
            LabelledSentence(
                document=row.document,
                line=row.line,
                speaker=row.speaker or "",
                text=row.text,
                checkworthy=bool(row.checkworthy),
                label=row.label or "",
                source_file=str(path)[-255:],
            )
            for row in rows
        ],
        update_conflicts=True,
        unique_fields=["document", "line"],
        update_fields=["speaker", "text", "checkworthy", "label", "source_file"],
        batch_size=2000,
    )
    updated = len(keys & existing)
    return ImportResult(rows=len(rows), created=len(keys) - updated, updated=updated)


def training_examples() -> list[tuple[SentenceInput, int]]:
    """Imported labelled sentences plus the sentences reviewers have labelled.

    A reviewed sentence counts as check-worthy when most of its non-rejected annotations say it
    holds a claim (any label but not_claim).
    """
    examples = []
    imported = LabelledSentence.objects.order_by("document", "line")
    for _, rows in groupby(imported.iterator(chunk_size=5000), key=attrgetter("document")):
        rows = list(rows)
        for position, row in enumerate(rows):
            item = SentenceInput(
                text=row.text,
                speaker=row.speaker or None,
                previous=rows[position - 1].text if position else None,
                next=rows[position + 1].text if position + 1 < len(rows) else None,
                document=row.document,
            )
            examples.append((item, int(row.checkworthy)))

    counted = Q(
        annotations__moderation_status__in=[ModerationStatus.PENDING, ModerationStatus.APPROVED]
    )
    reviewed = dict(
        (pk, claims * 2 > total)
        for pk, claims, total in Sentence.objects.annotate(
            total=Count("annotations", filter=counted),
            claims=Count("annotations", filter=counted & ~Q(annotations__label=Label.NOT_CLAIM)),
        )
        .filter(total__gt=0)
        .values_list("pk", "claims", "total")
    )
    if reviewed:
        article_ids = Sentence.objects.filter(pk__in=reviewed).values("article_id")
        by_article = defaultdict(list)
        for sentence in Sentence.objects.filter(article_id__in=article_ids).order_by(
            "article_id", "index"
        ):
            by_article[sentence.article_id].append(sentence)
        for article_id, sentences in by_article.items():
            for position, sentence in enumerate(sentences):
                if sentence.pk in reviewed:
                    item = SentenceInput(
                        text=sentence.text,
                        previous=sentences[position - 1].text if position else None,
                        next=sentences[position + 1].text
                        if position + 1 < len(sentences)
                        else None,
                        document=f"article-{article_id}",
                    )
                    examples.append((item, int(reviewed[sentence.pk])))
    return examples


def check_training_data(examples: list[tuple[SentenceInput, int]] | None = None) -> None:
    """Raise TrainingError, saying what is missing, when there is too little to train on."""
    labels = [label for _, label in (training_examples() if examples is None else examples)]
    positives, negatives = sum(labels), len(labels) - sum(labels)
    if min(positives, negatives) < MIN_EXAMPLES_PER_CLASS:
        raise TrainingError(
            f"need at least {MIN_EXAMPLES_PER_CLASS} check-worthy and {MIN_EXAMPLES_PER_CLASS} "
            f"other labelled sentences; have {positives} and {negatives}. Import labelled data "
            "with `manage.py import_labels FILE` or label more sentences."
        )


def train_detector() -> DetectorVersion:
    """Train a model on every label there is and store it as the new detector version."""
    labels_as_of = timezone.now()  # labels arriving while it trains are left for the next one
    examples = training_examples()
    check_training_data(examples)
    positives = sum(label for _, label in examples)
    started = timezone.now()
    model = ClaimModel.train(examples, encoder=settings.CANDIDATE_ENCODER or None)
    finished = timezone.now()
    return DetectorVersion.objects.create(
        name=f"{RULES_VERSION}+model-{finished:%Y%m%d-%H%M%S-%f}",
        rules_version=RULES_VERSION,
        model_data=model.to_bytes(),
        labels_as_of=labels_as_of,
        training={
            "examples": len(examples),
            "checkworthy": positives,
            "seconds": round((finished - started).total_seconds(), 1),
            **model.meta,
        },
    )


def request_training(
    trigger: str, *, user=None, force: bool = False, queue: bool = True
) -> TrainingRun:
    """A pending training run for the request, queued to a worker on commit (unless queue is
    False: the caller runs it). While a run waits to start, requests join it: it will use every
    label there is when it starts.

    Someone's request (not one for new labels) raises TrainingError when there is too little
    to train on, and is recorded as a skipped run when the active model already has every label
    and force is not set."""
    if trigger != TrainingRun.Trigger.NEW_LABELS:
        check_training_data()
        if not force and (current := up_to_date_detector()):
            now = timezone.now()
            return TrainingRun.objects.create(
                trigger=trigger,
                requested_by=user,
                status=TrainingRun.Status.SKIPPED,
                detector_version=current,
                started_at=now,
                finished_at=now,
            )
    run = TrainingRun.objects.filter(status=TrainingRun.Status.PENDING).first()
    if run is None:
        try:
            with transaction.atomic():
                run = TrainingRun.objects.create(trigger=trigger, requested_by=user, force=force)
        except IntegrityError:  # another request created it meanwhile
            return request_training(trigger, user=user, force=force, queue=queue)
        if queue:
            _queue_run(run.pk)
    elif trigger != TrainingRun.Trigger.NEW_LABELS:
        # Asked by someone: the waiting run trains on any new label (or, forced, always).
        TrainingRun.objects.filter(pk=run.pk).update(
            trigger=trigger, requested_by=user, force=run.force or force
        )
        run.refresh_from_db()
    return run


def run_training(run_id: int) -> TrainingRun:
    """Claim a pending run, train (or skip: nothing new to train on), queue every article for
    re-scoring with the new version, and record the outcome on the run. A run someone else
    claimed is returned as it is."""
    claimed = TrainingRun.objects.filter(pk=run_id, status=TrainingRun.Status.PENDING).update(
        status=TrainingRun.Status.RUNNING, started_at=timezone.now()
    )
    run = TrainingRun.objects.get(pk=run_id)
    if not claimed:
        return run
    try:
        if skip_for := _nothing_new_to_train_on(run):
            run.status, run.detector_version = TrainingRun.Status.SKIPPED, skip_for
        else:
            run.detector_version = train_detector()
            run.status = TrainingRun.Status.DONE
            requeue_articles(list(articles_to_rescore()))
    except TrainingError as error:
        run.status, run.error = TrainingRun.Status.FAILED, str(error)
    except Exception as error:  # recorded on the run for the admin; the worker stays up
        logger.exception("training run %s failed", run_id)
        run.status, run.error = TrainingRun.Status.FAILED, f"{type(error).__name__}: {error}"
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "detector_version", "finished_at"])
    return run


def _nothing_new_to_train_on(run: TrainingRun) -> DetectorVersion | None:
    """The active detector when the run should not train: a run for new labels with fewer than
    CANDIDATE_RETRAIN_EVERY left untrained (a run before it used them), or a run not forced
    when the active model already has every label."""
    if run.force:
        return None
    if run.trigger == TrainingRun.Trigger.NEW_LABELS:
        if labels_since_last_training() < settings.CANDIDATE_RETRAIN_EVERY:
            return active_detector()
        return None
    return up_to_date_detector()


def stale_training_runs() -> tuple[int, int]:
    """Queue again the runs left pending too long (the broker was down) and fail the runs
    running too long (the worker stopped); returns (queued, failed)."""
    now = timezone.now()
    pending = TrainingRun.objects.filter(
        status=TrainingRun.Status.PENDING,
        created_at__lt=now - timedelta(seconds=settings.PRECOMPUTE_PENDING_GRACE),
    ).values_list("pk", flat=True)
    for run_id in pending:
        _queue_run(run_id)
    failed = TrainingRun.objects.filter(
        status=TrainingRun.Status.RUNNING,
        started_at__lt=now - timedelta(seconds=settings.TRAINING_TIMEOUT),
    ).update(
        status=TrainingRun.Status.FAILED,
        finished_at=now,
        error=f"no result after {settings.TRAINING_TIMEOUT} s: the worker stopped. Train again.",
    )
    return len(pending), failed


def _queue_run(run_id: int) -> None:
    from .tasks import train_detector  # tasks import this module

    transaction.on_commit(lambda: train_detector.delay(run_id))


def articles_to_rescore():
    """Articles to score again with a new detector; those running now are left to the sweep."""
    return (
        Article.objects.exclude(precompute_status=PrecomputeStatus.RUNNING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def labels_since_last_training() -> int:
    """Labels imported or given (or changed) since the newest detector's model was trained.

    Cheap enough for every save: reads one timestamp, never the stored model.
    """
    latest = (
        DetectorVersion.objects.filter(rules_version=RULES_VERSION)
        .values_list(Coalesce("labels_as_of", "created_at"), Q(model_data__isnull=False))
        .first()
    )
    return _labels_since(latest[0] if latest and latest[1] else None)


def up_to_date_detector() -> DetectorVersion | None:
    """The active detector if its model was trained on every label there is now, else None."""
    detector = active_detector()
    if detector.model_data and not _labels_since(detector.labels_as_of or detector.created_at):
        return detector
    return None


def _labels_since(moment: datetime | None) -> int:
    imported = LabelledSentence.objects.all()
    reviewed = Annotation.objects.all()
    if moment:
        imported = imported.filter(imported_at__gt=moment)
        reviewed = reviewed.filter(updated_at__gt=moment)
    return imported.count() + reviewed.count()


def schedule_retraining_if_due() -> bool:
    """Request a training run once CANDIDATE_RETRAIN_EVERY new labels have come in."""
    every = settings.CANDIDATE_RETRAIN_EVERY
    if not every or labels_since_last_training() < every:
        return False
    request_training(TrainingRun.Trigger.NEW_LABELS)
    return True


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
            SentenceInput(
                text=row.text,
                speaker=row.speaker,
                previous=doc_rows[i - 1].text if i else None,
                next=doc_rows[i + 1].text if i + 1 < len(doc_rows) else None,
                document=document,
            )
            for i, row in enumerate(doc_rows)
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
