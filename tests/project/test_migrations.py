"""The data migrations of the restructure: stored models move to their own rows (and back), and
staff who could moderate before keep doing so as members of the Moderators group."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("annotations", "0008_detector_version_labels_as_of")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_restructure_migrations_keep_models_and_moderators():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("annotations")
    try:
        old = migrate(BEFORE)
        versions, users = (
            old.get_model("annotations", "DetectorVersion"),
            old.get_model("auth", "User"),
        )
        versions.objects.create(
            name="trained", rules_version="rules-1", model_data=b"model", training={"format": 4}
        )
        versions.objects.create(name="rules-1", rules_version="rules-1")
        users.objects.create(username="editor", is_staff=True)
        users.objects.create(username="root", is_staff=True, is_superuser=True)
        users.objects.create(username="reviewer")

        new = migrate(latest)
        stored = new.get_model("annotations", "DetectorModel").objects.get()
        assert (stored.detector.name, bytes(stored.data), stored.format) == ("trained", b"model", 4)
        moderators = new.get_model("auth", "Group").objects.get(name="Moderators")
        assert [user.username for user in moderators.user_set.all()] == ["editor"]

        old = migrate(BEFORE)
        trained = old.get_model("annotations", "DetectorVersion").objects.get(name="trained")
        assert bytes(trained.model_data) == b"model"
    finally:
        migrate(latest)
