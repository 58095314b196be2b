"""Agreement among reviewers on counted labels: the figures of a scope (measure), the confusion
table of two reviewers (confusion), and the snapshots that keep them (refresh_snapshots),
refreshed after label changes at most once per AGREEMENT_DEBOUNCE_SECONDS (request_refresh)."""

import dataclasses
import datetime

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from annotations.jobs import queue_on_commit

from .models import AgreementSnapshot
from .selectors import (
    CATEGORIES,
    Scope,
    article_snapshots,
    articles_changed_since,
    label_pairs,
    label_profiles,
    labelled_articles,
    labels_by_reviewer,
    project_snapshot,
)
from .tasks import refresh_agreement_task

REFRESH_QUEUED = "agreement:refresh-queued"
# History rows are stamped when written, not when their transaction commits: a refresh looks back
# this much before the previous one, so a change committed late is still seen (twice at worst).
LATE_COMMIT_MARGIN = datetime.timedelta(minutes=10)
PROJECT = Scope()


def measure(scope: Scope = PROJECT) -> dict:
    """The agreement figures of the counted labels in `scope` (JSON-able): how many sentences,
    annotations and reviewers; the label distribution; raw percent agreement, Fleiss' kappa and
    Krippendorff's alpha over the sentences; Cohen's kappa of each pair of reviewers. Three
    queries, whatever the size."""
    return _measure(scope, per_article=False, keys=[None])[None]


def measure_articles(article_ids) -> dict[int, dict]:
    """measure() of each article on its own, for all of them in three queries."""
    ids = sorted(set(article_ids))
    return _measure(Scope(articles=tuple(ids)), per_article=True, keys=ids) if ids else {}


def _measure(scope: Scope, per_article: bool, keys: list) -> dict:
    profiles = label_profiles(scope, per_article)
    pairs = label_pairs(scope, per_article)
    reviewers = labels_by_reviewer(scope, per_article)
    return {key: _figures(profiles[key], pairs[key], reviewers[key]) for key in keys}


def _figures(profiles, pairs, reviewer_labels) -> dict:
    # Imported here: numpy is for the processes that compute agreement, not every web process.
    import numpy as np

    from . import metrics

    rows = np.array(profiles, dtype=np.int64).reshape(-1, len(CATEGORIES) + 1)
    counts, weights = rows[:, :-1], rows[:, -1]  # each row: counts per category, sentences
    distribution = dict.fromkeys(CATEGORIES, 0)
    names = {}
    for reviewer, username, label, n in reviewer_labels:
        distribution[label] += n
        names[reviewer] = username
    tables = _tables(pairs)
    return {
        "categories": list(CATEGORIES),
        "sentences": int(weights.sum()),
        "annotations": sum(distribution.values()),
        "reviewers": len(names),
        "label_distribution": distribution,
        "percent_agreement": _json(metrics.percent_agreement(counts, weights)),
        "fleiss_kappa": _json(metrics.fleiss_kappa(counts, weights)),
        "krippendorff_alpha": _json(metrics.krippendorff_alpha(counts, weights)),
        "pairs": [
            _pair_figures({"id": a, "username": names[a]}, {"id": b, "username": names[b]}, table)
            for (a, b), table in sorted(tables.items())
        ],
    }


def _json(measure) -> dict:
    return dataclasses.asdict(measure)


def _tables(pairs) -> dict:
    """{(reviewer a, reviewer b): k x k contingency table} from label_pairs() rows."""
    import numpy as np

    index = {label: i for i, label in enumerate(CATEGORIES)}
    tables = {}
    for a, b, label_a, label_b, sentences in pairs:
        table = tables.setdefault((a, b), np.zeros((len(CATEGORIES),) * 2, dtype=np.int64))
        table[index[label_a], index[label_b]] = sentences
    return tables


def _pair_figures(reviewer_a: dict, reviewer_b: dict, table) -> dict:
    from . import metrics

    return {
        "reviewer_a": reviewer_a,
        "reviewer_b": reviewer_b,
        "shared_sentences": int(table.sum()),
        "cohen_kappa": _json(metrics.cohen_kappa(table)),
        "percent_agreement": _json(metrics.observed_agreement(table)),
    }


def confusion(reviewer_a, reviewer_b, scope: Scope = PROJECT) -> dict:
    """The label-by-label table of two reviewers over the sentences both labelled in `scope`
    (`counts[i][j]`: sentences a labelled categories[i] and b categories[j]), with their Cohen's
    kappa and percent agreement. One query."""
    import numpy as np

    if reviewer_a.pk == reviewer_b.pk:
        raise ValidationError({"b": "choose a reviewer other than a"})
    both = dataclasses.replace(scope, reviewers=(reviewer_a.pk, reviewer_b.pk))
    table = _tables(label_pairs(both)[None]).get(
        tuple(sorted((reviewer_a.pk, reviewer_b.pk))),
        np.zeros((len(CATEGORIES),) * 2, dtype=np.int64),
    )
    if reviewer_a.pk > reviewer_b.pk:
        table = table.T  # the rows are always the first reviewer's labels
    figures = _pair_figures(_who(reviewer_a), _who(reviewer_b), table)
    return {**figures, "categories": list(CATEGORIES), "counts": table.tolist()}


def _who(user) -> dict:
    return {"id": user.pk, "username": user.get_username()}


def refresh_snapshots(*, everything: bool = False) -> list[int]:
    """Recompute the snapshots of the articles whose labels changed since the last refresh (by the
    audit trail; on the first refresh, or with `everything`, of every article with labels or a
    snapshot) and, when any did or today has none yet, the project's row for today. Returns
    the articles recomputed."""
    started = timezone.now()
    today = timezone.localdate(started)
    previous = project_snapshot()
    if everything or previous is None:
        articles = labelled_articles() | set(article_snapshots().values_list("article", flat=True))
    else:
        articles = articles_changed_since(previous.computed_at - LATE_COMMIT_MARGIN)
        if not articles and previous.day == today:
            return []
    figures = measure_articles(articles)
    project = measure()
    with transaction.atomic():
        stored = {s.article_id: s for s in article_snapshots(articles).select_for_update()}
        for article_id, values in figures.items():
            snapshot = stored.get(article_id) or AgreementSnapshot(article_id=article_id)
            snapshot.day, snapshot.computed_at, snapshot.figures = today, started, values
            stored[article_id] = snapshot
        changed = ["day", "computed_at", "figures"]
        AgreementSnapshot.objects.bulk_update(
            [s for s in stored.values() if s.pk], changed, batch_size=500
        )
        AgreementSnapshot.objects.bulk_create([s for s in stored.values() if not s.pk])
        AgreementSnapshot.objects.update_or_create(
            article=None, day=today, defaults={"computed_at": started, "figures": project}
        )
    return sorted(figures)


def request_refresh() -> None:
    """Queue a refresh of the snapshots for when the transaction commits, unless one was queued
    within the last AGREEMENT_DEBOUNCE_SECONDS: a burst of label changes costs one refresh, run
    at the end of the window. (A queued refresh lost with its broker is caught up by the beat.)"""
    window = settings.AGREEMENT_DEBOUNCE_SECONDS
    if cache.add(REFRESH_QUEUED, True, timeout=window):
        queue_on_commit(
            lambda: refresh_agreement_task.apply_async(countdown=window), "agreement refresh"
        )


def labels_changed_receiver(sender, sentence_ids, **kwargs) -> None:
    """Receiver of review.services.labels_changed. Which sentences changed does not matter here:
    the refresh reads the changed articles from the audit trail."""
    request_refresh()


def snapshot_or_compute(article=None) -> AgreementSnapshot:
    """The article's snapshot (None: the project's latest), computed and stored now if there is
    none yet."""
    stored = article_snapshots([article.pk]).first() if article else project_snapshot()
    if stored is not None:
        return stored
    if article is None:
        refresh_snapshots()
        return project_snapshot()
    now = timezone.now()
    snapshot, _ = AgreementSnapshot.objects.get_or_create(
        article=article,
        defaults={
            "day": timezone.localdate(now),
            "computed_at": now,
            "figures": measure_articles([article.pk])[article.pk],
        },
    )
    return snapshot
