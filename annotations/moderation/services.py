"""Moderators' decisions: approve, reject and reopen annotations (one or many), adjudicate a
sentence's final label, lock and hide articles, deactivate a reviewer. The web UI, the API, admin
actions and the `moderate` command all call these; each writes the audit trail and, once it
commits, the webhooks."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal

from annotations.corpus.models import Article, Sentence
from annotations.labels import Label
from annotations.review.models import Adjudication, Annotation, History, ModerationStatus
from annotations.review.services import (
    VersionConflict,
    annotation_snapshot,
    record,
    record_annotation_change,
    retally,
    set_moderation,
)
from annotations.roles import check_can_moderate
from annotations.webhooks.models import WebhookEvent
from annotations.webhooks.services import emit

REASON_MAX_LENGTH = Annotation._meta.get_field("note").max_length
# What each decision sets an annotation's status to, and records and announces.
DECISIONS = {
    "approve": (
        ModerationStatus.APPROVED,
        History.Action.APPROVED,
        WebhookEvent.ANNOTATION_APPROVED,
    ),
    "reject": (
        ModerationStatus.REJECTED,
        History.Action.REJECTED,
        WebhookEvent.ANNOTATION_REJECTED,
    ),
    "reopen": (ModerationStatus.PENDING, History.Action.REOPENED, WebhookEvent.ANNOTATION_UPDATED),
}


class AdjudicationConflict(Exception):
    """The sentence's adjudication changed since the caller read it; `current` is what is
    stored now (None: there is none)."""

    def __init__(self, current: Adjudication | None):
        self.current = current
        version = current.version if current else 0
        super().__init__(
            f"the adjudication was changed by someone else (now version {version}); "
            "reload it and apply your decision again"
        )


def check_reason(decision: str, reason: str) -> str:
    """The reason, stripped; a rejection must give one."""
    reason = (reason or "").strip()
    if decision == "reject" and not reason:
        raise ValidationError({"reason": "a rejection needs a reason: pick one or type one"})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {"reason": f"at most {REASON_MAX_LENGTH} characters (this one has {len(reason)})"}
        )
    return reason


def moderate(
    *,
    annotation: Annotation | int,
    actor,
    decision: str,
    reason: str = "",
    expected_version=None,
    sentence_id: int | None = None,
) -> Annotation:
    """Approve, reject (with a reason) or reopen one annotation (or the one with that id). With
    `expected_version`, an annotation changed since raises VersionConflict; with `sentence_id`,
    one that is not that sentence's counts as removed (the web queue names both). A decision
    that changes nothing (approving an approved annotation with the same reason) records
    nothing."""
    check_can_moderate(actor)
    reason = check_reason(decision, reason)
    chosen = Annotation.objects.filter(pk=getattr(annotation, "pk", annotation))
    if sentence_id is not None:
        chosen = chosen.filter(sentence_id=sentence_id)
    with transaction.atomic():
        # The annotation's row and its sentence's (for the tally, see review.services.retally).
        current = (
            chosen.select_for_update(no_key=True, of=("self", "sentence"))
            .select_related("sentence", "reviewer")
            .first()
        )
        if current is None:
            raise Annotation.DoesNotExist("the annotation was removed")
        if expected_version is not None and expected_version != current.version:
            raise VersionConflict(current)
        _decide(current, actor, decision, reason)
        retally([current.sentence_id], rows_locked=True)
    return current


def moderate_many(*, annotations, actor, decision: str, reason: str = "") -> int:
    """The same decision on many annotations (a queryset or ids), each recorded on its own;
    returns how many changed (those already so decided are left alone)."""
    check_can_moderate(actor)
    reason = check_reason(decision, reason)
    status = DECISIONS[decision][0]
    with transaction.atomic():
        chosen = (
            Annotation.objects.select_for_update()
            .select_related("sentence", "reviewer")
            .filter(pk__in=_ids(annotations))
            .order_by("pk")  # one lock order for every caller: no deadlock between two bulks
        )
        changed = set()
        for annotation in chosen:
            if annotation.moderation_status != status or annotation.moderation_reason != reason:
                _decide(annotation, actor, decision, reason)
                changed.add((annotation.pk, annotation.sentence_id))
        retally(sentence for _, sentence in changed)
    return len(changed)


def _ids(annotations):
    if hasattr(annotations, "values_list"):
        return annotations.values_list("pk", flat=True)
    return [getattr(a, "pk", a) for a in annotations]


def _decide(annotation: Annotation, actor, decision: str, reason: str) -> None:
    status, action, event = DECISIONS[decision]
    before = annotation_snapshot(annotation)
    set_moderation(annotation, status, None if decision == "reopen" else actor, reason)
    if annotation_snapshot(annotation) == before:
        return
    annotation.version += 1
    annotation.save()
    record_annotation_change(
        annotation, actor, action, event, before, annotation_snapshot(annotation)
    )


def adjudicate(
    *, sentence: Sentence, actor, label: str, reason: str = "", expected_version=None
) -> Adjudication:
    """Set the sentence's final label, which overrides the reviewers' majority. With
    `expected_version` (0: none expected yet), a changed adjudication raises
    AdjudicationConflict."""
    check_can_moderate(actor)
    if label not in Label.values:
        raise ValidationError({"label": f"choose a label: one of {', '.join(Label.values)}"})
    reason = check_reason("adjudicate", reason)
    with transaction.atomic():
        current = Adjudication.objects.select_for_update().filter(sentence=sentence).first()
        if expected_version is not None and expected_version != (current.version if current else 0):
            raise AdjudicationConflict(current)
        before = _adjudication_snapshot(current)
        if current is None:
            current = Adjudication(sentence=sentence, version=0)
        elif (current.label, current.reason) == (label, reason):
            return current
        current.label, current.reason, current.moderator = label, reason, actor
        current.version += 1
        current.save()
        _record_adjudication(current, actor, History.Action.ADJUDICATED, before)
        retally([sentence.pk])
    return current


def adjudication_clear(*, sentence: Sentence, actor, expected_version=None) -> None:
    """Remove the sentence's adjudication: its final label goes back to the reviewers'."""
    check_can_moderate(actor)
    with transaction.atomic():
        current = Adjudication.objects.select_for_update().filter(sentence=sentence).first()
        if expected_version is not None and expected_version != (current.version if current else 0):
            raise AdjudicationConflict(current)
        if current is None:
            return
        _record_adjudication(
            current, actor, History.Action.DELETED, _adjudication_snapshot(current)
        )
        current.delete()
        retally([sentence.pk])


def _adjudication_snapshot(adjudication: Adjudication | None) -> dict | None:
    if adjudication is None:
        return None
    return {name: getattr(adjudication, name) for name in Adjudication.RECORDED_FIELDS}


def _record_adjudication(adjudication: Adjudication, actor, action: str, before) -> None:
    deleted = action == History.Action.DELETED
    after = None if deleted else _adjudication_snapshot(adjudication)
    entry = record(
        actor=actor,
        action=action,
        subject=History.Subject.ADJUDICATION,
        subject_id=adjudication.pk,
        before=before,
        after=after,
        sentence=adjudication.sentence,
    )
    payload = {
        "sentence": adjudication.sentence_id,
        "article": adjudication.sentence.article_id,
        "moderator": actor.get_username(),
        "label": None if deleted else adjudication.label,
        "reason": "" if deleted else adjudication.reason,
        "version": adjudication.version,
    }
    emit(WebhookEvent.SENTENCE_ADJUDICATED, {f"history-{entry.pk}": payload})


# Sent with `article_ids` inside the transaction that locked, unlocked, hid or showed an article:
# the work queue of assignment (a sibling room, connected in apps.py) follows.
article_flag_changed = Signal()
# What each article switch records, by its new value.
ARTICLE_SWITCHES = {
    "locked": {True: History.Action.LOCKED, False: History.Action.UNLOCKED},
    "hidden": {True: History.Action.HIDDEN, False: History.Action.SHOWN},
}


def set_article_flag(*, article: Article, actor, flag: str, value: bool) -> bool:
    """Lock or unlock (flag "locked"), hide or show (flag "hidden") an article; returns whether
    it changed. Locked: reviewers can no longer change its labels; hidden: reviewers no longer
    see it."""
    check_can_moderate(actor)
    with transaction.atomic():
        current = Article.objects.select_for_update().only("pk", flag).get(pk=article.pk)
        if getattr(current, flag) == value:
            setattr(article, flag, value)
            return False
        Article.objects.filter(pk=article.pk).update(**{flag: value})
        setattr(article, flag, value)
        record(
            actor=actor,
            action=ARTICLE_SWITCHES[flag][value],
            subject=History.Subject.ARTICLE,
            subject_id=article.pk,
            before={flag: not value},
            after={flag: value},
            article_id=article.pk,
        )
        article_flag_changed.send(Article, article_ids=[article.pk])
    return True


def pending_annotations_of(user):
    """The user's annotations still waiting for a moderator."""
    return Annotation.objects.filter(reviewer=user, moderation_status=ModerationStatus.PENDING)


def deactivate_reviewer(*, user, actor, reject_pending: bool = False, reason: str = "") -> int:
    """Stop the user from logging in (their labels stay, and keep counting unless rejected);
    with `reject_pending`, reject all their pending annotations with `reason`. Returns how many
    were rejected."""
    check_can_moderate(actor)
    if user.pk == actor.pk:
        raise ValidationError({"user": "you cannot deactivate your own account"})
    if user.is_superuser:
        raise ValidationError(
            {"user": "a superuser is deactivated by another superuser, in the admin"}
        )
    with transaction.atomic():
        rejected = 0
        if reject_pending:
            rejected = moderate_many(
                annotations=pending_annotations_of(user),
                actor=actor,
                decision="reject",
                reason=reason,
            )
        if user.is_active:
            type(user).objects.filter(pk=user.pk).update(is_active=False)
            user.is_active = False
            record(
                actor=actor,
                action=History.Action.DEACTIVATED,
                subject=History.Subject.USER,
                subject_id=user.pk,
                before={"is_active": True},
                after={"is_active": False, "rejected_pending": rejected},
                reviewer_id=user.pk,
            )
    return rejected
