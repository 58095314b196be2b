"""Migration 0020 counts the article list's figures of the articles loaded before it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.project.test_migrations import migrate

BEFORE = [("annotations", "0019_score_rank_and_quantiles")]


@pytest.mark.django_db(transaction=True)
def test_the_list_figures_migration_counts_what_was_loaded():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("annotations")
    try:
        old = migrate(BEFORE)
        users = old.get_model("auth", "User").objects
        first, second = users.create(username="first"), users.create(username="second")
        article = old.get_model("annotations", "Article").objects.create(
            title="t", url="https://example.com/t", published_on="2022-02-24", body="One. Two."
        )
        one = article.sentences.create(index=0, paragraph=0, start=0, end=4, text="One.")
        two = article.sentences.create(index=1, paragraph=0, start=5, end=9, text="Two.")
        detector = old.get_model("annotations", "DetectorVersion").objects.create(
            name="rules", rules_version="rules"
        )
        candidates = old.get_model("annotations", "Candidate").objects
        candidates.create(sentence=one, detector_version=detector, score=0.9, reasons={})
        candidates.create(sentence=two, detector_version=detector, score=0.2, reasons={})
        annotations = old.get_model("annotations", "Annotation").objects
        annotations.create(sentence=one, reviewer=first, label="sourced")
        annotations.create(sentence=one, reviewer=second, label="sourced")
        annotations.create(
            sentence=two, reviewer=first, label="disputed", moderation_status="rejected"
        )
        tallies = old.get_model("annotations", "SentenceTally").objects
        tallies.create(sentence=one, votes=2, pending=2)
        tallies.create(sentence=two, votes=0)

        new = migrate(latest)
        stored = new.get_model("annotations", "Article").objects.get(pk=article.pk)
        assert (stored.sentence_count, stored.top_score, stored.candidate_claims) == (2, 0.9, 1)
        by_votes = new.get_model("annotations", "SentencesByVotes").objects
        assert set(by_votes.values_list("votes", "sentences")) == {(2, 1), (0, 1)}
        progress = new.get_model("annotations", "ReviewerProgress").objects
        assert set(progress.values_list("reviewer__username", "labelled")) == {
            ("first", 2),
            ("second", 1),
        }
        tallies = new.get_model("annotations", "SentenceTally").objects
        assert dict(tallies.values_list("sentence", "labels")) == {one.pk: 2, two.pk: 1}
    finally:
        migrate(latest)
