"""The exports page: a moderator starts an export, follows its progress bar, downloads it."""

import hashlib
import json
import re

import pytest
from django.test import TestCase
from django.utils import timezone

from annotations.export.models import ExportJob
from annotations.export.services import ExportOptions, start_export, sweep_exports
from tests.web.conftest import log_in, moderator_account, role_groups, script_errors  # noqa: F401

from .conftest import Dataset

pytestmark = pytest.mark.django_db

PAGE = "/moderation/exports/"


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def logged_in(client, user):
    client.force_login(user)
    return client


def post(client, run: bool = True, **fields):
    form = {"format": "jsonl", "statuses": ["pending", "approved"], **fields}
    form.setdefault("train", "0.8")
    form.setdefault("dev", "0.1")
    form.setdefault("test", "0.1")
    with TestCase.captureOnCommitCallbacks(execute=run):
        return client.post(PAGE, form)


def job_of(user) -> ExportJob:
    return ExportJob.objects.get(requester=user)


def test_a_moderator_starts_an_export_and_downloads_it(dataset: Dataset, moderator, client):
    logged_in(client, moderator)
    page = client.get(PAGE).content.decode()
    assert '<a href="/moderation/exports/" aria-current="page">Exports</a>' in page
    assert "Name reviewers by username" not in page  # administrators only

    response = post(
        client, format="csv", labels=["sourced", "false_flag"], since="2022-01-01", bom="on"
    )
    assert response.status_code == 302 and response.url == PAGE
    job = job_of(moderator)
    assert job.options["filters"]["labels"] == ["sourced", "false_flag"]
    assert job.options["filters"]["since"] == "2022-01-01" and job.options["bom"] is True

    page = client.get(PAGE).content.decode()
    assert f"Export #{job.pk} started" in page
    assert f"Download {job.filename}" in page and job.sha256 in page
    assert "2 sentences" in page and "final labels sourced, false_flag" in page
    download = client.get(f"/moderation/exports/{job.pk}/download")
    data = b"".join(download.streaming_content)
    assert download["Content-Disposition"] == f'attachment; filename="{job.filename}"'
    assert data.startswith(b"\xef\xbb\xbf") and hashlib.sha256(data).hexdigest() == job.sha256


def test_the_item_of_a_running_export_shows_its_progress_and_is_polled(moderator, client):
    job = ExportJob.objects.create(
        requester=moderator,
        format="jsonl",
        options={"filters": {"labels": []}},
        status="running",
        rows_done=12000,
        rows_total=40000,
    )
    item = logged_in(client, moderator).get(f"/moderation/exports/{job.pk}/").content.decode()
    assert re.search(r'<progress [^>]*max="40000" value="12000"', item)
    assert "12,000 of 40,000 sentences" in item
    assert f'hx-get="/moderation/exports/{job.pk}/" hx-trigger="every 1s"' in item
    assert 'id="export-status"' not in item  # nothing to announce yet

    ExportJob.objects.filter(pk=job.pk).update(status="failed", error="OSError: disk full")
    item = client.get(f"/moderation/exports/{job.pk}/").content.decode()
    assert "hx-trigger" not in item  # polling stops
    assert "Failed: OSError: disk full" in item
    assert re.search(r'id="export-status" hx-swap-oob="innerHTML">Export #\d+ failed\.<', item)
    assert client.get(f"/moderation/exports/{job.pk}/download").status_code == 404


def test_a_finished_export_announces_itself_once_polled(dataset: Dataset, moderator, client):
    post(logged_in(client, moderator))
    job = job_of(moderator)
    item = client.get(f"/moderation/exports/{job.pk}/").content.decode()
    assert "hx-trigger" not in item
    assert f">Export #{job.pk} is ready to download.<" in item
    assert f'href="/moderation/exports/{job.pk}/download"' in item


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"format": "bundle", "train": "0.9"}, None, "adding up to 1"),
        ({"since": "2023-01-01", "until": "2022-01-01"}, "until", "before its start"),
        ({"articles": "3, x"}, "articles", "&#x27;x&#x27; is not an article id"),
        ({"statuses": []}, "statuses", "Choose at least one moderation status"),
        ({"min_agreement": "2"}, "min_agreement", "less than or equal to 1"),
        ({"format": "bundle", "bundle_formats": []}, None, "choose one or more"),
    ],
)
def test_bad_input_is_shown_on_the_form_and_starts_nothing(
    moderator, client, fields, field, message
):
    response = post(logged_in(client, moderator), **fields)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    if field:
        assert f'id="id_{field}_error"' in page or f'id="id_{field}_0_error"' in page
    assert not ExportJob.objects.exists()


def test_usernames_are_for_administrators_who_ask(dataset: Dataset, moderator, superuser, client):
    post(logged_in(client, moderator), real_names="on")  # no such field for a moderator
    assert job_of(moderator).options["real_names"] is False

    logged_in(client, superuser)
    assert "Name reviewers by username" in client.get(PAGE).content.decode()
    post(client, real_names="on")
    job = job_of(superuser)
    data = b"".join(client.get(f"/moderation/exports/{job.pk}/download").streaming_content)
    rows = [json.loads(line) for line in data.decode().splitlines()]
    assert {a["reviewer"] for row in rows for a in row["annotations"]} == {"reviewer", "other"}


def test_who_sees_a_job_and_its_file(
    dataset: Dataset, moderator, superuser, reviewer, client, django_user_model
):
    with TestCase.captureOnCommitCallbacks(execute=True):
        mine = start_export(moderator, ExportOptions(format="jsonl"))
        named = start_export(superuser, ExportOptions(format="jsonl", real_names=True))
    colleague = django_user_model.objects.create_user("colleague")
    colleague.groups.add(*moderator.groups.all())

    def status(user, job):
        client.force_login(user)
        return client.get(f"/moderation/exports/{job.pk}/download").status_code

    assert [status(u, mine) for u in (moderator, colleague, superuser, reviewer)] == [
        200,
        200,
        200,
        404,
    ]
    # Usernames: only their requester and administrators.
    assert [status(u, named) for u in (superuser, moderator, colleague)] == [200, 404, 404]
    client.logout()
    assert client.get(f"/moderation/exports/{mine.pk}/download").status_code == 302


def test_reviewers_get_a_page_saying_why_not(reviewer, client):
    response = logged_in(client, reviewer).get(PAGE)
    assert response.status_code == 403 and "Moderators only" in response.content.decode()
    assert post(client).status_code == 403
    assert not ExportJob.objects.exists()


def test_an_expired_export_says_so(dataset: Dataset, moderator, client):
    post(logged_in(client, moderator))
    job = job_of(moderator)
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now())
    sweep_exports()
    response = client.get(f"/moderation/exports/{job.pk}/download")
    assert response.status_code == 410 and b"expired" in response.content
    assert "Expired: its file was deleted" in client.get(PAGE).content.decode()


def test_the_admin_lists_export_jobs_read_only_with_a_link_to_the_checked_download(
    dataset: Dataset, moderator, superuser, client
):
    post(logged_in(client, moderator))
    job = job_of(moderator)
    page = logged_in(client, superuser).get("/admin/annotations/exportjob/").content.decode()
    assert f'<a href="/moderation/exports/{job.pk}/download">{job.filename}</a>' in page
    assert "/admin/annotations/exportjob/add/" not in page
    assert "/media/" not in page  # no direct link to storage, past the permission check
    detail = client.get(f"/admin/annotations/exportjob/{job.pk}/change/").content.decode()
    assert "pending" in detail and "salt" not in detail  # it would tie pseudonyms to reviewers


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_a_browser_the_bar_follows_the_job_then_the_download_is_announced(
    log_in,  # noqa: F811 (the fixtures of tests/web, imported above)
    live_server,
    moderator_account,  # noqa: F811
    script_errors,  # noqa: F811
):
    from playwright.sync_api import expect

    from tests.web.test_accessibility import violations, with_axe

    job = ExportJob.objects.create(
        requester=moderator_account,
        format="csv",
        options={"filters": {"labels": ["sourced"]}},
        status="running",
        rows_done=2000,
        rows_total=8000,
    )
    page = log_in("moderator", "pw-moderator")
    with_axe(page.context)
    page.goto(f"{live_server.url}{PAGE}")
    bar = page.get_by_role("progressbar", name=f"Export #{job.pk}: CSV")
    expect(bar).to_have_attribute("value", "2000")
    assert violations(page) == [], "exports page"

    ExportJob.objects.filter(pk=job.pk).update(rows_done=6000)
    expect(bar).to_have_attribute("value", "6000")
    expect(page.get_by_text("6,000 of 8,000 sentences")).to_be_visible()
    ExportJob.objects.filter(pk=job.pk).update(
        status="done", filename="factcheck-csv.csv", size=2048, sha256="ab" * 32, row_count=8000
    )
    expect(page.get_by_role("link", name="Download factcheck-csv.csv")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="ready to download")).to_have_text(
        f"Export #{job.pk} is ready to download."
    )
    page.get_by_role("button", name="Start the export").click()
    expect(page.get_by_text(f"Export #{job.pk + 1} started")).to_be_visible()
    assert violations(page) == [], "exports page after starting an export"
    assert script_errors == []
