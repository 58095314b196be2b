import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotations.corpus.models import Article
from tests.conftest import SEED_ARTICLE, seed_text

pytestmark = pytest.mark.django_db
URL = reverse("admin:annotations_article_upload")


def upload(client, *files):
    return client.post(URL, {"files": [SimpleUploadedFile(n, data) for n, data in files]})


def test_staff_with_the_permission_upload_several_files_and_see_each_result(superuser, client):
    client.force_login(superuser)
    response = upload(
        client,
        ("seed.txt", SEED_ARTICLE.read_bytes()),
        ("bad.txt", seed_text(url="not a url")),
        ("again.txt", SEED_ARTICLE.read_bytes()),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "3 files, 1 failed" in html
    assert "19 sentences" in html
    assert "bad.txt, line 3: expected an http:// or https:// URL" in html
    assert "already loaded" not in html  # "present" shows the existing article instead
    assert html.count('class="result-present"') == 1
    assert Article.objects.get().sentences.count() == 19


def test_the_changelist_links_to_the_upload(superuser, client):
    client.force_login(superuser)
    response = client.get(reverse("admin:annotations_article_changelist"))
    assert URL in response.content.decode()


def test_staff_without_the_add_permission_are_refused(staff, client):
    client.force_login(staff)
    assert upload(client, ("seed.txt", SEED_ARTICLE.read_bytes())).status_code == 403
    assert not Article.objects.exists()


def test_reviewers_cannot_reach_the_upload(reviewer, client):
    client.force_login(reviewer)
    response = upload(client, ("seed.txt", SEED_ARTICLE.read_bytes()))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not Article.objects.exists()


def test_submitting_no_file_shows_the_form_error(superuser, client):
    client.force_login(superuser)
    response = client.post(URL, {})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()


def test_the_admin_shows_article_text_read_only(superuser, client):
    client.force_login(superuser)
    upload(client, ("seed.txt", SEED_ARTICLE.read_bytes()))
    article = Article.objects.get()
    page = client.get(reverse("admin:annotations_article_change", args=[article.pk]))
    html = page.content.decode()
    assert 'name="title"' not in html and 'name="body"' not in html
    # Locking and hiding go through the list's audited actions (tests/moderation/test_admin.py).
    assert 'name="locked"' not in html and 'name="hidden"' not in html
    assert "Kremlin spokesman Dmitry Peskov" in html
    search = client.get(reverse("admin:annotations_article_changelist"), {"q": "newsweek.com"})
    assert article.title in search.content.decode()
