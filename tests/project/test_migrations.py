"""The data migrations: stored models move to their own rows (and back); staff who could moderate
before keep doing so as members of the Moderators group; everyone who could label before joins
the Reviewers group."""

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


@pytest.mark.django_db(transaction=True)
def test_the_moderation_migration_keeps_everyone_labelling_and_fills_the_audit_trail():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("annotations")
    try:
        old = migrate([("annotations", "0012_reviewer_settings")])
        users = old.get_model("auth", "User")
        reviewer = users.objects.create(username="reviewer")
        editor = users.objects.create(username="editor")
        moderators, _ = old.get_model("auth", "Group").objects.get_or_create(name="Moderators")
        moderators.user_set.add(editor)
        users.objects.create(username="root", is_superuser=True)
        article = old.get_model("annotations", "Article").objects.create(
            title="t", url="https://example.com/t", published_on="2022-02-24", body="One."
        )
        sentence = article.sentences.create(index=0, paragraph=0, start=0, end=4, text="One.")
        old.get_model("annotations", "History").objects.create(
            sentence=sentence, subject="annotation", subject_id=1, action="created", actor=reviewer
        )

        new = migrate(latest)
        groups = new.get_model("auth", "Group").objects
        assert [u.username for u in groups.get(name="Reviewers").user_set.all()] == ["reviewer"]
        moderators = groups.get(name="Moderators")
        granted = set(moderators.permissions.values_list("codename", flat=True))
        assert {"moderate_annotation", "lock_article", "add_adjudication"} <= granted
        row = new.get_model("annotations", "History").objects.get()
        assert (row.article_id, row.via) == (article.pk, "")
    finally:
        migrate(latest)


@pytest.mark.django_db(transaction=True)
def test_the_tally_migration_decides_the_final_labels_of_what_was_labelled():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("annotations")
    try:
        old = migrate([("annotations", "0016_export_job")])
        users = old.get_model("auth", "User").objects
        first, second = users.create(username="first"), users.create(username="second")
        article = old.get_model("annotations", "Article").objects.create(
            title="t", url="https://example.com/t", published_on="2022-02-24", body="One. Two."
        )
        agreed = article.sentences.create(index=0, paragraph=0, start=0, end=4, text="One.")
        overruled = article.sentences.create(index=1, paragraph=0, start=5, end=9, text="Two.")
        annotations = old.get_model("annotations", "Annotation").objects
        for reviewer, claimant in ((first, "Ministry"), (second, "")):
            annotations.create(
                sentence=agreed, reviewer=reviewer, label="sourced", claimant=claimant
            )
        annotations.create(sentence=overruled, reviewer=first, label="sourced")
        old.get_model("annotations", "Adjudication").objects.create(
            sentence=overruled, label="disputed", moderator=second, reason="contested"
        )
        tallies = old.get_model("annotations", "SentenceTally").objects
        tallies.create(sentence=agreed, votes=2)
        tallies.create(sentence=overruled, votes=1, adjudicated=True)

        new = migrate(latest)
        tallies = new.get_model("annotations", "SentenceTally").objects
        agreed_tally, overruled_tally = tallies.get(pk=agreed.pk), tallies.get(pk=overruled.pk)
        assert (agreed_tally.final_label, agreed_tally.final_basis) == ("sourced", "majority")
        assert (agreed_tally.agreement, agreed_tally.claimants) == (1.0, ["Ministry"])
        assert agreed_tally.label_counts == {
            "sourced": 2,
            "disputed": 0,
            "false_flag": 0,
            "not_claim": 0,
        }
        assert (overruled_tally.final_label, overruled_tally.final_basis) == (
            "disputed",
            "adjudicated",
        )
    finally:
        migrate(latest)
