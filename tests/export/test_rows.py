"""The export's sentence rows: what each holds, the filters, pseudonyms, batches and the
consistent snapshot."""

import datetime
import io
import threading

import pytest
from django.db import connection, connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from annotations.detection.models import DetectorVersion
from annotations.export.selectors import ExportFilters, export_rows, sentence_row
from annotations.export.services import ExportOptions, write_export
from annotations.moderation.services import set_article_flag
from tests.export.conftest import SALT, all_rows, row_of
from tests.reviewing import label, load_article
from tests.services import require_postgres


def test_a_row_holds_the_sentence_its_article_candidate_and_labels(dataset, reviewer):
    row = row_of(all_rows(), dataset.agreed)
    assert row["article_url"] == "https://news.example.com/kyiv"
    assert row["article_title"] == "Shelling near Kyiv"
    assert row["published_on"] == "2022-02-23"
    assert (row["sentence_index"], row["start"], row["end"]) == (0, 0, 40)
    assert row["text"] == "The ministry said the plant was shelled."
    # The latest candidate: the second detector's.
    assert (row["candidate_score"], row["suggested_label"], row["detector_version"]) == (
        0.9,
        "sourced",
        "detector-new",
    )
    first = row["annotations"][0]
    assert first["label"] == "sourced"
    assert (first["span_start"], first["span_end"]) == (4, 12)
    assert first["source_name"] == "Ministry of Defence"
    assert first["moderation_status"] == "pending"
    assert row["label_counts"] == {"sourced": 2, "disputed": 0, "false_flag": 0, "not_claim": 0}
    assert (row["final_label"], row["final_basis"], row["agreement"]) == (
        "sourced",
        "majority",
        1.0,
    )
    assert row["claimants"] == ["Defence ministry"]  # two annotations, one claimant
    assert row["sources"] == ["Ministry of Defence"]
    assert row["evidence_urls"] == ["https://example.org/statement"]
    assert row["decided_at"] == max(a["updated_at"] for a in row["annotations"])


def test_final_labels_say_how_they_were_reached(dataset):
    rows = all_rows()
    tie = row_of(rows, dataset.tie)
    assert (tie["final_label"], tie["final_basis"], tie["agreement"]) == ("disputed", "tie", 0.0)
    assert tie["claimants"] == ["Critics"]  # only the labels giving the final label
    unlabelled = row_of(rows, dataset.unlabelled)
    assert unlabelled["final_label"] is None
    assert unlabelled["final_basis"] == "unlabelled"
    assert unlabelled["annotations"] == []
    assert unlabelled["agreement"] is None and unlabelled["decided_at"] is None
    adjudicated = row_of(rows, dataset.adjudicated)
    assert (adjudicated["final_label"], adjudicated["final_basis"]) == ("false_flag", "adjudicated")
    assert adjudicated["adjudication_note"] == "staged, per OSCE"
    assert adjudicated["label_counts"]["disputed"] == 2
    decision = dataset.adjudicated.adjudication
    assert datetime.datetime.fromisoformat(adjudicated["decided_at"]) == decision.updated_at
    # One counted label: no pair to agree.
    assert row_of(rows, dataset.formula)["agreement"] is None


def test_rejected_annotations_are_left_out_unless_asked_for_and_never_counted(dataset):
    row = row_of(all_rows(), dataset.rejected)
    assert [a["label"] for a in row["annotations"]] == ["not_claim"]
    everything = ExportFilters(statuses=("pending", "approved", "rejected"))
    row = row_of(all_rows(everything), dataset.rejected)
    assert sorted(a["moderation_status"] for a in row["annotations"]) == ["pending", "rejected"]
    assert row["label_counts"]["sourced"] == 0
    assert row["final_label"] == "not_claim"


def ids(rows) -> list[int]:
    return [row["sentence_id"] for row in rows]


def test_filters(dataset, reviewer):
    kyiv = [s.pk for s in dataset.kyiv.sentences.order_by("index")]
    donbas = [s.pk for s in dataset.donbas.sentences.order_by("index")]
    assert ids(all_rows(ExportFilters(articles=(dataset.donbas.pk,)))) == donbas
    assert ids(all_rows(ExportFilters(since=dataset.donbas.published_on))) == donbas
    assert ids(all_rows(ExportFilters(until=dataset.kyiv.published_on))) == kyiv
    assert ids(all_rows(ExportFilters(labels=("not_claim",)))) == [
        dataset.formula.pk,
        dataset.rejected.pk,
    ]
    assert ids(all_rows(ExportFilters(bases=("adjudicated", "tie")))) == [
        dataset.tie.pk,
        dataset.adjudicated.pk,
    ]
    assert ids(all_rows(ExportFilters(min_agreement=0.5))) == [
        dataset.agreed.pk,
        dataset.adjudicated.pk,
    ]
    # One reviewer's labels alone: the tie becomes their "sourced", the other's sentence
    # becomes unlabelled.
    own = all_rows(ExportFilters(reviewers=(reviewer.pk,)))
    assert row_of(own, dataset.tie)["final_label"] == "sourced"
    assert row_of(own, dataset.tie)["final_basis"] == "majority"
    assert row_of(own, dataset.rejected)["final_basis"] == "unlabelled"
    approved = all_rows(ExportFilters(statuses=("approved",)))
    assert all(row["annotations"] == [] for row in approved)


def test_hidden_articles_never_leave_the_server(dataset, moderator):
    set_article_flag(article=dataset.donbas, actor=moderator, flag="hidden", value=True)
    assert {row["article_id"] for row in all_rows()} == {dataset.kyiv.pk}
    assert sentence_row(dataset.adjudicated.pk) is None


def test_pseudonyms_are_stable_within_an_export_and_differ_across_salts(
    dataset, reviewer, other_reviewer
):
    def names(rows, sentence):
        return [a["reviewer"] for a in row_of(rows, sentence)["annotations"]]

    rows = all_rows()
    mine, theirs = names(rows, dataset.agreed)
    assert mine != theirs
    assert names(rows, dataset.tie) == [mine, theirs]
    assert names(rows, dataset.adjudicated) == [mine, theirs]
    assert mine.startswith("r-") and reviewer.username not in mine
    assert names(all_rows(salt=SALT), dataset.agreed) == [mine, theirs]
    other_salt = names(all_rows(salt="another"), dataset.agreed)
    assert set(other_salt).isdisjoint({mine, theirs})
    real = names(all_rows(real_names=True), dataset.agreed)
    assert real == [reviewer.username, other_reviewer.username]


def test_the_public_row_is_the_export_row_without_reviewer_names(dataset, reviewer):
    public = sentence_row(dataset.agreed.pk)
    exported = row_of(all_rows(), dataset.agreed)
    assert {a["reviewer"] for a in public["annotations"]}.isdisjoint(
        {a["reviewer"] for a in exported["annotations"]} | {reviewer.username}
    )
    strip = [{**a, "reviewer": None} for a in public["annotations"]]
    assert {**public, "annotations": strip} == {
        **exported,
        "annotations": [{**a, "reviewer": None} for a in exported["annotations"]],
    }
    assert sentence_row(10**9) is None


def test_batches_come_in_sentence_order_in_a_constant_number_of_queries(dataset, reviewer):
    batches = list(export_rows(ExportFilters(), salt=SALT, batch_size=4))
    assert [len(batch) for batch in batches] == [4, 2]
    assert ids(row for batch in batches for row in batch) == sorted(ids(all_rows()))

    def queries(batch_size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            list(export_rows(ExportFilters(), salt=SALT, batch_size=batch_size))
        return len(captured)

    before = queries(100)
    more = load_article(title="More", url="https://news.example.com/more", body="A. B. C. D.")
    for one in more.sentences.all():
        label(one, reviewer, "sourced")
    # One batch: sentences, candidates, annotations, adjudications (and a last empty read).
    assert queries(100) == before == 5


@pytest.mark.django_db(transaction=True)
def test_a_label_written_during_an_export_does_not_appear_in_it(reviewer, other_reviewer):
    require_postgres()
    article = load_article(body="One. Two. Three.")
    first, _, last = article.sentences.order_by("index")
    label(first, reviewer, "sourced")
    batches = export_rows(ExportFilters(), salt=SALT, batch_size=1)
    [before] = next(batches)

    def write_elsewhere():
        try:  # on this thread's own connection: committed while the export reads
            label(last, other_reviewer, "disputed")
            label(first, other_reviewer, "disputed")
        finally:
            connections.close_all()

    writer = threading.Thread(target=write_elsewhere)
    writer.start()
    writer.join()
    rest = [row for batch in batches for row in batch]
    assert before["label_counts"]["sourced"] == 1 and before["label_counts"]["disputed"] == 0
    assert [row["annotations"] for row in rest] == [[], []]
    after = all_rows()
    assert row_of(after, last)["final_label"] == "disputed"
    assert row_of(after, first)["final_basis"] == "tie"


@pytest.mark.django_db(transaction=True)
def test_progress_written_during_an_export_is_seen_at_once(reviewer):
    """Progress is reported outside the export's snapshot transaction: what the callback
    writes (a job's rows done) is visible to others while the export goes on."""
    require_postgres()
    load_article(body="One. Two. Three.")
    seen = []

    def count_elsewhere():
        try:
            seen.append(DetectorVersion.objects.filter(rules_version="progress").count())
        finally:
            connections.close_all()

    def progress(done, total):
        DetectorVersion.objects.create(name=f"progress-{len(seen)}", rules_version="progress")
        reader = threading.Thread(target=count_elsewhere)
        reader.start()
        reader.join()

    with override_settings(EXPORT_BATCH_SIZE=1):
        write_export(io.BytesIO(), ExportOptions(format="bundle"), progress)
    assert seen == [1, 2, 3, 4]  # three batches, then the end
