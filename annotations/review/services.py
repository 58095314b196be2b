"""Writes to annotations. The UI, the API, admin actions and commands all call these."""

import datetime
from collections import Counter
from collections.abc import Mapping
from itertools import groupby
from operator import itemgetter

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, connection, transaction
from django.dispatch import Signal
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from annotations.audit import current_entry_point
from annotations.corpus.models import CANDIDATE_CLAIM_SCORE, Article, Sentence
from annotations.corpus.services import analyze_tables
from annotations.detection.models import Candidate
from annotations.labels import Label, Vote, decide
from annotations.roles import (
    check_can_change_annotation,
    check_can_edit_article,
    check_can_review,
)
from annotations.webhooks.models import WebhookEvent
from annotations.webhooks.services import emit

from .models import (
    Adjudication,
    Annotation,
    History,
    ModerationStatus,
    ReviewerProgress,
    ReviewerSettings,
    SentencesByVotes,
    SentenceTally,
)

EVIDENCE_URL = URLValidator(schemes=["http", "https"])
# Sent with `sentence_ids` and their counted labels (`votes`: sentence id -> count) inside the
# transaction of every change to labels, their moderation or an adjudication: rooms above review
# that derive figures from labels (agreement, assignment, connected in apps.py) follow without
# review importing them.
labels_changed = Signal()


class VersionConflict(Exception):
    """The annotation changed since the caller read it; `current` is what is stored now."""

    def __init__(self, current: Annotation):
        self.current = current
        super().__init__(
            f"annotation was changed by someone else (now version {current.version}); "
            "reload it and apply your change again"
        )


def annotation_save(
    *,
    sentence: Sentence,
    reviewer,
    changes: Mapping[str, object],
    actor=None,
    replace: bool = False,
    expected_version: int | None = None,
) -> tuple[Annotation, bool]:
    """Create or change `reviewer`'s annotation of `sentence`; returns (annotation, created).

    `changes` holds input fields (Annotation.INPUT_FIELDS); the others keep their stored values
    (read under the row lock), or take their defaults with `replace`. The actor (the reviewer
    unless given) must be the reviewer or a moderator. With `expected_version`, an annotation
    changed since that version raises VersionConflict instead of being overwritten;
    `expected_version=0` expects no annotation yet. A changed label, or any change to a rejected
    annotation, goes back to moderation (pending).
    """
    unknown = set(changes) - set(Annotation.INPUT_FIELDS)
    if unknown:
        raise TypeError(f"not annotation input fields: {', '.join(sorted(unknown))}")
    actor = actor or reviewer
    check_can_review(actor)
    try:
        with transaction.atomic():
            return _save(sentence, reviewer, changes, actor, replace, expected_version)
    except IntegrityError:
        # Two first saves raced on (sentence, reviewer): the loser updates the winner's row.
        with transaction.atomic():
            return _save(sentence, reviewer, changes, actor, replace, expected_version)


def _saved(annotation: Annotation, created: bool) -> tuple[Annotation, bool]:
    if created:
        _count_reviewer_labels(annotation, 1)
    retally([annotation.sentence_id])
    return annotation, created


def _count_reviewer_labels(annotation: Annotation, change: int) -> None:
    """Keep the reviewer's ReviewerProgress in the annotation's article (1: made, -1: removed)."""
    key = (annotation.reviewer_id, annotation.sentence.article_id)
    _add_counts(ReviewerProgress, ("reviewer", "article"), "labelled", {key: change})


def _save(sentence, reviewer, changes, actor, replace, expected_version):
    _check_article_open(actor, sentence)
    annotation = (
        Annotation.objects.select_for_update().filter(sentence=sentence, reviewer=reviewer).first()
    )
    created = annotation is None
    if created:
        annotation = Annotation(version=0)
    # Both are in hand; the webhook payload reads them (two queries per save otherwise).
    annotation.sentence, annotation.reviewer = sentence, reviewer
    check_can_change_annotation(actor, annotation)
    if expected_version is not None and expected_version != annotation.version:
        raise VersionConflict(annotation)  # version 0 stands for "no annotation yet"
    before = None if created else annotation_snapshot(annotation)
    values = {name: _default(name) for name in Annotation.INPUT_FIELDS} if replace else {}
    for name, value in {**values, **changes}.items():
        setattr(annotation, name, value)
    check_annotation(annotation)
    if created:
        annotation.version = 1
        annotation.save()
        after = annotation_snapshot(annotation)
        record_annotation_change(
            annotation, actor, History.Action.CREATED, WebhookEvent.ANNOTATION_CREATED, None, after
        )
        return _saved(annotation, True)
    if annotation_snapshot(annotation) == before:
        return annotation, False  # nothing changed: no new version, no history, no event
    if (
        annotation.label != before["label"]
        or before["moderation_status"] == ModerationStatus.REJECTED
    ):
        set_moderation(annotation, ModerationStatus.PENDING, None)
    annotation.version += 1
    annotation.save()
    after = annotation_snapshot(annotation)
    record_annotation_change(
        annotation, actor, History.Action.UPDATED, WebhookEvent.ANNOTATION_UPDATED, before, after
    )
    return _saved(annotation, False)


def annotation_clear(*, annotation: Annotation, actor, expected_version: int | None = None):
    """Remove an annotation (its reviewer's or, for a moderator, anyone's)."""
    check_can_review(actor)
    with transaction.atomic():
        _check_article_open(actor, annotation.sentence)
        current = Annotation.objects.select_for_update().filter(pk=annotation.pk).first()
        if current is None:
            return
        check_can_change_annotation(actor, current)
        if expected_version is not None and expected_version != current.version:
            raise VersionConflict(current)
        # Both are in hand (an annotation keeps its sentence and reviewer); the audit trail and
        # the webhook payload read them.
        current.sentence, current.reviewer = annotation.sentence, annotation.reviewer
        before = annotation_snapshot(current)
        record_annotation_change(
            current, actor, History.Action.DELETED, WebhookEvent.ANNOTATION_DELETED, before, None
        )
        current.delete()
        _count_reviewer_labels(current, -1)
        retally([current.sentence_id])


def _check_article_open(actor, sentence: Sentence) -> None:
    """Check the sentence's article's lock under its row lock, held until the change commits: a
    moderator locking it (set_article_flag takes the row FOR UPDATE) either waits for this change
    or is seen by it, so no save lands just after a lock. FOR SHARE (which the ORM cannot say),
    so that changes to one article still run side by side; SQLite has one writer at a time
    anyway. Only the two flags are read: the article's body may be megabytes."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Article._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT locked, hidden FROM {table} WHERE id = %s FOR SHARE", [sentence.article_id]
            )
            row = cursor.fetchone()
    else:
        flags = Article.objects.filter(pk=sentence.article_id).values_list("locked", "hidden")
        row = flags.first()
    if row is None:
        raise Article.DoesNotExist(f"there is no article {sentence.article_id}")
    locked, hidden = row
    check_can_edit_article(actor, Article(pk=sentence.article_id, locked=locked, hidden=hidden))


def check_annotation(annotation: Annotation) -> None:
    """Raise ValidationError naming each bad field and what is allowed."""
    errors: dict[str, str] = {}
    text = annotation.sentence.text
    if annotation.label not in Label.values:
        errors["label"] = (
            f"{annotation.label!r} is not a label; use one of: {', '.join(Label.values)}"
            if annotation.label
            else f"choose a label: one of {', '.join(Label.values)}"
        )
    start, end = annotation.span_start, annotation.span_end
    if (start is None) != (end is None):
        errors["span_start"] = "give both span_start and span_end, or neither"
    elif start is not None and not 0 <= start < end <= len(text):
        errors["span_end"] = (
            f"the span must lie inside the sentence: 0 <= span_start < span_end <= {len(text)}"
        )
    if annotation.evidence_url:
        try:
            EVIDENCE_URL(annotation.evidence_url)
        except ValidationError:
            errors["evidence_url"] = "enter an http:// or https:// URL"
    for name, limit in Annotation.max_lengths().items():
        length = len(getattr(annotation, name))
        if length > limit and name not in errors:
            errors[name] = f"at most {limit} characters (this one has {length})"
    if errors:
        raise ValidationError(errors)


def annotation_payload(annotation: Annotation) -> dict:
    """The annotation as webhooks send it."""
    return {
        "id": annotation.pk,
        "sentence": annotation.sentence_id,
        "article": annotation.sentence.article_id,
        "reviewer": annotation.reviewer.get_username(),
        **annotation_snapshot(annotation),
    }


def _default(name: str):
    return Annotation._meta.get_field(name).get_default()


def annotation_snapshot(annotation: Annotation) -> dict:
    """What the audit trail keeps of an annotation, before and after each change."""
    return model_to_dict(annotation, fields=Annotation.RECORDED_FIELDS)


def set_moderation(annotation: Annotation, status: str, moderator, reason: str = "") -> None:
    """Set the moderation fields together (not saved): back to pending clears the decision."""
    annotation.moderation_status = status
    annotation.moderated_by = moderator
    annotation.moderated_at = timezone.now() if moderator else None
    annotation.moderation_reason = reason


def record(
    *,
    actor,
    action: str,
    subject: str,
    subject_id: int,
    before=None,
    after=None,
    sentence=None,
    article_id=None,
    reviewer_id=None,
) -> History:
    """One audit-trail row, with the entry point the change came through."""
    return History.objects.create(
        sentence=sentence,
        article_id=article_id if article_id is not None else sentence and sentence.article_id,
        subject=subject,
        subject_id=subject_id,
        action=action,
        actor=actor,
        reviewer_id=reviewer_id,
        via=current_entry_point(),
        before=before,
        after=after,
    )


def record_annotation_change(
    annotation: Annotation, actor, action: str, event: str, before, after
) -> None:
    """The audit trail of an annotation's change, and its webhook (recorded with the change,
    keyed by its History row)."""
    entry = record(
        actor=actor,
        action=action,
        subject=History.Subject.ANNOTATION,
        subject_id=annotation.pk,
        before=before,
        after=after,
        sentence=annotation.sentence,
        reviewer_id=annotation.reviewer_id,
    )
    payload = annotation_payload(annotation)  # taken now: the row may be deleted
    emit(event, {f"history-{entry.pk}": payload})


# Plain SQL: the same query built with the ORM took 4-5 ms to compile on each label saved, more
# than it takes to run. One row per annotation (NULLs: the sentence has none), in order made,
# each with the sentence's article and its tally's votes and labels so far (NULLs: no tally).
_TALLY_SQL = f"""
SELECT s.id, s.article_id, t.votes, t.labels,
  (SELECT c.score FROM {Candidate._meta.db_table} c WHERE c.sentence_id = s.id
    ORDER BY c.id DESC LIMIT 1),
  (SELECT c.suggested_label FROM {Candidate._meta.db_table} c WHERE c.sentence_id = s.id
    ORDER BY c.id DESC LIMIT 1),
  j.label, j.updated_at,
  a.label, a.moderation_status, a.moderated_at, a.claimant, a.source_name, a.evidence_url,
  a.updated_at
FROM {Sentence._meta.db_table} s
LEFT JOIN {SentenceTally._meta.db_table} t ON t.sentence_id = s.id
LEFT JOIN {Adjudication._meta.db_table} j ON j.sentence_id = s.id
LEFT JOIN {Annotation._meta.db_table} a ON a.sentence_id = s.id
WHERE s.id IN ({{ids}})
ORDER BY s.id, a.id
"""


def retally(sentence_ids, *, rows_locked: bool = False) -> None:
    """Recompute the SentenceTally of each given sentence after a change to its labels, their
    moderation or its adjudication, and announce the change (labels_changed). Every such write
    calls this in its transaction; `rows_locked`: it already holds the sentences' rows (see
    _write_tallies), taken with the read that began it."""
    ids = set(sentence_ids)
    if ids:
        votes = _write_tallies(ids, rows_locked)
        labels_changed.send(sender=Annotation, sentence_ids=sorted(ids), votes=votes)


def _write_tallies(ids: set[int], rows_locked: bool = False) -> dict[int, int]:
    """The tallies of the sentences from their labels, candidate and adjudication, and their
    articles' SentencesByVotes moved by the difference from the tallies they replace: a lock,
    one read and a few writes for any number of sentences (a sentence with neither labels nor
    adjudication keeps no tally). Returns each sentence's counted labels."""
    # Two writes to one sentence at the same moment would each count before the other commits,
    # and the later upsert would keep a stale count: holding the sentence rows makes the second
    # count once the first has committed (a new statement sees it). NO KEY: a label's insert
    # takes KEY SHARE on its sentence, which this must not wait for (a deadlock otherwise).
    if not rows_locked:
        locked = Sentence.objects.select_for_update(no_key=True).filter(pk__in=ids)
        list(locked.order_by("pk").values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(_TALLY_SQL.format(ids=", ".join(["%s"] * len(ids))), [*ids])
        rows = cursor.fetchall()
    tallies = []
    moved = Counter()  # (article, votes) -> change in SentencesByVotes
    for _, grouped in groupby(rows, key=itemgetter(0)):
        sentence_rows = list(grouped)
        tally = _tally(sentence_rows)
        tallies.append(tally)
        article_id, votes_before, labels_before = sentence_rows[0][1:4]
        before = votes_before if labels_before else None
        after = tally.votes if tally.labels else None
        if before != after:
            moved[article_id, before] -= 1
            moved[article_id, after] += 1
    kept = [tally for tally in tallies if tally.labels or tally.decided_at]
    emptied = ids - {tally.sentence_id for tally in kept}
    if emptied:
        SentenceTally.objects.filter(sentence__in=emptied).delete()
    SentenceTally.objects.bulk_create(
        kept,
        update_conflicts=True,
        unique_fields=["sentence"],
        update_fields=[f.name for f in SentenceTally._meta.concrete_fields if not f.primary_key],
    )
    # Unlabelled sentences (votes None) are not counted there.
    moved = {key: change for key, change in moved.items() if key[1] is not None}
    _add_counts(SentencesByVotes, ("article", "votes"), "sentences", moved)
    return {tally.sentence_id: tally.votes for tally in tallies}


def _tally(rows: list[tuple]) -> SentenceTally:
    """A sentence's tally from its rows of _TALLY_SQL."""
    sentence_id = rows[0][0]
    score, suggested, adjudicated, adjudicated_at = rows[0][4:8]
    adjudicated_at = _as_datetime(adjudicated_at)
    annotations = [row[8:] for row in rows if row[8] is not None]
    counted = [a for a in annotations if a[1] != ModerationStatus.REJECTED]
    votes = [
        Vote(label, claimant, source, evidence, _as_datetime(updated_at))
        for label, _, _, claimant, source, evidence, updated_at in counted
    ]
    decision = decide(votes, adjudicated, adjudicated_at)
    decided = [_as_datetime(a[2]) for a in annotations if a[2]] + [adjudicated_at]
    return SentenceTally(
        sentence_id=sentence_id,
        votes=len(votes),
        labels=len(annotations),
        distinct_labels=len({vote.label for vote in votes}),
        contradicting=sum(vote.label != (suggested or Label.NOT_CLAIM) for vote in votes),
        pending=sum(a[1] == ModerationStatus.PENDING for a in annotations),
        score=score or 0.0,
        adjudicated=adjudicated is not None,
        decided_at=max(filter(None, decided), default=None),
        final_label=decision.label or "",
        final_basis=decision.basis,
        final_at=decision.decided_at,
        label_counts=decision.counts,
        agreement=decision.agreement,
        claimants=decision.claimants,
        sources=decision.sources,
        evidence_urls=decision.evidence_urls,
    )


def _as_datetime(value):
    """A timestamp read by plain SQL (SQLite gives its text, in UTC)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return value


def retally_articles(sender, article_ids: list[int], **kwargs) -> None:
    """Receiver of detection.services.candidates_written: retally the articles' sentences that
    have a tally."""
    tallied = SentenceTally.objects.filter(sentence__article_id__in=article_ids)
    ids = set(tallied.values_list("sentence", flat=True))
    if ids:
        _write_tallies(ids)  # the scores moved, not the labels: nothing to announce


def _add_counts(model, key: tuple[str, str], count: str, changes: dict[tuple, int]) -> None:
    """Add each change to the count of the model's row with that key (made if missing), then
    delete the rows left at zero: one upsert and at most one delete for any number of rows. In
    key order, so that two transactions never wait for each other's rows in a cycle."""
    changes = {values: change for values, change in changes.items() if change}
    if not changes:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    first, second, counted = (quote(model._meta.get_field(name).column) for name in (*key, count))
    rows = ", ".join(["(%s, %s, %s)"] * len(changes))
    params = [value for values, change in sorted(changes.items()) for value in (*values, change)]
    lowered = sorted(values for values, change in changes.items() if change < 0)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({first}, {second}, {counted}) VALUES {rows} "
            f"ON CONFLICT ({first}, {second}) "
            f"DO UPDATE SET {counted} = {table}.{counted} + EXCLUDED.{counted}",
            params,
        )
        if lowered:
            cursor.execute(
                f"DELETE FROM {table} WHERE {counted} = 0 AND ({first}, {second}) "
                f"IN (VALUES {', '.join(['(%s, %s)'] * len(lowered))})",
                [value for values in lowered for value in values],
            )


# recount_articles(): each statement narrows to the articles once, by "{articles}" after the
# column holding an article id. Tables by model name; the constants are this code's own.
_RECOUNT_SQL = [
    "UPDATE {Article} SET sentence_count = 0, top_score = NULL, candidate_claims = 0 "
    "WHERE id {articles}",
    """UPDATE {Article} SET sentence_count = f.n
    FROM (SELECT article_id, COUNT(*) AS n FROM {Sentence} WHERE article_id {articles}
      GROUP BY article_id) f
    WHERE {Article}.id = f.article_id""",
    # The latest candidate of each sentence: no newer one (higher id) for it.
    f"""UPDATE {{Article}} SET top_score = f.top, candidate_claims = f.claims
    FROM (SELECT s.article_id, MAX(c.score) AS top,
        SUM(CASE WHEN c.score >= {CANDIDATE_CLAIM_SCORE} THEN 1 ELSE 0 END) AS claims
      FROM {{Candidate}} c JOIN {{Sentence}} s ON s.id = c.sentence_id
      WHERE s.article_id {{articles}} AND NOT EXISTS (
        SELECT 1 FROM {{Candidate}} n WHERE n.sentence_id = c.sentence_id AND n.id > c.id)
      GROUP BY s.article_id) f
    WHERE {{Article}}.id = f.article_id""",
    "UPDATE {SentenceTally} SET labels = 0 "
    "WHERE sentence_id IN (SELECT id FROM {Sentence} WHERE article_id {articles})",
    """UPDATE {SentenceTally} SET labels = f.n
    FROM (SELECT a.sentence_id, COUNT(*) AS n
      FROM {Annotation} a JOIN {Sentence} s ON s.id = a.sentence_id
      WHERE s.article_id {articles} GROUP BY a.sentence_id) f
    WHERE {SentenceTally}.sentence_id = f.sentence_id""",
    "DELETE FROM {SentencesByVotes} WHERE article_id {articles}",
    f"""INSERT INTO {{SentencesByVotes}} (article_id, votes, sentences)
    SELECT article_id, votes, COUNT(*) FROM (
      SELECT s.article_id,
        SUM(CASE WHEN a.moderation_status = '{ModerationStatus.REJECTED}' THEN 0 ELSE 1 END)
          AS votes
      FROM {{Annotation}} a JOIN {{Sentence}} s ON s.id = a.sentence_id
      WHERE s.article_id {{articles}} GROUP BY s.article_id, a.sentence_id) labelled
    GROUP BY article_id, votes""",
    "DELETE FROM {ReviewerProgress} WHERE article_id {articles}",
    """INSERT INTO {ReviewerProgress} (article_id, reviewer_id, labelled)
    SELECT s.article_id, a.reviewer_id, COUNT(*)
    FROM {Annotation} a JOIN {Sentence} s ON s.id = a.sentence_id
    WHERE s.article_id {articles} GROUP BY s.article_id, a.reviewer_id""",
]
RECOUNT_BATCH = 500  # article ids per statement (SQLite takes at most 32,766 parameters)


def recount_articles(article_ids=None) -> None:
    """Count every stored figure of the article list afresh for the given articles (None: all):
    their sentences, top score and candidate claims, the labels of each tallied sentence, the
    sentences by votes and each reviewer's labels, from the rows themselves, in a few set-based
    statements. For bulk loads that bypass the services, the data migration that filled them,
    and tests (a fresh count to compare the kept figures with). Counting all of them refreshes
    the planner's statistics of what it wrote too."""
    if article_ids is None:
        _recount("IS NOT NULL", [])
        analyze_tables(Article, SentenceTally, SentencesByVotes, ReviewerProgress)
        return
    article_ids = sorted(set(article_ids))
    for start in range(0, len(article_ids), RECOUNT_BATCH):
        batch = article_ids[start : start + RECOUNT_BATCH]
        _recount(f"IN ({', '.join(['%s'] * len(batch))})", batch)


def _recount(articles: str, ids: list[int]) -> None:
    models = (
        Article,
        Sentence,
        Candidate,
        Annotation,
        SentenceTally,
        SentencesByVotes,
        ReviewerProgress,
    )
    tables = {model.__name__: model._meta.db_table for model in models}
    with connection.cursor() as cursor:
        for statement in _RECOUNT_SQL:
            cursor.execute(statement.format(articles=articles, **tables), ids)


def reviewer_settings_save(*, user, shortcuts: bool) -> ReviewerSettings:
    """Keep the user's choices for the review page."""
    chosen, _ = ReviewerSettings.objects.update_or_create(
        user=user, defaults={"shortcuts": shortcuts}
    )
    return chosen
