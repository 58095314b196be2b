"""Moderators are the Moderators group, no longer staff: the group exists from here on, and the
staff accounts there are keep what they could do (edit locked articles, change and see every
annotation) by joining it."""

from django.conf import settings
from django.db import migrations

MODERATORS_GROUP = "Moderators"


def create_moderators(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    moderators, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
    staff = User.objects.filter(is_staff=True, is_superuser=False)
    moderators.user_set.add(*staff)


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0009_detector_model_own_row"),
        ("auth", "0012_alter_user_first_name_max_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(create_moderators, migrations.RunPython.noop)]
