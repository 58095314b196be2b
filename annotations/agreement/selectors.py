"""Reads for agreement: counted labels aggregated in the database, so that only small tables come
back however many annotations there are (one query each, on SQLite and PostgreSQL alike)."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, Q, QuerySet

from annotations.labels import Label
from annotations.review.models import History
from annotations.review.selectors import counted_annotations

from .models import AgreementSnapshot

# The categories, in the order of every profile and table.
CATEGORIES = tuple(Label.values)


@dataclass(frozen=True)
class Scope:
    """Which counted labels to measure: all (the default), those of some articles, of articles
    published in a date range, and/or of some reviewers (agreement among them alone)."""

    articles: tuple[int, ...] = ()
    since: datetime.date | None = None
    until: datetime.date | None = None
    reviewers: tuple[int, ...] = ()


def scoped_labels(scope: Scope) -> QuerySet:
    labels = counted_annotations()
    if scope.articles:
        labels = labels.filter(sentence__article__in=scope.articles)
    if scope.since:
        labels = labels.filter(sentence__article__published_on__gte=scope.since)
    if scope.until:
        labels = labels.filter(sentence__article__published_on__lte=scope.until)
    if scope.reviewers:
        labels = labels.filter(reviewer__in=scope.reviewers)
    return labels.order_by()


def _grouped(scope: Scope, per_article: bool) -> tuple[QuerySet, list[str]]:
    """The scope's labels, and what to group them by besides: their article, or nothing."""
    labels = scoped_labels(scope)
    if per_article:
        return labels.annotate(article=F("sentence__article")), ["article"]
    return labels, []


def _rows(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _by_article(rows) -> dict:
    """Rows whose first column is the article (NULL when not grouped by article), by article."""
    grouped = defaultdict(list)
    for article_id, *row in rows:
        grouped[article_id].append(tuple(row))
    return grouped


def label_profiles(scope: Scope, per_article: bool = False) -> dict:
    """{article id, or None: [(count of each of CATEGORIES..., sentences with those counts)]}:
    each sentence's counted labels per category, grouped by those counts (a handful of rows)."""
    labels, keys = _grouped(scope, per_article)
    counts = {f"n{i}": Count("pk", filter=Q(label=label)) for i, label in enumerate(CATEGORIES)}
    inner, params = labels.values("sentence", *keys).annotate(**counts).query.sql_with_params()
    columns = ", ".join([*keys, *counts])
    return _by_article(
        _rows(
            f"SELECT {', '.join(keys) or 'NULL'}, {', '.join(counts)}, COUNT(*) "
            f"FROM ({inner}) per_sentence GROUP BY {columns}",
            params,
        )
    )


def label_pairs(scope: Scope, per_article: bool = False) -> dict:
    """{article id, or None: [(reviewer a, reviewer b, a's label, b's label, sentences)]} for each
    two reviewers (a < b) who labelled the same sentences: their contingency tables."""
    labels, keys = _grouped(scope, per_article)
    inner, params = labels.values("sentence", "reviewer", "label", *keys).query.sql_with_params()
    pair = "a.reviewer, b.reviewer, a.label, b.label"
    keys = [f"a.{key}" for key in keys]
    return _by_article(
        _rows(
            f"SELECT {', '.join(keys) or 'NULL'}, {pair}, COUNT(*) "
            f"FROM ({inner}) a JOIN ({inner}) b "
            "ON a.sentence = b.sentence AND a.reviewer < b.reviewer "
            f"GROUP BY {', '.join([*keys, pair])}",
            [*params, *params],
        )
    )


def labels_by_reviewer(scope: Scope, per_article: bool = False) -> dict:
    """{article id, or None: [(reviewer id, username, label, how many)]}."""
    labels, keys = _grouped(scope, per_article)
    fields = [*keys, "reviewer", "reviewer__username", "label"]
    rows = labels.values_list(*fields).annotate(n=Count("*"))
    return _by_article(rows if per_article else ((None, *row) for row in rows))


def articles_changed_since(moment: datetime.datetime) -> set[int]:
    """Articles whose labels, their decisions or adjudications changed from `moment` on, by the
    audit trail (which every such change writes to)."""
    changes = History.objects.filter(article__isnull=False, at__gte=moment)
    return set(changes.order_by().values_list("article", flat=True).distinct())


def labelled_articles() -> set[int]:
    """Articles with at least one counted label."""
    labelled = counted_annotations().order_by().values_list("sentence__article", flat=True)
    return set(labelled.distinct())


def project_snapshot() -> AgreementSnapshot | None:
    """The project's latest figures (None: never computed)."""
    return AgreementSnapshot.objects.filter(article__isnull=True).order_by("-day").first()


def project_history() -> QuerySet[AgreementSnapshot]:
    """The project's daily figures, oldest first (for charts)."""
    return AgreementSnapshot.objects.filter(article__isnull=True).order_by("day")


def article_snapshots(article_ids=None) -> QuerySet[AgreementSnapshot]:
    """The articles' snapshots (None: every article's)."""
    snapshots = AgreementSnapshot.objects.filter(article__isnull=False)
    if article_ids is not None:
        snapshots = snapshots.filter(article__in=article_ids)
    return snapshots
