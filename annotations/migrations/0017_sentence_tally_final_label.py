"""The final label and its evidence on each sentence's tally, filled for the labels given so
far."""

from django.db import migrations, models

from annotations.labels import Vote, decide

BATCH = 2_000


def decide_existing_tallies(apps, schema_editor):
    """What review.services.retally() now adds to a tally, for the tallies there are (a snapshot
    of its reads on this migration's models; labels.decide() decides)."""
    Annotation = apps.get_model("annotations", "Annotation")
    Adjudication = apps.get_model("annotations", "Adjudication")
    SentenceTally = apps.get_model("annotations", "SentenceTally")
    ids = list(SentenceTally.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        votes = {pk: [] for pk in batch}
        for pk, *fields in (
            Annotation.objects.filter(sentence__in=batch)
            .exclude(moderation_status="rejected")
            .order_by("pk")
            .values_list(
                "sentence", "label", "claimant", "source_name", "evidence_url", "updated_at"
            )
        ):
            votes[pk].append(Vote(*fields))
        adjudications = {
            pk: (label, at)
            for pk, label, at in Adjudication.objects.filter(sentence__in=batch).values_list(
                "sentence", "label", "updated_at"
            )
        }
        tallies = []
        for tally in SentenceTally.objects.filter(pk__in=batch):
            decision = decide(votes[tally.pk], *adjudications.get(tally.pk, (None, None)))
            tally.final_label = decision.label or ""
            tally.final_basis = decision.basis
            tally.final_at = decision.decided_at
            tally.label_counts = decision.counts
            tally.agreement = decision.agreement
            tally.claimants = decision.claimants
            tally.sources = decision.sources
            tally.evidence_urls = decision.evidence_urls
            tallies.append(tally)
        SentenceTally.objects.bulk_update(tallies, FIELDS)


FIELDS = [
    "final_label",
    "final_basis",
    "final_at",
    "label_counts",
    "agreement",
    "claimants",
    "sources",
    "evidence_urls",
]


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0016_export_job"),
    ]

    operations = [
        migrations.AddField(
            model_name="sentencetally",
            name="agreement",
            field=models.FloatField(blank=True, help_text="share of agreeing pairs", null=True),
        ),
        migrations.AddField(
            model_name="sentencetally",
            name="claimants",
            field=models.JSONField(default=list),
        ),
        migrations.AddField(
            model_name="sentencetally",
            name="evidence_urls",
            field=models.JSONField(default=list),
        ),
        migrations.AddField(
            model_name="sentencetally",
            name="final_at",
            field=models.DateTimeField(
                blank=True,
                help_text="the adjudication, else the latest vote for the label",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="sentencetally",
            name="final_basis",
            field=models.CharField(default="unlabelled", max_length=16),
        ),
        migrations.AddField(
            model_name="sentencetally",
            name="final_label",
            field=models.CharField(
                blank=True,
                choices=[
                    ("sourced", "Sourced"),
                    ("disputed", "Disputed"),
                    ("false_flag", '"False flag" allegation'),
                    ("not_claim", "Not a claim"),
                ],
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="sentencetally",
            name="label_counts",
            field=models.JSONField(default=dict, help_text="counted labels, zeros included"),
        ),
        migrations.AddField(
            model_name="sentencetally",
            name="sources",
            field=models.JSONField(default=list),
        ),
        migrations.RunPython(decide_existing_tallies, migrations.RunPython.noop),
    ]
