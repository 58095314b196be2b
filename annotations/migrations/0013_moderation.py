"""Moderation: the Reviewers group (every account that could label before joins it, so no one
loses what they could do), the Moderators group's permissions, articles that can be hidden,
adjudications with versions, and an audit trail that knows its article and entry point."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

REVIEWERS_GROUP = "Reviewers"
MODERATORS_GROUP = "Moderators"
MODERATOR_PERMISSIONS = [
    "moderate_annotation",
    "view_annotation",
    "lock_article",
    "view_article",
    "view_sentence",
    "add_adjudication",
    "change_adjudication",
    "delete_adjudication",
    "view_adjudication",
    "view_history",
]


def roles_and_history(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are made after migrations; the groups below need this app's now.
    app_config = apps.get_app_config("annotations")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    reviewers, _ = Group.objects.get_or_create(name=REVIEWERS_GROUP)
    moderators, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
    reviewers.user_set.add(*User.objects.filter(is_superuser=False).exclude(groups=moderators))
    moderators.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="annotations", codename__in=MODERATOR_PERMISSIONS
        )
    )
    History = apps.get_model("annotations", "History")
    Sentence = apps.get_model("annotations", "Sentence")
    History.objects.filter(sentence__isnull=False).update(
        article=Subquery(Sentence.objects.filter(pk=OuterRef("sentence")).values("article")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0012_reviewer_settings"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="annotation",
            options={
                "ordering": ["sentence_id", "reviewer_id"],
                "permissions": [
                    ("moderate_annotation", "Can approve, reject and reopen annotations")
                ],
            },
        ),
        migrations.AlterModelOptions(
            name="article",
            options={
                "ordering": ["-published_on", "-id"],
                "permissions": [("lock_article", "Can lock, unlock, hide and show articles")],
            },
        ),
        migrations.AddField(
            model_name="adjudication",
            name="version",
            field=models.PositiveIntegerField(default=1, help_text="optimistic concurrency"),
        ),
        migrations.AddField(
            model_name="article",
            name="hidden",
            field=models.BooleanField(default=False, help_text="only moderators see it"),
        ),
        migrations.AddField(
            model_name="history",
            name="article",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="history",
                to="annotations.article",
            ),
        ),
        migrations.AddField(
            model_name="history",
            name="reviewer",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="history_about",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="history",
            name="via",
            field=models.CharField(
                blank=True,
                choices=[
                    ("ui", "web UI"),
                    ("api", "API"),
                    ("admin", "admin"),
                    ("cli", "command line"),
                    ("import", "import"),
                    ("system", "system"),
                ],
                help_text="entry point; blank on rows recorded before it was",
                max_length=8,
            ),
        ),
        migrations.AlterField(
            model_name="adjudication",
            name="reason",
            field=models.TextField(blank=True, max_length=5000),
        ),
        migrations.AlterField(
            model_name="history",
            name="action",
            field=models.CharField(
                choices=[
                    ("created", "Created"),
                    ("updated", "Updated"),
                    ("deleted", "Deleted"),
                    ("approved", "Approved"),
                    ("rejected", "Rejected"),
                    ("reopened", "Reopened"),
                    ("adjudicated", "Adjudicated"),
                    ("locked", "Locked"),
                    ("unlocked", "Unlocked"),
                    ("hidden", "Hidden"),
                    ("shown", "Shown"),
                    ("deactivated", "Deactivated"),
                ],
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="history",
            name="sentence",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="history",
                to="annotations.sentence",
            ),
        ),
        migrations.AlterField(
            model_name="history",
            name="subject",
            field=models.CharField(
                choices=[
                    ("annotation", "Annotation"),
                    ("adjudication", "Adjudication"),
                    ("article", "Article"),
                    ("user", "User"),
                ],
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="event",
            field=models.CharField(
                choices=[
                    ("article.loaded", "Article Loaded"),
                    ("article.precomputed", "Article Precomputed"),
                    ("annotation.created", "Annotation Created"),
                    ("annotation.updated", "Annotation Updated"),
                    ("annotation.deleted", "Annotation Deleted"),
                    ("annotation.approved", "Annotation Approved"),
                    ("annotation.rejected", "Annotation Rejected"),
                    ("sentence.adjudicated", "Sentence Adjudicated"),
                ],
                max_length=64,
            ),
        ),
        migrations.RunPython(roles_and_history, migrations.RunPython.noop),
    ]
