"""Reads for reviewing: which annotations count, the gold label, and what the review pages and
the API show, each list in a constant number of queries."""

import base64
import binascii
import datetime
import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    prefetch_related_objects,
)
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.db.models.functions import Coalesce

from annotations.corpus.models import TOP_SCORE_KEY, Article, Sentence
from annotations.corpus.selectors import articles_visible_to
from annotations.detection.models import Candidate
from annotations.detection.selectors import with_percentile
from annotations.jobs import JobStatus
from annotations.labels import GoldLabel, gold_label
from annotations.planner import planner_settings
from annotations.roles import is_moderator

from .models import (
    Adjudication,
    Annotation,
    ModerationStatus,
    ReviewerProgress,
    ReviewerSettings,
    SentencesByVotes,
)

# The article list's orders, newest first or most candidate claims first: every key descending
# and the id last, so that a position in the list is one row and a page starts after it
# (keyset pagination); corpus.models indexes each. With each key, how a cursor gives it back.
ARTICLE_SORTS = {
    "newest": ((F("published_on"), datetime.date.fromisoformat), (F("id"), int)),
    "candidates": ((F("candidate_claims"), int), (TOP_SCORE_KEY, float), (F("id"), int)),
}
PROGRESS_FILTERS = ("not_started", "in_progress", "done")


def counted_annotations() -> QuerySet[Annotation]:
    """The annotations that count towards a sentence's labels: all but those a moderator
    rejected."""
    return Annotation.objects.exclude(moderation_status=ModerationStatus.REJECTED)


def label_counts(sentence_ids=None) -> dict[int, Counter]:
    """Counted labels of each given sentence (ids, or a Sentence queryset; None: every
    sentence); one query."""
    counted = counted_annotations()
    if sentence_ids is not None:
        counted = counted.filter(sentence__in=sentence_ids)
    counts: dict[int, Counter] = defaultdict(Counter)
    for sentence_id, label, n in (
        counted.values_list("sentence", "label").annotate(n=Count("*")).order_by()
    ):
        counts[sentence_id][label] = n
    return counts


def gold_labels(sentence_ids=None) -> dict[int, GoldLabel]:
    """The final label of each given sentence that has one (ids, or a Sentence queryset; None:
    every sentence); two queries. Sentences with neither an adjudication nor a counted
    annotation are left out."""
    gold = {
        sentence_id: gold_label(counts)
        for sentence_id, counts in label_counts(sentence_ids).items()
    }
    adjudicated = Adjudication.objects.all()
    if sentence_ids is not None:
        adjudicated = adjudicated.filter(sentence__in=sentence_ids)
    for sentence_id, label in adjudicated.values_list("sentence", "label"):
        gold[sentence_id] = gold_label(Counter(), label)
    return gold


def overlap_of(article: Article) -> int:
    """How many reviewers each sentence of the article needs (overlap k): the article's own
    setting, else the project's REVIEW_OVERLAP."""
    return article.overlap or settings.REVIEW_OVERLAP


def overlap_sql(article_overlap) -> Coalesce:
    """overlap_of() inside a query, from the article's overlap column as the query reaches it
    (F("sentence__article__overlap"), OuterRef("overlap"), ...)."""
    return Coalesce(article_overlap, Value(settings.REVIEW_OVERLAP), output_field=IntegerField())


def _list_figures(user) -> dict:
    """The article list's figures of an article besides its own columns, for the user: each a
    lookup of at most a few rows by index, however many sentences and labels it has."""
    labelled = SentencesByVotes.objects.filter(article=OuterRef("pk")).order_by()
    total = labelled.values("article").annotate(n=Sum("sentences")).values("n")
    reached = total.filter(votes__gte=overlap_sql(OuterRef("overlap")))
    mine = ReviewerProgress.objects.filter(reviewer=user.pk, article=OuterRef("pk"))
    return {
        "labelled_by_me": _or_zero(mine.values("labelled")),
        "labelled_by_anyone": _or_zero(total),
        "needed_reviewers": overlap_sql(F("overlap")),
        "reached_overlap": _or_zero(reached),
    }


def _or_zero(subquery: QuerySet) -> Coalesce:
    return Coalesce(Subquery(subquery, output_field=IntegerField()), Value(0))


def article_list(user) -> QuerySet[Article]:
    """The articles the user sees, with their stored sentence count, top candidate score and
    number of candidate claims, how many sentences the user and anyone labelled, the overlap k
    and how many sentences have k counted labels."""
    return articles_visible_to(user).defer("body").annotate(**_list_figures(user))


def filter_articles(
    articles: QuerySet[Article],
    user,
    *,
    query: str = "",
    progress: str = "",
    precompute_status: str = "",
) -> QuerySet[Article]:
    """Narrow article_list(): search in title and URL, the user's progress (from their own
    ReviewerProgress rows: not started has none), precompute status."""
    if query:
        articles = articles.filter(Q(title__icontains=query) | Q(url__icontains=query))
    mine = ReviewerProgress.objects.filter(reviewer=user.pk, article=OuterRef("pk"))
    if progress == "not_started":
        articles = articles.filter(~Exists(mine))
    elif progress == "in_progress":
        articles = articles.filter(Exists(mine.filter(labelled__lt=OuterRef("sentence_count"))))
    elif progress == "done":
        articles = articles.filter(Exists(mine.filter(labelled__gte=OuterRef("sentence_count"))))
    if precompute_status in JobStatus.values:
        articles = articles.filter(precompute_status=precompute_status)
    return articles


MAX_CURSOR_LENGTH = 200  # longer than any this list makes


class BadCursor(ValueError):
    """A page cursor this list did not make (edited, cut short, or from another sort)."""


@dataclass(frozen=True)
class ArticlePage:
    """One page of an article list in a sort, with the cursors of the pages either side (None:
    there is none)."""

    articles: list[Article]
    previous: str | None
    next: str | None


def article_page(
    articles: QuerySet[Article],
    *,
    sort: str,
    size: int,
    after: str = "",
    before: str = "",
    last: bool = False,
) -> ArticlePage:
    """The page of `size` articles in `sort` order right after the cursor `after`, or right
    before `before`, or the last page, or else the first: one query that reads the sort's index
    from the cursor on, never the rows before it, nor a count. Raises BadCursor."""
    keys = [key for key, _ in ARTICLE_SORTS[sort]]
    articles = articles.annotate(**{f"sort_key_{i}": key for i, key in enumerate(keys)})
    backwards = bool(before) or last
    if backwards:
        articles = articles.order_by(*(key.asc() for key in keys))
        if before:
            articles = articles.filter(TupleGreaterThan(Tuple(*keys), _decode_cursor(before, sort)))
    else:
        articles = articles.order_by(*(key.desc() for key in keys))
        if after:
            articles = articles.filter(TupleLessThan(Tuple(*keys), _decode_cursor(after, sort)))
    rows = list(articles[: size + 1])
    more, rows = len(rows) > size, rows[:size]
    if backwards:
        rows.reverse()
        beyond_first, beyond_last = more, bool(before)
    else:
        beyond_first, beyond_last = bool(after), more
    return ArticlePage(
        articles=rows,
        previous=_cursor(rows[0], sort) if rows and beyond_first else None,
        next=_cursor(rows[-1], sort) if rows and beyond_last else None,
    )


def _cursor(article: Article, sort: str) -> str:
    """The position of an article in a sort, as a URL-safe token."""
    keys = [getattr(article, f"sort_key_{i}") for i in range(len(ARTICLE_SORTS[sort]))]
    data = json.dumps([sort, *keys], default=str).encode()
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str) -> tuple:
    """The sort keys a cursor of this sort holds; BadCursor for anything else."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise BadCursor(cursor[:MAX_CURSOR_LENGTH])
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        name, *keys = data
        parsers = [parse for _, parse in ARTICLE_SORTS[sort]]
        if name != sort or len(keys) != len(parsers):
            raise BadCursor(cursor)
        values = tuple(parse(key) for parse, key in zip(parsers, keys, strict=True))
    except (ValueError, TypeError, binascii.Error) as error:
        raise BadCursor(cursor) from error
    if not all(_storable(value) for value in values):
        raise BadCursor(cursor)
    return values


def _storable(value) -> bool:
    """Whether the database can compare a decoded key: a finite float, a 64-bit integer."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, int):
        return abs(value) < 2**63
    return True


@dataclass
class SentenceRow:
    sentence: Sentence
    candidate: Candidate | None
    mine: Annotation | None
    # Everyone's labels; shown only once the user has labelled the sentence (no anchoring).
    label_counts: Counter = field(default_factory=Counter)

    @property
    def others_visible(self) -> bool:
        return self.mine is not None


def sentence_rows(sentences: Iterable[Sentence], user) -> list[SentenceRow]:
    """Sentences (a queryset or a page already fetched) with their candidate, the user's
    annotation and label counts (3 queries besides fetching the sentences)."""
    sentences = list(sentences)
    # to_attr: a plain list per sentence, not a queryset each (it shows on 300-sentence pages).
    prefetch_related_objects(
        sentences,
        Prefetch(
            "candidates",
            queryset=with_percentile(Candidate.objects.all()),
            to_attr="fetched_candidates",
        ),
    )
    ids = [s.pk for s in sentences]
    mine = {a.sentence_id: a for a in Annotation.objects.filter(sentence__in=ids, reviewer=user)}
    counts = label_counts(ids)
    return [
        SentenceRow(
            sentence=s,
            candidate=max(s.fetched_candidates, key=lambda c: c.pk, default=None),
            mine=mine.get(s.pk),
            label_counts=counts[s.pk],
        )
        for s in sentences
    ]


def row_after_own_change(row: SentenceRow, annotation: Annotation | None) -> SentenceRow:
    """The row once the user's own annotation became `annotation` (None: removed), without
    reading it again: only the user's vote moves in the counts."""
    counts = Counter(row.label_counts)
    for vote, change in ((row.mine, -1), (annotation, 1)):
        if vote is not None and vote.moderation_status != ModerationStatus.REJECTED:
            counts[vote.label] += change
    return replace(row, mine=annotation, label_counts=+counts)


@dataclass
class SentenceWindow:
    """A run of an article's sentences in order, as rows, and where the runs beside it are."""

    rows: list[SentenceRow]
    # The first index shown, when sentences precede it (read them with `before=`).
    earlier: int | None
    # The last index shown, when sentences follow it (read them with `after=`).
    later: int | None


def _sentences_from(article: Article, start: int, limit: int) -> list[Sentence]:
    """Up to `limit` + 1 of the article's sentences from index `start` on: a keyset read on the
    (article, index) index, whatever the article's length; the extra one says what follows."""
    return list(
        Sentence.objects.filter(article=article, index__gte=start).order_by("index")[: limit + 1]
    )


def _sentences_before(article: Article, end: int, limit: int) -> list[Sentence]:
    """Up to `limit` + 1 of the article's sentences before index `end`, in order."""
    sentences = Sentence.objects.filter(article=article, index__lt=end).order_by("-index")
    return list(sentences[: limit + 1])[::-1]


def _window(shown: list[Sentence], more_after: bool, user) -> SentenceWindow:
    earlier = shown[0].index if shown and shown[0].index > 0 else None
    later = shown[-1].index if shown and more_after else None
    return SentenceWindow(sentence_rows(shown, user), earlier, later)


def _whole_paragraphs(sentences: list[Sentence], cut_at_end: bool) -> list[Sentence]:
    """`sentences` without the paragraph cut at one end (the end, else the start), unless that
    leaves half of them or fewer: a huge paragraph is still cut, never shown whole."""
    ordered = sentences[::-1] if cut_at_end else sentences
    edge = ordered[0].paragraph
    partial = next(
        (n for n, sentence in enumerate(ordered) if sentence.paragraph != edge), len(ordered)
    )
    if len(ordered) - partial <= len(ordered) // 2:
        return sentences
    return sentences[:-partial] if cut_at_end else sentences[partial:]


def sentence_window(
    article: Article, user, *, after: int | None = None, limit: int
) -> SentenceWindow:
    """Up to `limit` of the article's sentences after index `after` (None: from the first), in
    order (4 queries, whatever the article's length)."""
    fetched = _sentences_from(article, 0 if after is None else after + 1, limit)
    return _window(fetched[:limit], len(fetched) > limit, user)


def review_window(
    article: Article,
    user,
    *,
    at: int | None = None,
    after: int | None = None,
    before: int | None = None,
    limit: int,
) -> SentenceWindow:
    """The review page's window of up to `limit` sentences, ending and starting on whole
    paragraphs where that keeps more than half of it: the one holding index `at` (the last one
    for an index past the end), the one after index `after`, the one before index `before`, or
    the first (at most 5 queries, whatever the article's length)."""
    if before is not None:
        fetched = _sentences_before(article, before, limit)
        shown = fetched[-limit:]
        if len(fetched) > limit and fetched[0].paragraph == shown[0].paragraph:
            shown = _whole_paragraphs(shown, cut_at_end=False)
        return _window(shown, True, user)
    if at is not None:
        after = _paragraph_start(article, at, limit // 2) - 1
    fetched = _sentences_from(article, 0 if after is None else after + 1, limit)
    shown = fetched[:limit]
    if len(fetched) > limit and fetched[limit].paragraph == shown[-1].paragraph:
        shown = _whole_paragraphs(shown, cut_at_end=True)
    return _window(shown, len(fetched) > limit, user)


def _paragraph_start(article: Article, at: int, reach: int) -> int:
    """Where the paragraph of the sentence at index `at` (the last sentence, past the end)
    starts, looking back at most `reach` sentences."""
    earlier = (
        Sentence.objects.filter(article=article, index__lte=at)
        .order_by("-index")
        .values_list("index", "paragraph")[: reach + 1]
    )
    start, paragraph = None, None
    for index, in_paragraph in earlier:
        if paragraph is not None and in_paragraph != paragraph:
            break
        start, paragraph = index, in_paragraph
    return start or 0


@dataclass(frozen=True)
class ArticleProgress:
    """How far an article's review is: the reviewers each sentence needs (k), its sentences,
    those with k counted labels, and those the user labelled."""

    needed_reviewers: int
    sentence_count: int
    reached_overlap: int
    labelled_by_me: int


def article_progress(article: Article, user) -> ArticleProgress:
    """The article's progress from its stored figures (one query, however long the article)."""
    figures = Article.objects.filter(pk=article.pk).annotate(**_list_figures(user))
    return ArticleProgress(
        **figures.values(
            "needed_reviewers", "sentence_count", "reached_overlap", "labelled_by_me"
        ).get()
    )


def annotations_visible_to(user) -> QuerySet[Annotation]:
    """Moderators see every annotation; a reviewer sees their own, and others' only on sentences
    they have labelled themselves (the same no-anchoring rule as the review page).

    Each annotation carries its `position` in the list: its id for moderators; for a reviewer,
    the id of their own annotation of its sentence, so that the list follows the order in which
    they labelled, each sentence's annotations together. A reviewer's page then reads their
    annotations in that order (the (reviewer, id) index) and the others' of the same sentences:
    about a page of rows however many annotations exist or how they are spread."""
    annotations = Annotation.objects.select_related("sentence", "reviewer")
    if is_moderator(user):
        return annotations.annotate(position=F("pk"))
    mine = annotations.filter(sentence__annotations__reviewer=user)
    return mine.annotate(position=F("sentence__annotations__id"))  # the filter's join, reused


@contextmanager
def reading_in_list_order():
    """Around reading a page of annotations_visible_to(): PostgreSQL then reads a reviewer's
    annotations through the (reviewer, id) index, in list order, and stops at the page's end.
    Without it, where the planner's statistics do not know the reviewer (they joined after the
    last ANALYZE), it takes them for a few and reads all of them, unordered, to sort them."""
    with planner_settings(enable_bitmapscan="off"):
        yield


def shortcuts_enabled(user) -> bool:
    """Whether the user keeps the review page's single-key shortcuts (on unless turned off)."""
    chosen = ReviewerSettings.objects.filter(user=user).values_list("shortcuts", flat=True)
    return chosen.first() is not False
