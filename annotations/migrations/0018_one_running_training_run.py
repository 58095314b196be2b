from django.db import migrations, models
from django.utils import timezone


def fail_parallel_runs(apps, schema_editor):
    """Runs that trained side by side before the rule: all but the latest started fail, or the
    constraint could not be added."""
    TrainingRun = apps.get_model("annotations", "TrainingRun")
    running = TrainingRun.objects.filter(status="running").order_by("-started_at", "-pk")
    TrainingRun.objects.filter(pk__in=list(running.values_list("pk", flat=True)[1:])).update(
        status="failed",
        error="stopped: another run was training at the same time (one run at a time since "
        "migration 0018)",
        finished_at=timezone.now(),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0017_sentence_tally_final_label"),
    ]

    operations = [
        migrations.RunPython(fail_parallel_runs, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="trainingrun",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "running")),
                fields=("status",),
                name="one_running_training_run",
            ),
        ),
    ]
