"""The moderation services: each decision, its rules, the audit trail and the webhooks."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from annotations.audit import EntryPoint, entry_point
from annotations.corpus.selectors import articles_visible_to
from annotations.moderation.services import (
    AdjudicationConflict,
    adjudicate,
    adjudication_clear,
    deactivate_reviewer,
    moderate,
    moderate_many,
    set_article_flag,
)
from annotations.review.models import Annotation, History
from annotations.review.selectors import gold_labels, label_counts
from annotations.review.services import VersionConflict, annotation_save
from annotations.roles import ArticleLocked, NotAModerator, NotAReviewer, is_moderator

pytestmark = pytest.mark.django_db


def stored(annotation) -> Annotation:
    return Annotation.objects.get(pk=annotation.pk)


def history(action=None):
    rows = History.objects.order_by("id")
    return list(rows.filter(action=action) if action else rows)


def test_approving_records_who_when_and_what_it_replaced(disagreement, moderator):
    with entry_point(EntryPoint.UI):
        moderate(annotation=disagreement.mine, actor=moderator, decision="approve")
    approved = stored(disagreement.mine)
    assert (approved.moderation_status, approved.moderated_by, approved.version) == (
        "approved",
        moderator,
        2,
    )
    assert approved.moderated_at is not None
    [row] = history("approved")
    assert (row.actor, row.reviewer, row.via, row.article, row.sentence) == (
        moderator,
        disagreement.mine.reviewer,
        "ui",
        disagreement.article,
        disagreement.contested,
    )
    assert (row.before["moderation_status"], row.after["moderation_status"]) == (
        "pending",
        "approved",
    )


def test_a_rejection_needs_a_reason_and_changes_nothing_without_one(disagreement, moderator):
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as refused:
            moderate(
                annotation=disagreement.mine, actor=moderator, decision="reject", reason=reason
            )
        assert "reason" in refused.value.message_dict
    assert stored(disagreement.mine).moderation_status == "pending"
    assert not history("rejected")


def test_a_reason_longer_than_a_note_is_refused(disagreement, moderator):
    with pytest.raises(ValidationError, match="at most 5000 characters"):
        moderate(
            annotation=disagreement.mine, actor=moderator, decision="reject", reason="x" * 5001
        )


def test_a_rejected_label_stops_counting_until_its_reviewer_revises_it(
    disagreement, reviewer, moderator
):
    contested = disagreement.contested
    moderate(annotation=disagreement.mine, actor=moderator, decision="reject", reason="No source")
    assert label_counts([contested.pk])[contested.pk] == {"disputed": 1}
    assert gold_labels([contested.pk])[contested.pk].label == "disputed"
    rejected = stored(disagreement.mine)
    assert (rejected.moderation_status, rejected.moderation_reason) == ("rejected", "No source")

    revised, _ = annotation_save(
        sentence=contested, reviewer=reviewer, changes={"source_name": "Reuters"}
    )
    assert (revised.moderation_status, revised.moderation_reason, revised.moderated_by) == (
        "pending",
        "",
        None,
    )
    assert label_counts([contested.pk])[contested.pk] == {"disputed": 1, "sourced": 1}


def test_reopening_sends_a_decision_back_to_pending(disagreement, moderator):
    moderate(annotation=disagreement.mine, actor=moderator, decision="reject", reason="Wrong")
    moderate(annotation=disagreement.mine, actor=moderator, decision="reopen")
    reopened = stored(disagreement.mine)
    assert (reopened.moderation_status, reopened.moderation_reason, reopened.moderated_by) == (
        "pending",
        "",
        None,
    )
    assert [row.action for row in history()][-2:] == ["rejected", "reopened"]


def test_a_decision_that_changes_nothing_records_nothing(disagreement, moderator):
    moderate(annotation=disagreement.mine, actor=moderator, decision="approve")
    moderate(annotation=disagreement.mine, actor=moderator, decision="approve")
    assert stored(disagreement.mine).version == 2
    assert len(history("approved")) == 1


def test_a_decision_on_a_stale_version_is_refused(disagreement, moderator, reviewer):
    annotation_save(sentence=disagreement.contested, reviewer=reviewer, changes={"note": "hm"})
    with pytest.raises(VersionConflict) as conflict:
        moderate(
            annotation=disagreement.mine, actor=moderator, decision="approve", expected_version=1
        )
    assert conflict.value.current.version == 2
    assert stored(disagreement.mine).moderation_status == "pending"


@pytest.mark.parametrize("persona", ["reviewer", "other_reviewer", "staff"])
def test_only_moderators_decide(disagreement, persona, request):
    actor = request.getfixturevalue(persona)
    with pytest.raises(NotAModerator):
        moderate(annotation=disagreement.theirs, actor=actor, decision="approve")
    with pytest.raises(NotAModerator):
        moderate_many(annotations=[disagreement.theirs.pk], actor=actor, decision="approve")
    with pytest.raises(NotAModerator):
        adjudicate(sentence=disagreement.contested, actor=actor, label="sourced")
    with pytest.raises(NotAModerator):
        set_article_flag(article=disagreement.article, actor=actor, flag="locked", value=True)
    assert stored(disagreement.theirs).moderation_status == "pending"
    assert not history("approved") and not history("locked") and not history("adjudicated")


def test_a_bulk_decision_counts_and_records_each_label_it_changed(disagreement, moderator):
    moderate(annotation=disagreement.mine, actor=moderator, decision="approve")
    everything = Annotation.objects.all()
    assert moderate_many(annotations=everything, actor=moderator, decision="approve") == 2
    assert set(everything.values_list("moderation_status", flat=True)) == {"approved"}
    assert len(history("approved")) == 3
    with pytest.raises(ValidationError):
        moderate_many(annotations=everything, actor=moderator, decision="reject")
    assert (
        moderate_many(annotations=everything, actor=moderator, decision="reject", reason="r") == 3
    )


def test_an_adjudication_overrides_the_majority_until_it_is_removed(disagreement, moderator):
    contested = disagreement.contested
    assert gold_labels([contested.pk])[contested.pk].basis == "tie"
    with entry_point(EntryPoint.API):
        adjudicated = adjudicate(
            sentence=contested, actor=moderator, label="not_claim", reason="An opinion"
        )
    assert adjudicated.version == 1
    gold = gold_labels([contested.pk])[contested.pk]
    assert (gold.label, gold.basis) == ("not_claim", "adjudicated")
    [row] = history("adjudicated")
    assert (row.subject, row.via, row.before, row.after) == (
        "adjudication",
        "api",
        None,
        {"label": "not_claim", "reason": "An opinion", "version": 1},
    )

    adjudication_clear(sentence=contested, actor=moderator)
    assert gold_labels([contested.pk])[contested.pk].basis == "tie"
    assert history()[-1].action == "deleted" and history()[-1].subject == "adjudication"


def test_an_adjudication_checks_its_label_and_version(disagreement, moderator):
    contested = disagreement.contested
    with pytest.raises(ValidationError, match="choose a label"):
        adjudicate(sentence=contested, actor=moderator, label="true")
    adjudicate(sentence=contested, actor=moderator, label="sourced", expected_version=0)
    with pytest.raises(AdjudicationConflict) as conflict:
        adjudicate(sentence=contested, actor=moderator, label="disputed", expected_version=0)
    assert conflict.value.current.label == "sourced"
    changed = adjudicate(sentence=contested, actor=moderator, label="disputed", expected_version=1)
    assert changed.version == 2
    with pytest.raises(AdjudicationConflict):
        adjudication_clear(sentence=contested, actor=moderator, expected_version=1)


def test_a_locked_article_refuses_reviewers_but_not_moderators(disagreement, reviewer, moderator):
    assert set_article_flag(
        article=disagreement.article, actor=moderator, flag="locked", value=True
    )
    disagreement.contested.article.refresh_from_db()
    with pytest.raises(ArticleLocked, match="locked"):
        annotation_save(
            sentence=disagreement.contested, reviewer=reviewer, changes={"label": "disputed"}
        )
    annotation_save(
        sentence=disagreement.contested, reviewer=moderator, changes={"label": "sourced"}
    )
    assert not set_article_flag(
        article=disagreement.article, actor=moderator, flag="locked", value=True
    )
    [row] = history("locked")
    assert (row.subject, row.subject_id, row.before, row.after) == (
        "article",
        disagreement.article.pk,
        {"locked": False},
        {"locked": True},
    )


def test_a_hidden_article_is_seen_and_edited_by_moderators_only(disagreement, reviewer, moderator):
    set_article_flag(article=disagreement.article, actor=moderator, flag="hidden", value=True)
    assert not articles_visible_to(reviewer).exists()
    assert articles_visible_to(moderator).get() == disagreement.article
    disagreement.contested.article.refresh_from_db()
    with pytest.raises(ArticleLocked, match="hidden"):
        annotation_save(sentence=disagreement.contested, reviewer=reviewer, changes={"note": "x"})
    set_article_flag(article=disagreement.article, actor=moderator, flag="hidden", value=False)
    assert articles_visible_to(reviewer).exists()
    assert [row.action for row in history()][-2:] == ["hidden", "shown"]


def test_a_deactivated_reviewer_can_no_longer_log_in_or_label(
    disagreement, reviewer, moderator, client
):
    assert deactivate_reviewer(user=reviewer, actor=moderator) == 0
    login = client.post(reverse("login"), {"username": "reviewer", "password": "pw-reviewer"})
    assert login.status_code == 200  # the form again, not the redirect of a successful login
    assert "_auth_user_id" not in client.session
    assert Annotation.objects.filter(reviewer=reviewer, moderation_status="pending").count() == 2
    reviewer.refresh_from_db()
    with pytest.raises(NotAReviewer):
        annotation_save(sentence=disagreement.contested, reviewer=reviewer, changes={"note": "x"})
    [row] = history("deactivated")
    assert (row.subject, row.reviewer, row.actor) == ("user", reviewer, moderator)


def test_deactivating_can_reject_every_pending_label_with_one_reason(
    disagreement, reviewer, moderator
):
    moderate(annotation=disagreement.single_label, actor=moderator, decision="approve")
    with pytest.raises(ValidationError):
        deactivate_reviewer(user=reviewer, actor=moderator, reject_pending=True)
    assert User.objects.get(pk=reviewer.pk).is_active  # refused as a whole
    rejected = deactivate_reviewer(
        user=reviewer, actor=moderator, reject_pending=True, reason="Spam"
    )
    assert rejected == 1
    statuses = dict(
        Annotation.objects.filter(reviewer=reviewer).values_list("pk", "moderation_status")
    )
    assert statuses == {disagreement.mine.pk: "rejected", disagreement.single_label.pk: "approved"}


def test_moderators_cannot_deactivate_themselves_or_a_superuser(moderator, superuser):
    for user, message in ((moderator, "your own"), (superuser, "superuser")):
        with pytest.raises(ValidationError, match=message):
            deactivate_reviewer(user=user, actor=moderator)
        assert User.objects.get(pk=user.pk).is_active


def test_labelling_takes_a_role_and_an_active_account(disagreement, staff, moderator):
    with pytest.raises(NotAReviewer):
        annotation_save(sentence=disagreement.single, reviewer=staff, changes={"label": "sourced"})
    moderator.is_active = False
    assert not is_moderator(moderator)


def test_the_audit_trail_cannot_be_changed_or_deleted(disagreement):
    row = History.objects.first()
    row.action = "approved"
    with pytest.raises(PermissionDenied):
        row.save()
    with pytest.raises(PermissionDenied):
        row.delete()
    assert History.objects.get(pk=row.pk).action == "created"


def test_decisions_are_announced_to_webhooks_once_they_commit(
    disagreement, moderator, webhook_subscriber, django_capture_on_commit_callbacks
):
    deliveries = webhook_subscriber(
        "annotation.approved", "annotation.rejected", "sentence.adjudicated"
    )
    with django_capture_on_commit_callbacks(execute=True):
        moderate(annotation=disagreement.mine, actor=moderator, decision="approve")
        moderate(annotation=disagreement.theirs, actor=moderator, decision="reject", reason="No")
        adjudicate(sentence=disagreement.contested, actor=moderator, label="sourced", reason="AP")
    sent = deliveries()
    assert [event for event, _ in sent] == [
        "annotation.approved",
        "annotation.rejected",
        "sentence.adjudicated",
    ]
    assert sent[1][1]["moderation_reason"] == "No"
    assert sent[2][1] == {
        "sentence": disagreement.contested.pk,
        "article": disagreement.article.pk,
        "moderator": "moderator",
        "label": "sourced",
        "reason": "AP",
        "version": 1,
    }
