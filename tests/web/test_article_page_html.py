import pytest
from django.urls import reverse

from annotations.corpus.services import ingest_files
from tests.conftest import SEED_ARTICLE, seed_text

pytestmark = pytest.mark.django_db


def load(name, data):
    [outcome] = ingest_files([(name, data)])
    return outcome.article_id


def test_it_shows_the_seed_article_sentences_in_paragraphs(reviewer, client):
    article_id = load("seed.txt", SEED_ARTICLE.read_bytes())
    client.force_login(reviewer)
    response = client.get(reverse("annotations:article_detail", args=[article_id]))
    html = response.content.decode()
    assert html.count('class="sentence"') == 19
    assert html.count('class="paragraph"') == 13
    assert "Russian Military to Put More Boots" in html
    assert 'href="https://www.newsweek.com/russian-military' in html


def test_it_needs_a_login(client):
    article_id = load("a.txt", seed_text())
    response = client.get(reverse("annotations:article_detail", args=[article_id]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_unknown_article_is_a_404(reviewer, client):
    client.force_login(reviewer)
    assert client.get(reverse("annotations:article_detail", args=[999])).status_code == 404


def test_markup_in_the_text_is_shown_as_text(reviewer, client):
    article_id = load(
        "x.txt",
        seed_text(
            title="<b>T</b>", body="<script>alert(1)</script> ok. <img src=x onerror=alert(1)>"
        ),
    )
    client.force_login(reviewer)
    html = client.get(reverse("annotations:article_detail", args=[article_id])).content.decode()
    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_list_shows_articles_with_sentence_counts_in_constant_queries(
    reviewer, client, django_assert_max_num_queries
):
    client.force_login(reviewer)
    load("seed.txt", SEED_ARTICLE.read_bytes())
    for number in range(30):
        load(f"{number}.txt", seed_text(url=f"https://e.com/{number}", title=f"Article {number}"))
    # session, user, count, page, whether to show the moderation link, and the progress
    # towards k
    with django_assert_max_num_queries(6):
        response = client.get(reverse("annotations:article_list"))
    html = response.content.decode()
    assert "Russian Military to Put More Boots" in html and "Article 29" in html
    assert '<td class="num">19</td>' in html


def test_the_login_page_logs_a_reviewer_in(reviewer, client):
    response = client.post(reverse("login"), {"username": "reviewer", "password": "pw-reviewer"})
    assert response.status_code == 302
    assert client.get(reverse("annotations:article_list")).status_code == 200


def test_healthz_answers_without_login(client):
    response = client.get(reverse("annotations:healthz"))
    assert response.status_code == 200 and response.content == b"ok"
