"""Review assignment: "next" hands each reviewer a sentence that still needs labels from someone
other than those who gave them, holding a short-lived claim on it so that reviewers asking at
the same moment never push a sentence past its overlap k. The UI, the API and the beat sweep
call these; the receivers below keep the work queue (SentenceWork) in the transaction of every
write it follows, connected in apps.py."""

import datetime
from collections import defaultdict

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from annotations.corpus.models import Article, Sentence
from annotations.review.selectors import overlap_of, overlap_sql
from annotations.roles import check_can_review

from .models import ReviewClaim, SentenceWork
from .selectors import (
    WORK_COLUMNS,
    eligible_sentences,
    held_claim,
    latest_score,
    sentence_loads,
    started_articles,
    work_queue,
    work_queue_for,
    work_rows,
)

# Sentence rows locked per attempt: enough that a few full ones do not cost a round trip each,
# few enough that reviewers asking together spread over different sentences.
CANDIDATES_PER_ATTEMPT = 5
# Queue rows "next" reads at a time, best first, before it checks which the reviewer may take.
WALK_STEP = 50
# With ASSIGNMENT_FAVOUR_STARTED, the articles looked at first are those of the reviewer's latest
# labels, this many: what they are working on, read in bounded time whatever their history.
STARTED_LABELS = 50


def next_sentence_for(user, skip: int | None = None) -> ReviewClaim | None:
    """The user's claim on the sentence they should label next (its sentence and article
    loaded), or None when no sentence needs them. With `skip` (a sentence id), the user first
    passes over that sentence: "next" never offers it to them again. A live claim the user
    already holds is handed back (a reload resumes it); otherwise the best eligible sentence
    is claimed for ASSIGNMENT_CLAIM_MINUTES."""
    check_can_review(user)
    if skip is not None:
        skip_sentence(user, skip)
    now = timezone.now()
    held = held_claim(user, now)
    if held is not None:
        return held
    # Candidates found at their k, left out of the next attempts: each attempt then leaves out
    # at least one more, even where a queue row lags behind its sentence's labels.
    full = set()
    while True:
        with transaction.atomic():
            candidates = _lock_candidates(user, now, full)
            if not candidates:
                return None
            # A new statement: it sees the claims committed since the one above read its loads
            # (PostgreSQL's recheck of a locked row does not run the subqueries again).
            loads = sentence_loads([sentence.pk for sentence in candidates], now)
            for sentence in candidates:
                if loads[sentence.pk] < overlap_of(sentence.article):
                    return _claim(user, sentence, now)
            full.update(sentence.pk for sentence in candidates)
        # Every candidate filled up meanwhile: the next attempt leaves them out.


def _lock_candidates(user, now: datetime.datetime, full: set[int]) -> list:
    """The best eligible sentences, their queue rows locked for this transaction. Rows other
    claimers hold are skipped, so reviewers asking together spread over different sentences;
    when they hold every eligible one, wait for the first: None from "next" must mean that
    nothing needs the user, not that others were busy claiming. Label writes update the same
    rows (their counted labels), so a claim and a label on one sentence wait for each other."""
    eligible = eligible_sentences(user, now).exclude(pk__in=full)
    held_by_others = None
    for step in _walk(user):
        rows = eligible.filter(pk__in=step)
        skipping = rows.select_for_update(skip_locked=True, no_key=True)
        ids = list(skipping.values_list("pk", flat=True)[:CANDIDATES_PER_ATTEMPT])
        if ids:
            return _sentences(ids)
        if held_by_others is None and rows.exists():
            held_by_others = rows
    if held_by_others is None:
        return []
    return _sentences(
        held_by_others.select_for_update(no_key=True).values_list("pk", flat=True)[:1]
    )


def _walk(user):
    """The work queue's ids in steps of WALK_STEP, best first: with ASSIGNMENT_FAVOUR_STARTED,
    first those of the articles of the user's latest labels, then the whole queue. Each read
    is an index range PostgreSQL stops early in, or a few articles' rows, whatever the
    statistics say."""
    if settings.ASSIGNMENT_FAVOUR_STARTED:
        started = work_queue().filter(article_id__in=started_articles(user, STARTED_LABELS))
        rows = started.order_by().values_list("score", "article_id", "index", "pk")
        ordered = [pk for *_, pk in sorted(rows, key=lambda row: (-row[0], row[1], row[2]))]
        for start in range(0, len(ordered), WALK_STEP):
            yield ordered[start : start + WALK_STEP]
    position = None
    while step := list(
        work_queue_for(user, position).values_list("score", "article_id", "index", "pk")[:WALK_STEP]
    ):
        yield [pk for *_, pk in step]
        position = step[-1][:3]


def _sentences(ids: list[int]) -> list[Sentence]:
    """The sentences of the given ids with their articles, in that order."""
    found = Sentence.objects.select_related("article").defer("article__body").in_bulk(ids)
    return [found[pk] for pk in ids]


def _claim(user, sentence, now: datetime.datetime) -> ReviewClaim:
    claim = ReviewClaim(
        sentence=sentence,
        reviewer=user,
        claimed_at=now,
        expires_at=now + datetime.timedelta(minutes=settings.ASSIGNMENT_CLAIM_MINUTES),
    )
    # An expired claim of the user's on this sentence is taken over, not duplicated.
    ReviewClaim.objects.bulk_create(
        [claim],
        update_conflicts=True,
        unique_fields=["sentence", "reviewer"],
        update_fields=["claimed_at", "expires_at", "skipped"],
    )
    return claim


def skip_sentence(user, sentence_id: int) -> bool:
    """Pass over a sentence "next" handed the user: its slot is free for someone else and it is
    not offered to them again. False when the user holds no claim on it."""
    return (
        ReviewClaim.objects.filter(reviewer=user, sentence_id=sentence_id).update(skipped=True) > 0
    )


def sweep_expired_claims() -> int:
    """Delete the claims that no longer mean anything: expired ones (their reviewer walked
    away), and passed-over ones of sentences that got their k counted labels. Returns how many
    were deleted."""
    now = timezone.now()
    # Only the claim's own columns: a claim renewed meanwhile is rechecked, and kept.
    expired, _ = ReviewClaim.objects.filter(skipped=False, expires_at__lte=now).delete()
    reached = Q(sentence__tally__votes__gte=overlap_sql(F("sentence__article__overlap")))
    done, _ = ReviewClaim.objects.filter(reached, skipped=True).delete()
    return expired + done


# The work queue: a row per sentence (SentenceWork), each column kept by the writes it follows.


def rebuild_work_queue(article_ids: list[int] | None = None) -> None:
    """Compute the work queue's rows from scratch, of every sentence or of the given articles':
    after a bulk load that bypassed the services, or a change of REVIEW_OVERLAP (the rows keep
    the k they were written with)."""
    rows = SentenceWork.objects.all()
    sentences = Sentence.objects.all()
    if article_ids is not None:
        rows = rows.filter(article_id__in=article_ids)
        sentences = sentences.filter(article_id__in=article_ids)
    with transaction.atomic():
        rows.delete()
        _insert_work(sentences)


def _insert_work(sentences: QuerySet[Sentence], *, new: bool = False) -> None:
    """Add the sentences' rows in one INSERT ... SELECT: nothing goes through Python. new: as
    work_rows() takes it."""
    select, params = work_rows(sentences, new=new).query.sql_with_params()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(SentenceWork._meta.get_field(name).column) for name in WORK_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(SentenceWork._meta.db_table)} ({columns}) {select}", params
        )


def add_stored_articles(sender, article_ids: list[int], **kwargs) -> None:
    """Receiver of corpus.services.articles_stored: new articles' sentences join the queue."""
    _insert_work(Sentence.objects.filter(article_id__in=article_ids), new=True)


def follow_votes(sender, votes: dict[int, int], **kwargs) -> None:
    """Receiver of review.services.labels_changed: the sentences' counted labels, as their new
    tallies counted them (under the sentences' row locks, so with every committed label)."""
    sentences_by_count = defaultdict(list)
    for sentence_id, count in votes.items():
        sentences_by_count[count].append(sentence_id)
    for count, sentence_ids in sentences_by_count.items():
        SentenceWork.objects.filter(pk__in=sentence_ids).update(votes=count)


def rescore_articles(sender, article_ids: list[int], **kwargs) -> None:
    """Receiver of detection.services.candidates_written: the articles' new scores."""
    SentenceWork.objects.filter(article_id__in=article_ids).update(score=latest_score())


def follow_articles(sender, article_ids: list[int], **kwargs) -> None:
    """Receiver of moderation.services.article_flag_changed: a locked or hidden article's
    sentences leave the queue, an unlocked or shown one's come back."""
    for article in Article.objects.filter(pk__in=article_ids).only("overlap", "locked", "hidden"):
        _follow(article)


def follow_saved_article(sender, instance: Article, update_fields=None, **kwargs) -> None:
    """Receiver of Article's post_save (the admin saves an article's overlap): the k and
    openness of its sentences' rows."""
    if update_fields is None or {"overlap", "locked", "hidden"} & set(update_fields):
        _follow(instance)


def _follow(article: Article) -> None:
    SentenceWork.objects.filter(article=article).update(
        needed=overlap_of(article), article_open=not (article.locked or article.hidden)
    )
