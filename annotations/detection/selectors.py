"""Reads about detector versions and which articles need their candidates (re)computed."""

from functools import lru_cache
from math import ceil

from django.conf import settings
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Cast
from django.db.models.lookups import IsNull

from annotations.candidates.scoring import MODEL_FORMAT, RULES_VERSION
from annotations.corpus.models import Article
from annotations.jobs import JobStatus

from .models import Candidate, DetectorModel, DetectorVersion, ScoreQuantile


def usable_detectors() -> QuerySet[DetectorVersion]:
    """Versions on the current rules whose model, if any, this release can load; newest first.
    `trained`: whether it has a model."""
    return (
        DetectorVersion.objects.filter(rules_version=RULES_VERSION)
        .filter(Q(model__isnull=True) | Q(model__format=MODEL_FORMAT))
        .annotate(trained=ExpressionWrapper(Q(model__isnull=False), BooleanField()))
    )


def active_detector() -> DetectorVersion:
    """The detector that scores sentences now: the newest usable version, or the rules alone
    until a model is trained (again, after an upgrade changed the rules or the model format)."""
    detector = usable_detectors().first()
    if detector is None:
        detector, _ = DetectorVersion.objects.get_or_create(
            name=RULES_VERSION, defaults={"rules_version": RULES_VERSION}
        )
        detector.trained = False
    return detector


def precompute_overview() -> dict[str, int]:
    """How many articles are in each precompute state (every state, zero included). One query."""
    counts = dict.fromkeys(JobStatus.values, 0)
    counts.update(
        Article.objects.values_list("precompute_status").annotate(n=Count("*")).order_by()
    )
    return counts


def precompute_due() -> Q:
    """Articles whose precompute should run (again): left pending or running too long (the
    broker was down at ingest, a worker died), failed, or done but without the active detector
    version's candidates (scored by an older one).

    Written so that the index plan is the only sensible one, with or without statistics: an
    article's candidates are written together, by one version, so a done article is looked up
    by its first sentence's candidate of the active version, a scalar subquery that PostgreSQL
    runs per done article as two probes of unique indexes. The EXISTS over every sentence's
    candidate of another version it replaces was planned as a scan of the candidate index per
    article on tables never ANALYZEd (100+ s at 2,800 articles)."""
    lifecycle = Article.precompute
    current = Candidate.objects.filter(
        sentence__article=OuterRef("pk"), sentence__index=0, detector_version=active_detector()
    )
    return (
        lifecycle.waiting_too_long(settings.PRECOMPUTE_PENDING_GRACE)
        | lifecycle.running_too_long(settings.PRECOMPUTE_RUNNING_TIMEOUT)
        | Q(precompute_status=JobStatus.FAILED)
        | Q(precompute_status=JobStatus.DONE)
        & IsNull(Subquery(current.order_by().values("pk")[:1]), True)
    )


def articles_needing_precompute() -> list[int]:
    """The ids of the articles precompute_due() finds, in order."""
    return list(
        Article.objects.filter(precompute_due()).order_by("pk").values_list("pk", flat=True)
    )


def with_percentile(candidates: QuerySet[Candidate]) -> QuerySet[Candidate]:
    """The candidates with `percentile`: the share of their version's candidates over the corpus
    (in %, 0.1 steps) that score at most as high; None until its quantiles are computed. One
    index probe per candidate, in the same query."""
    permille = (
        ScoreQuantile.objects.filter(
            detector=OuterRef("detector_version"), score__lte=OuterRef("score")
        )
        .order_by("-score", "-permille")
        .values("permille")[:1]
    )
    return candidates.annotate(percentile=Cast(Subquery(permille), FloatField()) / 10)


def at_least_percentile(percentile: float) -> Q:
    """Candidates whose percentile (with_percentile) is at least this: for each version with
    quantiles, a score threshold the (detector_version, -score) index serves. One query."""
    permille = ceil(round(percentile * 10, 6))  # up to the 0.1 steps percentiles take
    thresholds = ScoreQuantile.objects.filter(permille=permille).values_list("detector", "score")
    condition = Q(pk__in=[])
    for detector, score in thresholds:
        condition |= Q(detector_version=detector, score__gte=score)
    return condition


def load_model(detector: DetectorVersion):
    """The ClaimModel of a detector as active_detector() returns it; None for the rules alone."""
    if not detector.trained:
        return None
    data = DetectorModel.objects.filter(detector=detector).values_list("data", flat=True).get()
    return _cached_model(detector.pk, bytes(data))


@lru_cache(maxsize=2)
def _cached_model(detector_id: int, data: bytes):
    # Imported here, where scoring runs: numpy, scipy and scikit-learn cost a web process or a
    # command that never scores about 110 MB and 1.7 s of start-up.
    from annotations.candidates.model import ClaimModel

    # Keyed by id too, so a worker deserialises each version once, not once per batch.
    return ClaimModel.from_bytes(data)
