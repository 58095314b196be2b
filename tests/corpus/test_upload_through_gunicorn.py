"""A large upload through the real web server: the load forks its segmenting process from a
gunicorn worker, every file loads, and the worker is left as it was, without a child."""

import httpx
import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token

from annotations.corpus.models import Article, Sentence
from tests.conftest import seed_text
from tests.project.databases import database_url
from tests.services import child_processes, gunicorn, require_postgres

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
FILES = 450  # three batches of 200 and the rest: two of them segmented in the forked process


def test_an_upload_of_many_files_through_gunicorn_loads_them_all():
    require_postgres()
    admin = User.objects.create_superuser("uploader", password=None)
    token = Token.objects.create(user=admin)
    files = [
        (
            "file",
            (
                f"{number:03}.txt",
                seed_text(url=f"https://e.com/{number}", body=f"Story {number}. It ended."),
                "text/plain",
            ),
        )
        for number in range(FILES)
    ]
    with gunicorn(database_url(), CELERY_BROKER_URL="memory://") as server:
        [worker] = child_processes(server.pid)
        response = httpx.post(
            f"{server.base}/api/articles/",
            files=files,
            headers={"Authorization": f"Token {token.key}"},
            timeout=60,
        )
        assert response.status_code == 201, response.text
        assert [outcome["status"] for outcome in response.json()["outcomes"]] == ["loaded"] * FILES
        assert child_processes(server.pid) == [worker]
        assert child_processes(worker) == []  # the segmenting process ended with the load
        assert httpx.get(f"{server.base}/healthz").status_code == 200
    assert Article.objects.count() == FILES
    last = Article.objects.get(url=f"https://e.com/{FILES - 1}")
    assert list(last.sentences.values_list("text", flat=True)) == [
        f"Story {FILES - 1}.",
        "It ended.",
    ]
    assert Sentence.objects.count() == 2 * FILES
