"""Loading articles through the API, as JSON or seed files: the same ingest as everywhere."""

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile

from annotations.corpus.models import Article
from annotations.jobs import JobStatus
from tests.api_support import client_for
from tests.conftest import SEED_ARTICLE, seed_text

pytestmark = pytest.mark.django_db
ARTICLE = {
    "title": "Rebels ask for help",
    "published_on": "2022-02-23",
    "url": "https://example.com/rebels",
    "body": "Peskov said the rebels asked for help.\nKyiv denied it, Reuters reported.",
}


@pytest.fixture
def pipeline(db):
    """An account allowed to load articles, as a team's import script would use."""
    user = User.objects.create_user("pipeline")
    user.user_permissions.add(Permission.objects.get(codename="add_article"))
    return client_for(user)


def test_it_loads_an_article_from_json_and_precomputes_its_candidates(
    pipeline, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = pipeline.post("/api/articles/", ARTICLE)
    assert response.status_code == 201
    [outcome] = response.json()["outcomes"]
    assert outcome["status"] == "loaded" and outcome["sentence_count"] == 2
    assert response.headers["Location"] == f"/api/articles/{outcome['article']}/"
    article = Article.objects.get()
    assert article.body == ARTICLE["body"] and article.source_name == "api:pipeline"
    assert article.precompute_status == JobStatus.DONE

    detail = pipeline.get(response.headers["Location"]).json()
    assert [s["text"] for s in detail["sentences"]] == [
        "Peskov said the rebels asked for help.",
        "Kyiv denied it, Reuters reported.",
    ]


def test_loading_the_same_article_again_changes_nothing(pipeline):
    first = pipeline.post("/api/articles/", ARTICLE).json()["outcomes"][0]
    response = pipeline.post("/api/articles/", ARTICLE)
    assert response.status_code == 200
    assert response.json()["outcomes"][0]["status"] == "present"
    assert response.json()["outcomes"][0]["article"] == first["article"]
    assert Article.objects.count() == 1


def test_the_same_url_with_other_text_is_refused_naming_the_url(pipeline):
    pipeline.post("/api/articles/", ARTICLE)
    response = pipeline.post("/api/articles/", {**ARTICLE, "body": "Something else."})
    assert response.status_code == 400
    assert "is already loaded" in response.json()["errors"]["url"][0]
    assert response.json()["outcomes"][0]["status"] == "failed"
    assert Article.objects.get().body == ARTICLE["body"]


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"title": "Two\nlines"}, "title", "must be a single line"),
        ({"title": "t" * 501}, "title", "at most 500 allowed"),
        ({"published_on": "2022-02-30"}, "published_on", "Date has wrong format"),
        ({"url": "ftp://example.com/x"}, "url", "expected an http:// or https:// URL"),
        ({"body": " \n \n"}, "body", "This field may not be blank."),
        ({"body": "x" * 5 * 1024 * 1024}, "body", "the limit is 5,242,880 bytes"),
    ],
)
def test_a_bad_json_article_is_a_400_naming_the_field(pipeline, change, field, message):
    response = pipeline.post("/api/articles/", {**ARTICLE, **change})
    assert response.status_code == 400
    assert message in response.json()["errors"][field][0]
    assert not Article.objects.exists()


def test_seed_files_upload_reports_each_file_and_loads_the_good_ones(pipeline):
    response = pipeline.post(
        "/api/articles/",
        {
            "file": [
                SimpleUploadedFile("seed.txt", SEED_ARTICLE.read_bytes()),
                SimpleUploadedFile("bad.txt", seed_text(date="20221399")),
            ]
        },
        format="multipart",
    )
    assert response.status_code == 400
    good, bad = response.json()["outcomes"]
    assert good["status"] == "loaded" and good["sentence_count"] == 19
    assert bad["status"] == "failed"
    assert response.json()["errors"] == {
        "file.1": ["bad.txt, line 2: '20221399' is not a real calendar date (expected YYYYMMDD)"]
    }
    assert Article.objects.get().pk == good["article"]


def test_an_upload_without_a_file_is_a_400(pipeline):
    response = pipeline.post("/api/articles/", {"title": "x"}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"]["file"] == ["This field is required."]


def test_the_detail_gives_a_window_and_its_next_link_leads_through_every_sentence_once(
    pipeline, settings
):
    settings.REVIEW_WINDOW = 7
    body = "\n".join(
        f"Officials said {n} people were hurt. It rained on day {n}." for n in range(12)
    )
    pipeline.post("/api/articles/", {**ARTICLE, "body": body})
    article = Article.objects.get()
    page = pipeline.get(f"/api/articles/{article.pk}/").json()
    assert page["sentence_count"] == 24 and len(page["sentences"]) == 7
    assert page["body"] is None  # only when asked for: it can be megabytes
    assert page["sentences_next"] == f"http://testserver/api/articles/{article.pk}/?after=6"
    seen = []
    while True:
        seen += [(s["index"], s["text"]) for s in page["sentences"]]
        if page["sentences_next"] is None:
            break
        page = pipeline.get(page["sentences_next"]).json()
        assert page["sentence_count"] == 24
    expected = article.sentences.order_by("index").values_list("index", "text")
    assert seen == list(expected) and len(seen) == 24


def test_the_detail_window_takes_a_limit_and_the_body_on_request(pipeline):
    pipeline.post("/api/articles/", ARTICLE)
    article = Article.objects.get()
    page = pipeline.get(f"/api/articles/{article.pk}/?limit=1&body=true").json()
    assert page["body"] == ARTICLE["body"]
    assert [s["index"] for s in page["sentences"]] == [0]
    # The next window keeps the limit, not the body.
    assert page["sentences_next"].endswith(f"/api/articles/{article.pk}/?after=0&limit=1")
    last = pipeline.get(page["sentences_next"]).json()
    assert [s["index"] for s in last["sentences"]] == [1] and last["body"] is None
    assert last["sentences_next"] is None
    past_the_end = pipeline.get(f"/api/articles/{article.pk}/?after=5").json()
    assert past_the_end["sentences"] == [] and past_the_end["sentences_next"] is None


@pytest.mark.parametrize(
    "query, field",
    [
        ("after=x", "after"),
        ("after=-1", "after"),
        ("after=%25s", "after"),
        ("after=99999999999999999999", "after"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("body=maybe", "body"),
    ],
)
def test_a_bad_window_is_a_400_naming_the_parameter(pipeline, query, field):
    pipeline.post("/api/articles/", ARTICLE)
    article = Article.objects.get()
    response = pipeline.get(f"/api/articles/{article.pk}/?{query}")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
