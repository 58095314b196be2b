"""What the moderation queue sorts by, one narrow row per labelled sentence, filled for the
labels given so far."""

import django.db.models.deletion
from django.db import migrations, models

BATCH = 2_000


def tally_existing_labels(apps, schema_editor):
    """The tallies of the sentences labelled or adjudicated so far. A snapshot of what
    review.services.retally() computes, on this migration's models."""
    Annotation = apps.get_model("annotations", "Annotation")
    Adjudication = apps.get_model("annotations", "Adjudication")
    Candidate = apps.get_model("annotations", "Candidate")
    SentenceTally = apps.get_model("annotations", "SentenceTally")
    ids = sorted(
        set(Annotation.objects.values_list("sentence", flat=True))
        | set(Adjudication.objects.values_list("sentence", flat=True))
    )
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        tallies = {pk: SentenceTally(sentence_id=pk) for pk in batch}
        for pk, at in Adjudication.objects.filter(sentence__in=batch).values_list(
            "sentence", "updated_at"
        ):
            tallies[pk].adjudicated, tallies[pk].decided_at = True, at
        latest = {}
        for pk, candidate, score, suggested in Candidate.objects.filter(
            sentence__in=batch
        ).values_list("sentence", "pk", "score", "suggested_label"):
            if pk not in latest or candidate > latest[pk][0]:
                latest[pk] = (candidate, score, suggested or "not_claim")
        labels = {pk: set() for pk in batch}
        for pk, label, status, at in Annotation.objects.filter(sentence__in=batch).values_list(
            "sentence", "label", "moderation_status", "moderated_at"
        ):
            tally = tallies[pk]
            if status == "pending":
                tally.pending += 1
            else:
                tally.decided_at = max(filter(None, (tally.decided_at, at)), default=None)
            if status != "rejected":
                tally.votes += 1
                labels[pk].add(label)
                tally.contradicting += label != latest.get(pk, (None, None, "not_claim"))[2]
        for pk, tally in tallies.items():
            tally.score = latest[pk][1] if pk in latest else 0
            tally.distinct_labels = len(labels[pk])
        SentenceTally.objects.bulk_create(tallies.values())


class Migration(migrations.Migration):

    dependencies = [
        ('annotations', '0013_moderation'),
    ]

    operations = [
        migrations.CreateModel(
            name='SentenceTally',
            fields=[
                ('sentence', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='tally', serialize=False, to='annotations.sentence')),
                ('votes', models.PositiveIntegerField(default=0, help_text='counted (not rejected) labels')),
                ('distinct_labels', models.PositiveIntegerField(default=0, help_text='among counted labels')),
                ('contradicting', models.PositiveIntegerField(default=0, help_text="counted labels other than the candidate's suggestion")),
                ('pending', models.PositiveIntegerField(default=0, help_text='labels waiting for a decision')),
                ('score', models.FloatField(default=0, help_text="the candidate's; 0 without one")),
                ('adjudicated', models.BooleanField(default=False)),
                ('decided_at', models.DateTimeField(blank=True, help_text='the latest approval, rejection or adjudication', null=True)),
            ],
            options={
                'indexes': [models.Index(condition=models.Q(('pending__gt', 0)), fields=['-score', 'sentence'], name='tally_pending_by_score'), models.Index(condition=models.Q(('decided_at__isnull', False)), fields=['-decided_at', '-sentence'], name='tally_latest_decided')],
            },
        ),
        migrations.RunPython(tally_existing_labels, migrations.RunPython.noop),
    ]
