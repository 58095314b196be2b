"""Reads for reviewing: which annotations count, the gold label, and what the review pages and
the API show, each list in a constant number of queries."""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from itertools import groupby

from django.conf import settings
from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce

from annotations.corpus.models import Article, Sentence
from annotations.corpus.selectors import articles_visible_to
from annotations.detection.models import Candidate
from annotations.detection.selectors import with_percentile
from annotations.jobs import JobStatus
from annotations.labels import GoldLabel, gold_label
from annotations.roles import is_moderator_sql

from .models import Adjudication, Annotation, ModerationStatus, ReviewerSettings, SentenceTally

CANDIDATE_CLAIM_SCORE = 0.5  # a sentence counts as a candidate claim from this score up
ARTICLE_SORTS = {
    "newest": ("-published_on", "-id"),
    "candidates": ("-candidate_claims", "-top_score", "-id"),
}
PROGRESS_FILTERS = {
    "not_started": Q(labelled_by_me=0),
    "in_progress": Q(labelled_by_me__gt=0, labelled_by_me__lt=F("sentence_count")),
    "done": Q(labelled_by_me__gte=F("sentence_count")),
}


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


def _per_article(queryset: QuerySet, group_by: str, counted: Count) -> Coalesce:
    """A correlated count per article: several on one list never multiply its rows."""
    subquery = queryset.order_by().values(group_by).annotate(n=counted).values("n")
    return Coalesce(Subquery(subquery, output_field=IntegerField()), Value(0))


def article_list(user) -> QuerySet[Article]:
    """Articles with their sentence count, top candidate score, number of candidate claims, how
    many sentences the user and anyone labelled, the overlap k and how many sentences have k
    counted labels."""
    in_article = Q(sentence__article=OuterRef("pk"))
    return (
        articles_visible_to(user)
        .defer("body")
        .annotate(
            sentence_count=_per_article(
                Sentence.objects.filter(article=OuterRef("pk")), "article", Count("*")
            ),
            top_score=Subquery(
                Candidate.objects.filter(in_article).order_by("-score").values("score")[:1]
            ),
            candidate_claims=_per_article(
                Candidate.objects.filter(in_article, score__gte=CANDIDATE_CLAIM_SCORE),
                "sentence__article",
                Count("*"),
            ),
            labelled_by_anyone=_per_article(
                Annotation.objects.filter(in_article),
                "sentence__article",
                Count("sentence", distinct=True),
            ),
            labelled_by_me=_per_article(
                Annotation.objects.filter(in_article, reviewer=user),
                "sentence__article",
                Count("*"),
            ),
            needed_reviewers=overlap_sql(F("overlap")),
            reached_overlap=_per_article(
                SentenceTally.objects.filter(
                    in_article, votes__gte=overlap_sql(OuterRef("overlap"))
                ),
                "sentence__article",
                Count("*"),
            ),
        )
    )


def filter_articles(
    articles: QuerySet[Article],
    *,
    query: str = "",
    progress: str = "",
    precompute_status: str = "",
    sort: str = "newest",
) -> QuerySet[Article]:
    """Narrow article_list(): search in title and URL, the user's progress, precompute status."""
    if query:
        articles = articles.filter(Q(title__icontains=query) | Q(url__icontains=query))
    if progress in PROGRESS_FILTERS:
        articles = articles.filter(PROGRESS_FILTERS[progress])
    if precompute_status in JobStatus.values:
        articles = articles.filter(precompute_status=precompute_status)
    return articles.order_by(*ARTICLE_SORTS.get(sort, ARTICLE_SORTS["newest"]))


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


def article_sentences(article: Article, user) -> list[SentenceRow]:
    """The article's sentences in order, as rows (4 queries)."""
    return sentence_rows(Sentence.objects.filter(article=article).order_by("index"), user)


def article_paragraphs(article: Article, user) -> list[list[SentenceRow]]:
    """The article's sentences grouped by paragraph, in order, for the review page."""
    rows = article_sentences(article, user)
    return [list(group) for _, group in groupby(rows, key=lambda row: row.sentence.paragraph)]


@dataclass(frozen=True)
class ArticleProgress:
    """How far an article's review is: the reviewers each sentence needs (k), its sentences,
    those with k counted labels, and those the user labelled."""

    needed_reviewers: int
    sentence_count: int
    reached_overlap: int
    labelled_by_me: int


def article_progress(article: Article, rows: list[SentenceRow]) -> ArticleProgress:
    """The article's progress from its rows as the review page read them (no query)."""
    needed = overlap_of(article)
    return ArticleProgress(
        needed_reviewers=needed,
        sentence_count=len(rows),
        reached_overlap=sum(sum(row.label_counts.values()) >= needed for row in rows),
        labelled_by_me=sum(row.mine is not None for row in rows),
    )


def annotations_visible_to(user) -> QuerySet[Annotation]:
    """Moderators see every annotation; a reviewer sees their own, and others' only on sentences
    they have labelled themselves (the same no-anchoring rule as the review page)."""
    annotations = Annotation.objects.select_related("sentence", "reviewer")
    labelled = Annotation.objects.filter(reviewer=user).values("sentence")
    return annotations.filter(Q(reviewer=user) | Q(sentence__in=labelled) | is_moderator_sql(user))


def shortcuts_enabled(user) -> bool:
    """Whether the user keeps the review page's single-key shortcuts (on unless turned off)."""
    chosen = ReviewerSettings.objects.filter(user=user).values_list("shortcuts", flat=True)
    return chosen.first() is not False
