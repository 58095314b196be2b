"""Training the candidate detector through the API: request a run, poll it, list the runs."""

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command

from annotations.detection.selectors import active_detector
from annotations.training.models import TrainingRun
from tests.api_support import client_for
from tests.conftest import CHECKTHAT_SAMPLE

pytestmark = pytest.mark.django_db

SAMPLE = CHECKTHAT_SAMPLE
RUNS = "/api/training-runs/"


@pytest.fixture
def trainer(staff):
    staff.user_permissions.add(Permission.objects.get(codename="add_detectorversion"))
    return staff


@pytest.fixture
def labels():
    call_command("import_labels", *map(str, sorted(SAMPLE.glob("*.tsv"))))


def test_a_trainer_requests_a_run_and_polls_it_until_done(
    trainer, labels, django_capture_on_commit_callbacks
):
    api = client_for(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(RUNS, {}, format="json")
    assert response.status_code == 202
    assert response.json()["status"] == "pending" and response.json()["trigger"] == "api"
    run = api.get(f"{RUNS}{response.json()['id']}/").json()
    assert run["status"] == "done" and run["requested_by"] == "staff"
    assert run["detector_version"] == active_detector().pk
    assert run["detector_version_name"] == active_detector().name

    again = api.post(RUNS, {}, format="json")
    assert again.status_code == 200 and again.json()["status"] == "skipped"
    assert again.json()["detector_version"] == run["detector_version"]
    forced = api.post(RUNS, {"force": True}, format="json")
    assert forced.status_code == 202 and forced.json()["force"] is True
    assert [r["status"] for r in api.get(RUNS).json()["results"]] == ["pending", "skipped", "done"]


def test_too_little_to_train_on_is_a_400_that_says_what_is_missing(trainer):
    response = client_for(trainer).post(RUNS, {}, format="json")
    assert response.status_code == 400
    reason = response.json()["errors"]["non_field_errors"][0]
    assert reason.startswith("need at least 5 check-worthy")
    refused = TrainingRun.objects.get()  # the request is recorded, with why it was refused
    assert (refused.status, refused.trigger, refused.error) == ("failed", "api", reason)
    assert client_for(trainer).get(RUNS).json()["results"][0]["error"] == reason


def test_bad_input_is_a_400_naming_the_field(trainer, labels):
    response = client_for(trainer).post(RUNS, {"force": "perhaps"}, format="json")
    assert response.status_code == 400 and "force" in response.json()["errors"]
    assert not TrainingRun.objects.exists()


def test_reviewers_and_plain_staff_can_neither_train_nor_see_runs(reviewer, staff, labels):
    TrainingRun.objects.create(trigger=TrainingRun.Trigger.ADMIN)
    for user in (reviewer, staff):
        api = client_for(user)
        response = api.post(RUNS, {}, format="json")
        assert response.status_code == 403
        assert "'Can add detector version' permission" in response.json()["detail"]
        assert api.get(RUNS).status_code == 403
    assert client_for().get(RUNS).status_code == 401
    assert TrainingRun.objects.count() == 1


def test_the_run_list_does_not_grow_in_queries_with_runs(
    trainer, superuser, django_assert_num_queries
):
    api = client_for(trainer)
    for number in range(30):
        TrainingRun.objects.create(
            trigger=TrainingRun.Trigger.ADMIN,
            requested_by=superuser,
            status=TrainingRun.Status.FAILED,
            error=f"run {number}",
        )
    with django_assert_num_queries(4):  # token and user, user and group permissions, the page
        response = api.get(RUNS, {"page_size": 50})
    assert len(response.json()["results"]) == 30
