from django.db import models
from django.db.models import Q

from annotations.corpus.models import Sentence
from annotations.labels import CLAIM_LABELS


class DetectorVersion(models.Model):
    """One version of the candidate detector: the rules alone, or the rules plus a trained model
    (its DetectorModel row)."""

    name = models.CharField(max_length=64, unique=True)
    rules_version = models.CharField(max_length=32)
    training = models.JSONField(default=dict, blank=True, help_text="what it was trained on")
    labels_as_of = models.DateTimeField(
        null=True, blank=True, help_text="its model saw the labels given or imported until then"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Its ScoreQuantile rows were computed from this many candidates; candidates written since
    # (services.refresh_score_quantiles_if_due recomputes them once these reach a share of those).
    quantiles_from = models.PositiveBigIntegerField(default=0)
    written_since_quantiles = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name


class DetectorModel(models.Model):
    """A detector version's trained model: megabytes, in a row of its own so that lists of
    versions (and everything that joins them) never read it."""

    detector = models.OneToOneField(
        DetectorVersion, on_delete=models.CASCADE, primary_key=True, related_name="model"
    )
    # Serialised by annotations.candidates.model.ClaimModel.
    data = models.BinaryField()
    # ClaimModel's format: a release loads only its own (older models wait to be retrained).
    format = models.PositiveSmallIntegerField()

    def __str__(self) -> str:
        return f"model of {self.detector_id} (format {self.format})"


class Candidate(models.Model):
    # No single-column indexes: the unique (sentence, detector_version) constraint and the
    # (detector_version, -score) index serve those lookups, and every index slows bulk writes.
    sentence = models.ForeignKey(
        Sentence, on_delete=models.CASCADE, related_name="candidates", db_index=False
    )
    detector_version = models.ForeignKey(
        DetectorVersion, on_delete=models.PROTECT, related_name="candidates", db_index=False
    )
    score = models.FloatField(help_text="check-worthiness, 0 to 1")
    # NULL: the detector suggests no label (no claim); the API shows it as null.
    suggested_label = models.CharField(  # noqa: DJ001
        max_length=16, choices=CLAIM_LABELS, null=True, blank=True
    )
    reasons = models.JSONField(default=dict)
    # 1 for the article's highest score (ties in sentence order); written with the article's
    # other candidates, which are always replaced together. NULL: written before ranks were.
    rank = models.PositiveIntegerField(null=True, blank=True, help_text="rank in its article")

    class Meta:
        ordering = ["sentence_id"]  # the column: ordering through the relation joins tables
        constraints = [
            models.UniqueConstraint(
                fields=["sentence", "detector_version"], name="candidate_unique_per_version"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=1), name="candidate_score_in_0_1"
            ),
        ]
        indexes = [models.Index(fields=["detector_version", "-score"])]

    def __str__(self) -> str:
        return f"{self.score:.2f} {self.suggested_label or '-'}: {self.sentence}"


class ScoreQuantile(models.Model):
    """A cut point of a detector version's score distribution over the corpus: the lowest score
    that at least permille / 10 % of its candidates have or stay under. 1001 rows per
    version (permille 0 to 1000), so a score's percentile is one index probe and a minimum
    percentile one score threshold (selectors)."""

    detector = models.ForeignKey(
        DetectorVersion, on_delete=models.CASCADE, related_name="quantiles", db_index=False
    )
    permille = models.PositiveSmallIntegerField()
    score = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["detector", "permille"], name="score_quantile_unique_per_version"
            )
        ]
        # A score's percentile: the highest permille whose score is at most it.
        indexes = [models.Index(fields=["detector", "score", "permille"])]

    def __str__(self) -> str:
        return f"{self.detector_id}: {self.permille / 10:g}% at {self.score:.4f}"
