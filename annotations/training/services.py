"""The learned part of the candidate detector: labelled data in, detector versions out.

Training runs are jobs (annotations.jobs): requested by someone or by the beat sweep once
enough new labels came in, claimed by one worker, one at a time, recorded with their outcome.
"""

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from annotations.candidates.labelfile import read_label_file
from annotations.candidates.scoring import RULES_VERSION, SentenceInput
from annotations.detection.models import DetectorModel, DetectorVersion
from annotations.detection.selectors import active_detector
from annotations.detection.services import rescore_all_articles
from annotations.jobs import queue_on_commit

from .models import LabelledSentence, TrainingRun
from .selectors import (
    labels_since,
    labels_since_last_training,
    last_automatic_run,
    tasks_run_in_process,
    training_examples,
    up_to_date_detector,
)
from .tasks import run_training_task

logger = logging.getLogger(__name__)

MIN_EXAMPLES_PER_CLASS = 5
# Runs not ended yet; train_candidates --wait checks on its run this often.
ACTIVE = (TrainingRun.Status.PENDING, TrainingRun.Status.RUNNING)
WAIT_POLL_SECONDS = 1.0


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
    # Imported here, where training runs: scikit-learn is for workers, not web processes.
    from annotations.candidates.model import ClaimModel

    labels_as_of = timezone.now()  # labels arriving while it trains are left for the next one
    examples = training_examples()
    check_training_data(examples)
    positives = sum(label for _, label in examples)
    started = timezone.now()
    model = ClaimModel.train(examples, encoder=settings.CANDIDATE_ENCODER or None)
    finished = timezone.now()
    with transaction.atomic():
        detector = DetectorVersion.objects.create(
            name=f"{RULES_VERSION}+model-{finished:%Y%m%d-%H%M%S-%f}",
            rules_version=RULES_VERSION,
            labels_as_of=labels_as_of,
            training={
                "examples": len(examples),
                "checkworthy": positives,
                "seconds": round((finished - started).total_seconds(), 1),
                **model.meta,
            },
        )
        DetectorModel.objects.create(
            detector=detector, data=model.to_bytes(), format=model.meta["format"]
        )
    return detector


def request_training(
    trigger: str, *, user=None, force: bool = False, queue: bool = True
) -> TrainingRun:
    """A pending training run for the request, queued to a worker on commit (unless queue is
    False: the caller runs it). Requests made while a run waits join it: it will use every
    label there is when it starts. A request made while a run trains is the next run: it starts
    when that one ends (one training at a time, TrainingRun.claim).

    Someone's request (not one for new labels) is recorded as a failed run, with the reason,
    when there is too little to train on, and as a skipped run when the active model already
    has every label and force is not set."""
    if trigger != TrainingRun.Trigger.NEW_LABELS:
        try:
            check_training_data()
        except TrainingError as error:
            return _answered_at_once(
                trigger, user, force, TrainingRun.Status.FAILED, error=str(error)
            )
        if not force and (current := up_to_date_detector()):
            return _answered_at_once(
                trigger, user, force, TrainingRun.Status.SKIPPED, detector_version=current
            )
    run = TrainingRun.objects.filter(status=TrainingRun.Status.PENDING).first()
    if run is None:
        try:
            with transaction.atomic():
                run = TrainingRun.objects.create(trigger=trigger, requested_by=user, force=force)
        except IntegrityError:  # another request created it meanwhile
            return request_training(trigger, user=user, force=force, queue=queue)
    elif trigger != TrainingRun.Trigger.NEW_LABELS:
        # Asked by someone: the waiting run trains on any new label (or, forced, always).
        TrainingRun.objects.filter(pk=run.pk).update(
            trigger=trigger, requested_by=user, force=run.force or force
        )
        run.refresh_from_db()
    if queue:
        # Again when joining: a waiting automatic run may never have been queued (_queue), and
        # a task delivered twice trains once.
        _queue(run)
    return run


def _answered_at_once(trigger: str, user, force: bool, status: str, **fields) -> TrainingRun:
    """A request answered without a worker (refused, or nothing new): a run that ended at once."""
    now = timezone.now()
    return TrainingRun.objects.create(
        trigger=trigger,
        requested_by=user,
        force=force,
        status=status,
        started_at=now,
        finished_at=now,
        **fields,
    )


def run_training(run_id: int) -> TrainingRun:
    """Claim a pending run, train (or skip: nothing new to train on), queue every article for
    re-scoring with the new version, record the outcome on the run, then queue the run that
    waited for it. A run someone else claimed, or waiting for the run training now, is
    returned as it is."""
    # A run whose worker died would otherwise keep every other run waiting; without a broker no
    # beat sweep ever fails it.
    TrainingRun.fail_stopped(settings.TRAINING_TIMEOUT)
    claimed = TrainingRun.claim(run_id)
    run = TrainingRun.objects.get(pk=run_id)
    if not claimed:
        return run
    try:
        if skip_for := _nothing_new_to_train_on(run):
            run.finish(TrainingRun.Status.SKIPPED, detector_version=skip_for)
        else:
            detector = train_detector()
            run.finish(TrainingRun.Status.DONE, detector_version=detector)
            rescore_all_articles()
    except TrainingError as error:
        run.finish(TrainingRun.Status.FAILED, str(error))
    except Exception as error:  # recorded on the run for the admin; the worker stays up
        logger.exception("training run %s failed", run_id)
        run.finish(TrainingRun.Status.FAILED, f"{type(error).__name__}: {error}")
    except KeyboardInterrupt:  # Ctrl-C on train_candidates --wait: free the slot for the next
        run.finish(TrainingRun.Status.FAILED, "interrupted")
        raise
    if waiting := TrainingRun.objects.filter(status=TrainingRun.Status.PENDING).first():
        _queue(waiting)
    return run


def wait_for_training(run_id: int) -> TrainingRun:
    """The run once it has ended, run in this process as soon as no other run trains, unless a
    worker takes it first (train_candidates --wait)."""
    while (run := run_training(run_id)).status in ACTIVE:
        time.sleep(WAIT_POLL_SECONDS)
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


def schedule_retraining_if_due() -> TrainingRun | None:
    """Request a training run once CANDIDATE_RETRAIN_EVERY labels were given, changed or
    imported since the active model was trained; the run, or None when not due."""
    every = settings.CANDIDATE_RETRAIN_EVERY
    if not every or labels_since_last_training() < every:
        return None
    last = last_automatic_run()
    # Backing off after a failed one (too few labels of a kind, most often): another run now
    # would fail the same way on every sweep; the next waits for as many labels again.
    if (
        last
        and last.status == TrainingRun.Status.FAILED
        and labels_since(last.created_at, every) < every
    ):
        return None
    return request_training(TrainingRun.Trigger.NEW_LABELS)


def sweep_training_runs() -> tuple[int, int, bool]:
    """The beat sweep: queue again the runs a down broker left pending, fail the runs whose
    worker stopped, and request retraining when enough new labels came in. Returns (queued,
    failed, retraining requested)."""
    queued, failed = TrainingRun.sweep(
        lambda pk: _queue(TrainingRun.objects.get(pk=pk)),
        grace_seconds=settings.PRECOMPUTE_PENDING_GRACE,
        timeout_seconds=settings.TRAINING_TIMEOUT,
    )
    return queued, failed, schedule_retraining_if_due() is not None


def waits_for_train_candidates(run: TrainingRun) -> bool:
    """Without a broker a task runs in the process that queues it, a web request included: an
    automatic run is then never queued but left pending for `train_candidates` to run, so that
    nobody's request ever waits for a training it did not ask for."""
    return run.trigger == TrainingRun.Trigger.NEW_LABELS and tasks_run_in_process()


def _queue(run: TrainingRun) -> None:
    """Queue the run to a worker on commit (unless it waits for train_candidates)."""
    if not waits_for_train_candidates(run):
        queue_on_commit(lambda: run_training_task.delay(run.pk), f"training run {run.pk}")
