"""A detector version's trained model moves out of its row into a one-to-one row of its own, so
that lists of versions never read megabytes they do not show."""

import django.db.models.deletion
from django.db import migrations, models


def move_models_out(apps, schema_editor):
    DetectorVersion = apps.get_model("annotations", "DetectorVersion")
    DetectorModel = apps.get_model("annotations", "DetectorModel")
    trained = DetectorVersion.objects.exclude(model_data=None).order_by("pk")
    for pk, data, training in trained.values_list("pk", "model_data", "training").iterator(
        chunk_size=1
    ):
        # ClaimModel records its format in its metadata, which training copied; 0: unknown,
        # never loaded (the model is retrained).
        DetectorModel.objects.create(
            detector_id=pk, data=data, format=(training or {}).get("format", 0)
        )


def move_models_back(apps, schema_editor):
    DetectorVersion = apps.get_model("annotations", "DetectorVersion")
    DetectorModel = apps.get_model("annotations", "DetectorModel")
    for pk, data in DetectorModel.objects.order_by("pk").values_list("pk", "data").iterator(
        chunk_size=1
    ):
        DetectorVersion.objects.filter(pk=pk).update(model_data=data)


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0008_detector_version_labels_as_of"),
    ]

    operations = [
        migrations.CreateModel(
            name="DetectorModel",
            fields=[
                (
                    "detector",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="model",
                        serialize=False,
                        to="annotations.detectorversion",
                    ),
                ),
                ("data", models.BinaryField()),
                ("format", models.PositiveSmallIntegerField()),
            ],
        ),
        migrations.RunPython(move_models_out, move_models_back),
        migrations.RemoveField(model_name="detectorversion", name="model_data"),
    ]
