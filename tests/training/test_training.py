import json
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from annotations.candidates.model import ClaimModel
from annotations.candidates.scoring import MODEL_FORMAT, RULES_VERSION, SentenceInput
from annotations.corpus.models import Sentence
from annotations.corpus.services import ingest_files
from annotations.detection.models import Candidate, DetectorModel, DetectorVersion
from annotations.detection.selectors import active_detector
from annotations.review.models import Adjudication, Annotation
from annotations.training.models import LabelledSentence, TrainingRun
from annotations.training.selectors import training_examples
from annotations.training.services import request_training, run_training
from annotations.training.tasks import run_training_task, sweep_training_runs_task
from tests.conftest import SEED_ARTICLE
from tests.reviewing import label
from tests.training.labelled import CLAIMS, OTHER, write_tsv

STORED_MODEL = '"annotations_detectormodel"."data"'  # the column, as queries name it

pytestmark = pytest.mark.django_db


def test_import_labels_stores_checkthat_rows_and_is_idempotent(debate, capsys):
    call_command("import_labels", str(debate))
    assert "18 sentences (18 new, 0 updated)" in capsys.readouterr().out
    call_command("import_labels", str(debate))
    assert "18 sentences (0 new, 18 updated)" in capsys.readouterr().out
    assert LabelledSentence.objects.count() == 18
    assert LabelledSentence.objects.filter(checkworthy=True).count() == len(CLAIMS)
    assert set(LabelledSentence.objects.values_list("document", flat=True)) == {"debate"}


def test_import_labels_reads_jsonl_with_labels(tmp_path):
    path = tmp_path / "labels.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(row)
            for row in [
                {"text": "It was a false flag, she said.", "label": "false_flag", "document": "a"},
                {"text": "Nice weather.", "label": "not_claim", "document": "a"},
            ]
        ),
        encoding="utf-8",
    )
    call_command("import_labels", str(path))
    rows = dict(LabelledSentence.objects.values_list("label", "checkworthy"))
    assert rows == {"false_flag": True, "not_claim": False}


def test_a_bad_label_file_fails_with_file_and_line_and_a_non_zero_exit(tmp_path, debate, capsys):
    bad = tmp_path / "bad.tsv"
    bad.write_text("1\tA\tfine\t0\n2\tB\tbroken\tmaybe\n", encoding="utf-8")
    with pytest.raises(CommandError, match="1 of 2 files failed"):
        call_command("import_labels", str(bad), str(debate))
    assert "bad.tsv, line 2" in capsys.readouterr().err
    assert LabelledSentence.objects.count() == 18  # the good file still imported, the bad one not


def test_training_needs_enough_labels():
    with pytest.raises(CommandError, match="need at least 5 check-worthy"):
        call_command("train_candidates", "--wait")


def test_training_makes_a_new_version_that_rescored_the_articles(
    debate, capsys, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        [outcome] = ingest_files([("seed.txt", SEED_ARTICLE.read_bytes())])
    rules_only = active_detector()
    call_command("import_labels", str(debate))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("train_candidates", "--wait")
    output = capsys.readouterr().out
    detector = active_detector()
    assert detector != rules_only and detector.trained
    assert f"trained {detector.name} on 18 sentences (8 check-worthy)" in output
    candidates = Candidate.objects.filter(sentence__article_id=outcome.article_id)
    assert candidates.count() == 19
    assert set(candidates.values_list("detector_version", flat=True)) == {detector.pk}
    assert all(c.reasons["model"]["version"] == detector.training["version"] for c in candidates)


def test_reviewers_labels_become_training_examples(reviewer, other_reviewer):
    [outcome] = ingest_files([("seed.txt", SEED_ARTICLE.read_bytes())])
    first, second = Sentence.objects.filter(article_id=outcome.article_id)[:2]
    Annotation.objects.create(sentence=first, reviewer=reviewer, label="sourced")
    Annotation.objects.create(sentence=first, reviewer=other_reviewer, label="sourced")
    Annotation.objects.create(sentence=second, reviewer=reviewer, label="not_claim")
    rejected = User.objects.create_user("spammer")
    Annotation.objects.create(
        sentence=second, reviewer=rejected, label="disputed", moderation_status="rejected"
    )
    examples = {item.text: label for item, label in training_examples()}
    assert examples == {first.text: 1, second.text: 0}
    [item] = [item for item, _ in training_examples() if item.text == second.text]
    assert item.previous == first.text


def test_a_moderators_adjudication_is_what_training_learns(reviewer, moderator):
    [outcome] = ingest_files([("seed.txt", SEED_ARTICLE.read_bytes())])
    first = Sentence.objects.filter(article_id=outcome.article_id).first()
    Annotation.objects.create(sentence=first, reviewer=reviewer, label="sourced")
    Adjudication.objects.create(sentence=first, label="not_claim", moderator=moderator)
    assert {item.text: label for item, label in training_examples()} == {first.text: 0}


@override_settings(CANDIDATE_RETRAIN_EVERY=10)
def test_with_a_broker_enough_new_labels_retrain_automatically(
    debate, capsys, with_a_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_labels", str(debate))
    run = TrainingRun.objects.get()
    assert f"training run #{run.pk} was queued for a worker" in capsys.readouterr().out
    assert (run.trigger, run.status) == ("new_labels", "done") and active_detector().trained


@override_settings(CANDIDATE_RETRAIN_EVERY=3)
def test_the_sweep_retrains_once_enough_labels_were_given_or_changed(
    debate, reviewer, with_a_broker, django_capture_on_commit_callbacks
):
    [outcome] = ingest_files([("seed.txt", SEED_ARTICLE.read_bytes())])
    sentences = list(Sentence.objects.filter(article_id=outcome.article_id)[:3])
    for sentence in sentences:
        label(sentence, reviewer, "sourced")
    call_command("import_labels", str(debate))
    call_command("train_candidates", "--wait")
    trained = active_detector()
    for sentence in sentences[:2]:
        label(sentence, reviewer, "disputed")  # changes count as new labels
    assert not TrainingRun.objects.filter(trigger="new_labels").exists()  # saving only saves
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_training_runs_task.apply().get() == (0, 0, False)  # 2 new: not yet
        label(sentences[2], reviewer, "not_claim")
        assert sweep_training_runs_task.apply().get() == (0, 0, True)
    run = TrainingRun.objects.get(trigger="new_labels")
    assert run.status == "done" and run.detector_version == active_detector() != trained


@override_settings(CANDIDATE_ENCODER="minilm")
def test_with_sentence_embeddings_configured_training_and_scoring_use_them(
    debate, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        [outcome] = ingest_files([("seed.txt", SEED_ARTICLE.read_bytes())])
        call_command("import_labels", str(debate))
        call_command("train_candidates", "--wait")
    detector = active_detector()
    assert detector.training["params"]["encoder"] == "minilm"
    candidates = Candidate.objects.filter(sentence__article_id=outcome.article_id)
    assert {c.reasons["model"]["version"] for c in candidates} == {detector.training["version"]}
    assert candidates.count() == 19


def test_evaluate_prints_map_and_precision_at_k_without_storing(tmp_path, capsys):
    # Two documents whose ranking by the rules is plain: claims with figures far above thanks.
    # In "a" both check-worthy sentences rank first (AP 1); in "b" the only one is a "thank
    # you", ranked last of three (AP 1/3).
    rows = [
        *({"document": "a", "text": text, "checkworthy": 1} for text in CLAIMS[:2]),
        *({"document": "a", "text": text, "checkworthy": 0} for text in OTHER[:3]),
        {"document": "b", "text": OTHER[0], "checkworthy": 1},
        *({"document": "b", "text": text, "checkworthy": 0} for text in CLAIMS[2:4]),
    ]
    path = tmp_path / "two.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
    call_command("evaluate_candidates", str(path))
    output = capsys.readouterr().out.splitlines()
    assert "documents: 2, sentences: 8" in output
    # MAP (1 + 1/3) / 2; P@k averages the documents' hits in their top k, over k.
    expected = {"MAP": 0.6667, "P@1": 0.5, "P@5": 0.3, "P@10": 0.15, "P@20": 0.075, "P@50": 0.03}
    printed = {
        line.split()[0]: float(line.split()[1]) for line in output if line[:2] in ("MA", "P@")
    }
    assert printed == expected
    assert not LabelledSentence.objects.exists()


def test_evaluate_reports_per_label_precision_and_recall(tmp_path, capsys):
    path = tmp_path / "labels.jsonl"
    rows = [
        {"text": "\"It was a 'false flag' operation,\" she said.", "label": "false_flag"},
        {"text": "Troops moved in, Reuters reported.", "label": "sourced"},
        {"text": "Thank you all.", "label": "not_claim"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    call_command("evaluate_candidates", str(path))
    output = capsys.readouterr().out
    assert "false_flag" in output and "sourced" in output and "precision" in output


def test_evaluate_refuses_a_bad_file(tmp_path):
    with pytest.raises(CommandError, match="expected a .tsv or .jsonl file"):
        call_command("evaluate_candidates", str(tmp_path / "x.csv"))


def test_staff_can_queue_training_from_the_admin(
    superuser, client, debate, django_capture_on_commit_callbacks
):
    call_command("import_labels", str(debate))
    client.force_login(superuser)
    changelist = reverse("admin:annotations_detectorversion_changelist")
    assert "Train a new version" in client.get(changelist).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:annotations_detectorversion_train"), follow=True)
    run = TrainingRun.objects.get()
    assert f"Training run #{run.pk} queued" in response.content.decode()
    assert (run.status, run.trigger, run.requested_by) == ("done", "admin", superuser)
    assert run.detector_version == active_detector() and model_versions() == 1
    runs_page = client.get(reverse("admin:annotations_trainingrun_changelist")).content.decode()
    assert f"training run #{run.pk} (done)" in runs_page and run.detector_version.name in runs_page


def test_reviewers_cannot_queue_training(reviewer, client):
    client.force_login(reviewer)
    response = client.post(reverse("admin:annotations_detectorversion_train"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not DetectorVersion.objects.exists()


def test_training_from_the_admin_without_enough_labels_says_what_is_missing(superuser, client):
    client.force_login(superuser)
    response = client.post(reverse("admin:annotations_detectorversion_train"), follow=True)
    assert "need at least 5 check-worthy" in response.content.decode().lower()
    assert not DetectorModel.objects.exists()


def model_versions():
    return DetectorModel.objects.count()


@override_settings(CANDIDATE_RETRAIN_EVERY=10)
def test_training_by_hand_after_an_automatic_run_does_not_train_the_same_labels_again(
    debate, capsys, with_a_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_labels", str(debate))
    trained = active_detector()
    call_command("train_candidates", "--wait")
    assert f"{trained.name} was trained on every label there is" in capsys.readouterr().out
    assert model_versions() == 1
    call_command("train_candidates", "--wait", "--force")
    assert model_versions() == 2


def test_training_by_hand_joins_an_automatic_run_still_waiting_and_trains_once(debate, settings):
    settings.CANDIDATE_RETRAIN_EVERY = 10
    call_command("import_labels", str(debate))  # no worker here: its run waits
    [waiting] = TrainingRun.objects.all()
    assert (waiting.status, waiting.trigger) == ("pending", "new_labels")
    call_command("train_candidates", "--wait")
    waiting.refresh_from_db()
    assert (waiting.status, waiting.trigger) == ("done", "command")
    assert run_training_task.apply(args=[waiting.pk]).get() == "done"  # the worker finds it taken
    assert TrainingRun.objects.count() == 1 and model_versions() == 1


def test_a_run_for_new_labels_that_a_run_before_it_used_trains_nothing(tmp_path, debate, settings):
    call_command("import_labels", str(debate))
    call_command("train_candidates", "--wait")
    settings.CANDIDATE_RETRAIN_EVERY = 2
    skipped = run_training(request_training(TrainingRun.Trigger.NEW_LABELS).pk)
    assert (skipped.status, skipped.detector_version) == ("skipped", active_detector())
    assert model_versions() == 1
    write_tsv(tmp_path / "more.tsv", [("Taxes rose 9 percent in 2020.", 1), ("Hello.", 0)])
    call_command("import_labels", str(tmp_path / "more.tsv"))
    run = request_training(TrainingRun.Trigger.NEW_LABELS)
    assert run_training(run.pk).status == "done" and model_versions() == 2


def test_requests_while_a_run_waits_join_it(superuser, debate):
    call_command("import_labels", str(debate))
    first = request_training(TrainingRun.Trigger.NEW_LABELS)
    assert request_training(TrainingRun.Trigger.NEW_LABELS) == first
    joined = request_training(TrainingRun.Trigger.ADMIN, user=superuser)
    assert joined == first and (joined.trigger, joined.requested_by) == ("admin", superuser)
    assert TrainingRun.objects.count() == 1


def test_a_failed_training_is_recorded_on_its_run_and_reported(
    superuser, client, debate, django_capture_on_commit_callbacks
):
    call_command("import_labels", str(debate))
    client.force_login(superuser)
    with mock.patch.object(ClaimModel, "train", side_effect=MemoryError("out of memory")):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("admin:annotations_detectorversion_train"))
        with pytest.raises(CommandError, match=r"training run #\d+ failed: MemoryError: out of"):
            call_command("train_candidates", "--wait")
    runs = TrainingRun.objects.all()
    assert [(r.status, r.error) for r in runs] == [("failed", "MemoryError: out of memory")] * 2
    runs_page = client.get(reverse("admin:annotations_trainingrun_changelist")).content.decode()
    assert "MemoryError: out of memory" in runs_page
    assert model_versions() == 0


def test_the_sweep_queues_runs_left_waiting_and_fails_runs_whose_worker_stopped(
    debate, settings, django_capture_on_commit_callbacks
):
    call_command("import_labels", str(debate))
    waiting = request_training(TrainingRun.Trigger.ADMIN)  # on-commit never ran: broker down
    stuck = TrainingRun.objects.create(
        trigger=TrainingRun.Trigger.COMMAND,
        status=TrainingRun.Status.RUNNING,
        started_at=timezone.now() - timedelta(seconds=settings.TRAINING_TIMEOUT + 1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_training_runs_task.apply().get() == (
            0,
            1,
            False,
        )  # waiting: not long enough yet
    long_ago = timezone.now() - timedelta(seconds=settings.PRECOMPUTE_PENDING_GRACE + 1)
    TrainingRun.objects.filter(pk=waiting.pk).update(created_at=long_ago)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_training_runs_task.apply().get() == (1, 0, False)
    waiting.refresh_from_db()
    stuck.refresh_from_db()
    assert waiting.status == "done" and model_versions() == 1
    assert stuck.status == "failed" and "the worker stopped" in stuck.error


def test_the_admin_says_when_there_is_nothing_new_to_train_on(superuser, client, debate):
    call_command("import_labels", str(debate))
    call_command("train_candidates", "--wait")
    client.force_login(superuser)
    response = client.post(reverse("admin:annotations_detectorversion_train"), follow=True)
    assert "nothing new to train on" in response.content.decode()
    assert model_versions() == 1
    skipped = TrainingRun.objects.get(trigger="admin")
    assert (skipped.status, skipped.requested_by) == ("skipped", superuser)


def test_a_model_saved_by_an_older_release_does_not_count_as_trained(debate, capsys):
    call_command("import_labels", str(debate))
    model = ClaimModel.train(
        [(SentenceInput("Taxes rose 5% in 2020."), 1), (SentenceInput("Thank you all."), 0)]
    )
    old = DetectorVersion.objects.create(name="claimlr-old", rules_version=RULES_VERSION)
    DetectorModel.objects.create(detector=old, data=model.to_bytes(), format=MODEL_FORMAT - 1)
    call_command("train_candidates", "--wait")
    assert "trained " in capsys.readouterr().out
    assert active_detector().name != "claimlr-old" and model_versions() == 2


def test_the_admin_lists_naming_detector_versions_never_read_the_stored_models(
    superuser, client, debate, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        list(ingest_files([("seed.txt", SEED_ARTICLE.read_bytes())]))
        call_command("import_labels", str(debate))
        call_command("train_candidates", "--wait")
    client.force_login(superuser)
    detector = active_detector()
    for changelist, query in (
        ("detectorversion", {}),
        ("trainingrun", {}),
        ("candidate", {}),
        ("candidate", {"detector_version": detector.pk}),
    ):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse(f"admin:annotations_{changelist}_changelist"), query)
        assert page.status_code == 200 and detector.name in page.content.decode()
        assert not [q["sql"] for q in queries.captured_queries if STORED_MODEL in q["sql"]]
    filtered = client.get(
        reverse("admin:annotations_candidate_changelist"), {"detector_version": detector.pk}
    )
    assert "19 candidates" in filtered.content.decode()


def test_labels_given_while_a_model_trains_are_left_for_the_next_training(tmp_path, debate):
    call_command("import_labels", str(debate))
    late = write_tsv(tmp_path / "late.tsv", [("Taxes rose 9 percent in 2020.", 1)])
    train = ClaimModel.train

    def train_while_a_label_arrives(*args, **kwargs):
        call_command("import_labels", str(late))
        return train(*args, **kwargs)

    with mock.patch.object(ClaimModel, "train", side_effect=train_while_a_label_arrives):
        call_command("train_candidates", "--wait")
    first = active_detector()
    assert first.training["examples"] == 18
    call_command("train_candidates", "--wait")
    assert active_detector() != first and active_detector().training["examples"] == 19


@override_settings(CANDIDATE_RETRAIN_EVERY=3)
def test_too_few_labels_to_train_fail_one_automatic_run_then_wait_for_as_many_more(
    reviewer, with_a_broker, django_capture_on_commit_callbacks
):
    [outcome] = ingest_files([("seed.txt", SEED_ARTICLE.read_bytes())])
    sentences = list(Sentence.objects.filter(article_id=outcome.article_id).order_by("index"))

    def sweep_requests_a_run() -> bool:
        with django_capture_on_commit_callbacks(execute=True):  # the run is trained at once
            return sweep_training_runs_task.apply().get()[2]

    for sentence in sentences[:3]:
        label(sentence, reviewer, "sourced")
    assert sweep_requests_a_run()  # due; it fails: too few labels of a kind
    for sentence in sentences[3:5]:
        label(sentence, reviewer, "not_claim")
        assert not sweep_requests_a_run()  # backing off
    label(sentences[5], reviewer, "not_claim")  # 3 labels since the failed run
    assert sweep_requests_a_run()
    runs = TrainingRun.objects.filter(trigger="new_labels")
    assert list(runs.values_list("status", flat=True)) == ["failed", "failed"]
    assert "need at least" in runs.first().error
