"""Writes to annotations. The UI, the API, admin actions and commands all call these."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict

from . import webhooks
from .models import Annotation, History, Label, ModerationStatus, Sentence, WebhookEvent
from .training import schedule_retraining_if_due

NOTE_MAX_LENGTH = 5000
TEXT_FIELDS_MAX_LENGTH = {"claimant": 255, "source_name": 255, "evidence_url": 2000}
HISTORY_FIELDS = [
    "label",
    "span_start",
    "span_end",
    "claimant",
    "source_name",
    "evidence_url",
    "note",
    "moderation_status",
    "version",
]


class ArticleLocked(PermissionDenied):
    """The article is locked by a moderator; only staff may change its annotations."""


class VersionConflict(Exception):
    """The annotation changed since the caller read it; `current` is what is stored now."""

    def __init__(self, current: Annotation):
        self.current = current
        super().__init__(
            f"annotation was changed by someone else (now version {current.version}); "
            "reload it and apply your change again"
        )


@dataclass(frozen=True)
class AnnotationInput:
    label: str
    span_start: int | None = None
    span_end: int | None = None
    claimant: str = ""
    source_name: str = ""
    evidence_url: str = ""
    note: str = ""


def check_annotation_input(sentence: Sentence, data: AnnotationInput) -> None:
    """Raise ValidationError naming each bad field and what is allowed."""
    errors: dict[str, str] = {}
    if data.label not in Label.values:
        errors["label"] = f"{data.label!r} is not a label; use one of: {', '.join(Label.values)}"
    if (data.span_start is None) != (data.span_end is None):
        errors["span_start"] = "give both span_start and span_end, or neither"
    elif data.span_start is not None and not 0 <= data.span_start < data.span_end <= len(
        sentence.text
    ):
        errors["span_end"] = (
            f"the span must lie inside the sentence: 0 <= span_start < span_end <= "
            f"{len(sentence.text)}"
        )
    if data.evidence_url:
        try:
            URLValidator(schemes=["http", "https"])(data.evidence_url)
        except ValidationError:
            errors["evidence_url"] = "enter an http:// or https:// URL"
    if len(data.note) > NOTE_MAX_LENGTH:
        errors["note"] = f"at most {NOTE_MAX_LENGTH} characters (this one has {len(data.note)})"
    for field, limit in TEXT_FIELDS_MAX_LENGTH.items():
        if len(getattr(data, field)) > limit and field not in errors:
            errors[field] = f"at most {limit} characters"
    if errors:
        raise ValidationError(errors)


def can_edit_article(article, actor) -> bool:
    """Locked articles stay editable for staff only."""
    return not article.locked or actor.is_staff


def check_can_edit(sentence: Sentence, actor) -> None:
    if not can_edit_article(sentence.article, actor):
        raise ArticleLocked("this article is locked by a moderator; it can no longer be edited")


def annotation_save(
    *,
    sentence: Sentence,
    reviewer,
    data: AnnotationInput,
    actor=None,
    expected_version: int | None = None,
) -> tuple[Annotation, bool]:
    """Create or update `reviewer`'s annotation of `sentence`; returns (annotation, created).

    With `expected_version`, an annotation changed since that version raises VersionConflict
    instead of being overwritten; `expected_version=0` expects no annotation yet. A changed label
    goes back to moderation.
    """
    actor = actor or reviewer
    check_can_edit(sentence, actor)
    check_annotation_input(sentence, data)
    try:
        with transaction.atomic():
            return _save(sentence, reviewer, data, actor, expected_version)
    except IntegrityError:
        # Two first saves raced on (sentence, reviewer): the loser updates the winner's row.
        with transaction.atomic():
            return _save(sentence, reviewer, data, actor, expected_version)


def _save(sentence, reviewer, data, actor, expected_version):
    annotation = (
        Annotation.objects.select_for_update().filter(sentence=sentence, reviewer=reviewer).first()
    )
    if annotation is not None:
        # Both are in hand; the webhook payload reads them (two queries per save otherwise).
        annotation.sentence, annotation.reviewer = sentence, reviewer
    if annotation is None:
        # Version 0 stands for "no annotation yet": what a page without one expects.
        if expected_version:
            raise VersionConflict(Annotation(sentence=sentence, reviewer=reviewer, version=0))
        annotation = Annotation(sentence=sentence, reviewer=reviewer, **vars(data))
        annotation.save()
        _record(annotation, History.Action.CREATED, actor, None, _snapshot(annotation))
        _after_commit(WebhookEvent.ANNOTATION_CREATED, annotation)
        schedule_retraining_if_due()
        return annotation, True
    if expected_version is not None and expected_version != annotation.version:
        raise VersionConflict(annotation)
    before = _snapshot(annotation)
    if annotation.label != data.label:
        annotation.moderation_status = ModerationStatus.PENDING
    for field, value in vars(data).items():
        setattr(annotation, field, value)
    if _snapshot(annotation) == before:
        return annotation, False  # nothing changed: no new version, no history, no event
    annotation.version += 1
    annotation.save()
    _record(annotation, History.Action.UPDATED, actor, before, _snapshot(annotation))
    _after_commit(WebhookEvent.ANNOTATION_UPDATED, annotation)
    return annotation, False


def annotation_delete(*, annotation: Annotation, actor, expected_version: int | None = None):
    check_can_edit(annotation.sentence, actor)
    with transaction.atomic():
        current = Annotation.objects.select_for_update().filter(pk=annotation.pk).first()
        if current is None:
            return
        if expected_version is not None and expected_version != current.version:
            raise VersionConflict(current)
        _record(current, History.Action.DELETED, actor, _snapshot(current), None)
        _after_commit(WebhookEvent.ANNOTATION_DELETED, current)
        current.delete()


def _snapshot(annotation: Annotation) -> dict:
    return model_to_dict(annotation, fields=HISTORY_FIELDS)


def _record(annotation: Annotation, action: str, actor, before, after) -> None:
    History.objects.create(
        sentence_id=annotation.sentence_id,
        subject="annotation",
        subject_id=annotation.pk,
        action=action,
        actor=actor,
        before=before,
        after=after,
    )


def _after_commit(event: str, annotation: Annotation) -> None:
    payload = webhooks.annotation_payload(annotation)  # taken now: the row may be deleted
    transaction.on_commit(lambda: webhooks.emit(event, [payload]))
