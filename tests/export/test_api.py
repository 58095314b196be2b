"""Export jobs through the API: start one (202), poll it, download its file."""

import hashlib
import io
import json

import pandas as pd
import pytest
from django.utils import timezone

from annotations.export.models import ExportJob
from annotations.export.services import sweep_exports
from tests.api_support import client_for

from .conftest import Dataset

pytestmark = pytest.mark.django_db

EXPORTS = "/api/exports/"


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_moderator_starts_an_export_polls_it_and_downloads_it(
    dataset: Dataset, moderator, django_capture_on_commit_callbacks
):
    api = client_for(moderator)
    wish = {"format": "parquet", "filters": {"bases": ["adjudicated", "majority"]}, "salt": "s"}
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(EXPORTS, wish, format="json")
    assert response.status_code == 202
    started = response.json()
    assert started["status"] == "pending" and started["requester"] == "moderator"
    assert started["options"]["filters"]["bases"] == ["adjudicated", "majority"]
    assert "salt" not in started["options"]  # it would tie pseudonyms to reviewers

    job = api.get(f"{EXPORTS}{started['id']}/").json()
    assert job["status"] == "done" and job["label_counts"]["false_flag"] == 1
    assert job["rows_done"] == job["rows_total"] == job["row_count"] == 4
    assert job["download"] == f"http://testserver{EXPORTS}{job['id']}/download/"

    download = api.get(job["download"])
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="{job["filename"]}"'
    data = b"".join(download.streaming_content)
    assert hashlib.sha256(data).hexdigest() == job["sha256"] and len(data) == job["size"]
    frame = pd.read_parquet(io.BytesIO(data))
    assert sorted(frame["final_basis"]) == ["adjudicated", "majority", "majority", "majority"]
    assert [j["id"] for j in api.get(EXPORTS).json()["results"]] == [job["id"]]


@pytest.mark.parametrize(
    "wish, field",
    [
        ({"format": "xlsx"}, "format"),
        ({}, "format"),
        ({"format": "csv", "filters": {"labels": ["true"]}}, "filters.labels.0"),
        ({"format": "csv", "filters": {"since": "yesterday"}}, "filters.since"),
        ({"format": "csv", "filters": {"min_agreement": 1.5}}, "filters.min_agreement"),
        ({"format": "csv", "filters": {"statuses": []}}, "statuses"),
        ({"format": "csv", "filters": {"since": "2023-01-01", "until": "2022-01-01"}}, "until"),
        ({"format": "bundle", "splits": [0.5, 0.5, 0.5]}, "splits"),
        ({"format": "bundle", "splits": [1]}, "splits"),
        ({"format": "bundle", "bundle_formats": []}, "bundle_formats"),
        ({"format": "csv", "real_names": True}, "real_names"),
        ({"format": "csv", "bom": "perhaps"}, "bom"),
    ],
)
def test_bad_options_are_a_400_naming_the_field(moderator, wish, field):
    response = client_for(moderator).post(EXPORTS, wish, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert not ExportJob.objects.exists()


def test_an_administrator_may_have_usernames(
    dataset: Dataset, superuser, moderator, django_capture_on_commit_callbacks
):
    api = client_for(superuser)
    with django_capture_on_commit_callbacks(execute=True):
        job = api.post(EXPORTS, {"format": "jsonl", "real_names": True}, format="json").json()
    data = b"".join(api.get(f"{EXPORTS}{job['id']}/download/").streaming_content)
    rows = [json.loads(line) for line in data.decode().splitlines()]
    assert {a["reviewer"] for row in rows for a in row["annotations"]} == {"reviewer", "other"}
    # Not for moderators to see.
    assert client_for(moderator).get(f"{EXPORTS}{job['id']}/").status_code == 404
    assert client_for(moderator).get(EXPORTS).json()["results"] == []


def test_reviewers_cannot_export(reviewer, moderator):
    api = client_for(reviewer)
    response = api.post(EXPORTS, {"format": "jsonl"}, format="json")
    assert response.status_code == 403
    assert "moderator role" in response.json()["detail"]
    assert not ExportJob.objects.exists()


def test_no_file_before_the_export_is_done_and_none_after_it_expired(
    dataset: Dataset, moderator, django_capture_on_commit_callbacks
):
    api = client_for(moderator)
    job = api.post(EXPORTS, {"format": "csv"}, format="json").json()  # not run yet
    response = api.get(f"{EXPORTS}{job['id']}/download/")
    assert response.status_code == 404 and "pending" in response.json()["detail"]

    with django_capture_on_commit_callbacks(execute=True):
        job = api.post(EXPORTS, {"format": "csv"}, format="json").json()
    ExportJob.objects.filter(pk=job["id"]).update(expires_at=timezone.now())
    sweep_exports()
    response = api.get(f"{EXPORTS}{job['id']}/download/")
    assert response.status_code == 410 and "expired" in response.json()["detail"]
    job = api.get(f"{EXPORTS}{job['id']}/").json()
    assert job["status"] == "expired" and job["download"] is None


def test_the_job_list_does_not_grow_in_queries_with_jobs(moderator, django_assert_num_queries):
    api = client_for(moderator)
    ExportJob.objects.bulk_create(
        ExportJob(requester=moderator, format="csv", options={"real_names": False})
        for _ in range(30)
    )
    with django_assert_num_queries(3):  # token and user, the role, the page
        response = api.get(EXPORTS, {"page_size": 50})
    assert len(response.json()["results"]) == 30
