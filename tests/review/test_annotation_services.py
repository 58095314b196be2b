"""The one write path of annotations: create, change (merged under the row lock), clear; who may;
what is recorded; and the one field list the rest derives from."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet

from annotations.api.annotations import AnnotationWriteSerializer, MyAnnotationSerializer
from annotations.review.models import Annotation, History
from annotations.review.services import (
    VersionConflict,
    annotation_clear,
    annotation_payload,
    annotation_save,
)
from annotations.roles import ArticleLocked, NotYourAnnotation
from annotations.web.forms import AnnotationActionForm
from annotations.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.reviewing import load_article, sentence
from tests.services import require_postgres

SNAPSHOT = {
    "label": "sourced",
    "span_start": None,
    "span_end": None,
    "claimant": "",
    "source_name": "AP",
    "evidence_url": "",
    "note": "",
    "moderation_status": "pending",
    "moderation_reason": "",
    "version": 1,
}


@pytest.fixture
def first(db):
    return sentence(load_article(body="Kyiv denied the report, AP said. It rained."), 0)


def save(target, user, actor=None, **changes):
    return annotation_save(sentence=target, reviewer=user, actor=actor, changes=changes)[0]


@pytest.mark.django_db
def test_history_records_what_each_change_replaced_and_what_it_became(first, reviewer):
    annotation = save(first, reviewer, label="sourced", source_name="AP")
    save(first, reviewer, label="disputed", note="denied")
    annotation_clear(annotation=annotation, actor=reviewer)
    created, updated, deleted = History.objects.order_by("id")
    changed = {**SNAPSHOT, "label": "disputed", "note": "denied", "version": 2}
    assert (created.action, created.before, created.after) == ("created", None, SNAPSHOT)
    assert (updated.action, updated.before, updated.after) == ("updated", SNAPSHOT, changed)
    assert (deleted.action, deleted.before, deleted.after) == ("deleted", changed, None)
    assert {created.actor, updated.actor, deleted.actor} == {reviewer}


@pytest.mark.django_db
def test_saving_what_is_stored_changes_nothing(first, reviewer):
    WebhookEndpoint.objects.create(
        url="https://hooks.example.org/", secret="whsec_x", events=["annotation.updated"]
    )
    annotation = save(first, reviewer, label="sourced", note="n")
    again, created = annotation_save(
        sentence=first, reviewer=reviewer, changes={"label": "sourced", "note": "n"}
    )
    assert not created and again.version == 1
    assert Annotation.objects.get().version == 1 == annotation.version
    assert History.objects.count() == 1
    assert not WebhookDelivery.objects.exists()


@pytest.mark.django_db
def test_a_change_keeps_the_fields_it_does_not_name_and_put_resets_them(first, reviewer):
    save(first, reviewer, label="sourced", source_name="AP", note="n", span_start=0, span_end=4)
    annotation = save(first, reviewer, label="disputed")
    assert (annotation.source_name, annotation.note, annotation.span_end) == ("AP", "n", 4)
    replaced, _ = annotation_save(
        sentence=first, reviewer=reviewer, changes={"label": "not_claim"}, replace=True
    )
    assert (replaced.source_name, replaced.note, replaced.span_end) == ("", "", None)


@pytest.mark.django_db
def test_a_changed_label_goes_back_to_moderation(first, reviewer):
    annotation = save(first, reviewer, label="sourced")
    Annotation.objects.filter(pk=annotation.pk).update(moderation_status="approved")
    assert save(first, reviewer, note="checked").moderation_status == "approved"
    assert save(first, reviewer, label="disputed").moderation_status == "pending"


@pytest.mark.django_db
def test_only_the_reviewer_or_a_moderator_changes_an_annotation(
    first, reviewer, other_reviewer, moderator
):
    annotation = save(first, reviewer, label="sourced")
    with pytest.raises(NotYourAnnotation):
        save(first, reviewer, actor=other_reviewer, label="disputed")
    with pytest.raises(NotYourAnnotation):
        annotation_clear(annotation=annotation, actor=other_reviewer)
    assert Annotation.objects.get().label == "sourced"
    assert save(first, reviewer, actor=moderator, label="disputed").reviewer == reviewer
    assert History.objects.latest("id").actor == moderator
    annotation_clear(annotation=annotation, actor=moderator)
    assert not Annotation.objects.exists()


@pytest.mark.django_db
def test_length_limits_come_from_the_model(first, reviewer):
    limits = Annotation.max_lengths()
    assert limits == {"claimant": 255, "source_name": 255, "evidence_url": 2000, "note": 5000}
    with pytest.raises(ValidationError) as refused:
        save(first, reviewer, label="sourced", claimant="x" * 256, note="y" * 5001)
    assert refused.value.message_dict == {
        "claimant": ["at most 255 characters (this one has 256)"],
        "note": ["at most 5000 characters (this one has 5001)"],
    }
    assert not Annotation.objects.exists()


@pytest.mark.django_db
def test_every_view_of_an_annotation_derives_from_its_one_field_list(first, reviewer):
    annotation = save(first, reviewer, label="sourced")
    inputs, recorded = set(Annotation.INPUT_FIELDS), list(Annotation.RECORDED_FIELDS)
    assert set(AnnotationWriteSerializer().fields) == inputs
    assert inputs <= set(AnnotationActionForm().fields)
    assert list(annotation_payload(annotation)) == ["id", "sentence", "article", "reviewer"] + (
        recorded
    )
    assert list(MyAnnotationSerializer(annotation).data) == ["id", *recorded] + [
        "created_at",
        "updated_at",
    ]
    assert set(History.objects.get().after) == set(recorded)  # jsonb keeps no key order


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_change_merges_with_what_is_stored_once_it_holds_the_row(first, reviewer):
    """A moderator's note lands while a reviewer's relabel waits for the row: both survive."""
    require_postgres()
    annotation = save(first, reviewer, label="sourced", note="before")
    locked, finished = threading.Event(), threading.Event()

    def moderator_edits_the_note():
        try:
            with transaction.atomic():
                Annotation.objects.select_for_update().get(pk=annotation.pk)
                locked.set()
                time.sleep(0.5)
                Annotation.objects.filter(pk=annotation.pk).update(note="after", version=2)
        finally:
            connection.close()
            finished.set()

    editor = threading.Thread(target=moderator_edits_the_note)
    editor.start()
    assert locked.wait(10)
    relabelled = save(first, reviewer, label="disputed")
    editor.join(10)
    assert finished.is_set()
    stored = Annotation.objects.get()
    assert (stored.label, stored.note, stored.version) == ("disputed", "after", 3)
    assert relabelled.note == "after"


@pytest.mark.django_db
def test_it_refuses_fields_that_are_not_annotation_inputs(first, reviewer):
    with pytest.raises(TypeError) as refused:
        save(first, reviewer, label="sourced", version=7, reviewer_id=2)
    assert str(refused.value) == "not annotation input fields: reviewer_id, version"
    assert not Annotation.objects.exists()


@pytest.mark.django_db
def test_it_says_whether_it_created_the_annotation(first, reviewer):
    changes = {"label": "sourced"}
    assert annotation_save(sentence=first, reviewer=reviewer, changes=changes)[1] is True
    changes = {"label": "disputed"}
    assert annotation_save(sentence=first, reviewer=reviewer, changes=changes)[1] is False


@pytest.mark.django_db
def test_each_sentence_keeps_its_own_annotation_of_a_reviewer(first, reviewer):
    second = sentence(first.article, 1)
    save(first, reviewer, label="sourced")
    save(second, reviewer, label="not_claim")
    stored = Annotation.objects.values_list("sentence", "label", "version")
    assert set(stored) == {(first.pk, "sourced", 1), (second.pk, "not_claim", 1)}


@pytest.mark.django_db
def test_a_stale_version_is_refused_with_what_is_stored_now(first, reviewer):
    # expected_version=0 means "no annotation yet"; each save that changes something adds one.
    annotation, _ = annotation_save(
        sentence=first, reviewer=reviewer, changes={"label": "sourced"}, expected_version=0
    )
    annotation_save(sentence=first, reviewer=reviewer, changes={"note": "seen"}, expected_version=1)
    for stale in (0, 1, 3):
        with pytest.raises(VersionConflict) as conflict:
            annotation_save(
                sentence=first,
                reviewer=reviewer,
                changes={"label": "disputed"},
                expected_version=stale,
            )
        assert (conflict.value.current.pk, conflict.value.current.version) == (annotation.pk, 2)
        assert str(conflict.value) == (
            "annotation was changed by someone else (now version 2); "
            "reload it and apply your change again"
        )
    with pytest.raises(VersionConflict):
        annotation_clear(annotation=annotation, actor=reviewer, expected_version=1)
    stored = Annotation.objects.get()
    assert (stored.label, stored.note, stored.version) == ("sourced", "seen", 2)
    annotation_clear(annotation=annotation, actor=reviewer, expected_version=2)
    assert not Annotation.objects.exists()


@pytest.mark.django_db
def test_a_first_save_expecting_an_annotation_is_refused(first, reviewer):
    with pytest.raises(VersionConflict) as conflict:
        annotation_save(
            sentence=first, reviewer=reviewer, changes={"label": "sourced"}, expected_version=1
        )
    assert conflict.value.current.version == 0  # nothing stored
    assert not Annotation.objects.exists()


@pytest.mark.django_db
def test_a_locked_article_is_changed_by_moderators_only(first, reviewer, moderator):
    annotation = save(first, reviewer, label="sourced")
    first.article.locked = True
    first.article.save()
    with pytest.raises(ArticleLocked):
        save(first, reviewer, label="disputed")
    with pytest.raises(ArticleLocked):
        annotation_clear(annotation=annotation, actor=reviewer)
    assert save(first, reviewer, actor=moderator, label="disputed").label == "disputed"
    annotation_clear(annotation=annotation, actor=moderator)
    assert not Annotation.objects.exists()


@pytest.mark.django_db
def test_history_names_the_annotation_even_after_it_is_deleted(first, reviewer):
    annotation = save(first, reviewer, label="sourced")
    save(first, reviewer, label="disputed")
    annotation_clear(annotation=annotation, actor=reviewer)
    assert set(History.objects.values_list("subject", "subject_id", "sentence")) == {
        ("annotation", annotation.pk, first.pk)
    }


@pytest.mark.django_db
def test_each_change_is_announced_to_webhooks_once_it_commits(
    first, reviewer, webhook_subscriber, django_capture_on_commit_callbacks
):
    sent = webhook_subscriber("annotation.created", "annotation.updated", "annotation.deleted")
    with django_capture_on_commit_callbacks(execute=True):
        annotation = save(first, reviewer, label="sourced")
        created = annotation_payload(annotation)
    with django_capture_on_commit_callbacks(execute=True):
        save(first, reviewer, label="disputed")
        updated = annotation_payload(Annotation.objects.get())
    with django_capture_on_commit_callbacks(execute=True):
        annotation_clear(annotation=annotation, actor=reviewer)
    assert sent() == [
        ("annotation.created", created),
        ("annotation.updated", updated),
        ("annotation.deleted", updated),  # what was deleted
    ]


def lose_the_race_for_the_first_save(monkeypatch):
    """The next look for the annotation finds nothing, as when another request of the same
    reviewer inserts it just after: the insert then breaks the one-per-reviewer constraint."""
    real_first = QuerySet.first
    missed = []

    def first(queryset):
        if queryset.model is Annotation and not missed:
            missed.append(queryset)
            return None
        return real_first(queryset)

    monkeypatch.setattr(QuerySet, "first", first)
    return missed


@pytest.mark.django_db
def test_a_first_save_that_lost_the_race_changes_the_winners_annotation(
    first, reviewer, monkeypatch
):
    winner = save(first, reviewer, label="sourced", note="first tab")
    missed = lose_the_race_for_the_first_save(monkeypatch)
    annotation, created = annotation_save(
        sentence=first, reviewer=reviewer, changes={"label": "disputed"}, replace=True
    )
    assert missed, "the race was not simulated"
    assert (annotation.pk, created) == (winner.pk, False)
    stored = Annotation.objects.get()
    assert (stored.label, stored.note, stored.version) == ("disputed", "", 2)
    assert History.objects.latest("id").action == "updated"


@pytest.mark.django_db
def test_a_first_save_that_lost_the_race_expecting_no_annotation_is_refused(
    first, reviewer, monkeypatch
):
    save(first, reviewer, label="sourced")
    missed = lose_the_race_for_the_first_save(monkeypatch)
    with pytest.raises(VersionConflict) as conflict:
        annotation_save(
            sentence=first, reviewer=reviewer, changes={"label": "disputed"}, expected_version=0
        )
    assert missed, "the race was not simulated"
    assert conflict.value.current.label == "sourced"
    assert Annotation.objects.get().label == "sourced"
