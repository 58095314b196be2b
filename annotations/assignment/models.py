from django.conf import settings
from django.db import models

from annotations.corpus.models import Sentence


class ReviewClaim(models.Model):
    """A reviewer's hold on a sentence that "next" handed them. Until they label it or it
    expires, it counts towards the sentence's overlap, so two reviewers asking at the same
    moment never push a sentence past the reviewers it needs. A skipped claim is the reviewer
    passing the sentence over: it no longer counts, and "next" does not offer it to them again."""

    sentence = models.ForeignKey(Sentence, on_delete=models.CASCADE, related_name="claims")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_claims"
    )
    claimed_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    skipped = models.BooleanField(default=False)

    class Meta:
        constraints = [
            # Also serves the count of a sentence's claims (its leading column).
            models.UniqueConstraint(fields=["sentence", "reviewer"], name="one_claim_per_reviewer")
        ]
        indexes = [models.Index(fields=["reviewer", "expires_at"], name="claim_by_reviewer")]

    def __str__(self) -> str:
        return f"{self.reviewer_id} holds {self.sentence_id} until {self.expires_at:%H:%M}"
