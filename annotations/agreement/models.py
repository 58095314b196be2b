from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from annotations.corpus.models import Article


class AgreementSnapshot(models.Model):
    """Agreement among reviewers' counted labels as last computed (agreement.services): one row
    per article, kept up to date, and one per day for the whole project (article empty), which
    makes its history. `figures` holds what agreement.services.measure() returns."""

    article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="agreement_snapshots",
    )
    day = models.DateField(help_text="the day the figures describe (the project's history)")
    computed_at = models.DateTimeField()
    figures = models.JSONField(encoder=DjangoJSONEncoder)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["article"],
                condition=Q(article__isnull=False),
                name="one_agreement_per_article",
            ),
            models.UniqueConstraint(
                fields=["day"],
                condition=Q(article__isnull=True),
                name="one_project_agreement_a_day",
            ),
        ]

    def __str__(self) -> str:
        about = f"article {self.article_id}" if self.article_id else "project"
        return f"agreement of {about} on {self.day}"
