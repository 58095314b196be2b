"""/api/agreement/...: moderators and superusers only; stored figures, computed on demand when
missing; a selection and a confusion table computed live; bad parameters are a 400 by field."""

import pytest

from annotations.agreement.models import AgreementSnapshot
from annotations.agreement.selectors import Scope
from annotations.agreement.services import measure, refresh_snapshots
from tests.api_support import client_for

from .ratings import contingency, pair_labels, random_ratings
from .stored import reviewers, store

pytestmark = pytest.mark.django_db
PERSONAS = ["outsider", "reviewer", "other_reviewer", "staff", "moderator", "superuser"]
EXPECTED = [401, 403, 403, 403, 200, 200]


@pytest.fixture
def world():
    people = reviewers(3)
    ratings = random_ratings(3, 20, 3, missing=0.2)
    article = store(ratings, people)
    return {"article": article, "people": people, "ratings": ratings}


def paths(world) -> list[str]:
    a, b = world["people"][:2]
    return [
        "/api/agreement/",
        "/api/agreement/history/",
        f"/api/agreement/articles/{world['article'].pk}/",
        f"/api/agreement/selection/?article={world['article'].pk}",
        f"/api/agreement/confusion/?a={a.pk}&b={b.pk}",
    ]


@pytest.mark.parametrize("persona, expected", list(zip(PERSONAS, EXPECTED, strict=True)))
def test_only_moderators_and_superusers_read_agreement(request, world, persona, expected):
    user = request.getfixturevalue(persona)
    client = client_for(None if persona == "outsider" else user)
    for path in paths(world):
        response = client.get(path)
        assert response.status_code == expected, (path, response.content)
    if expected == 403:
        assert "moderator role" in response.json()["detail"]


def test_the_projects_figures_are_computed_when_there_are_none_yet(world, moderator):
    body = client_for(moderator).get("/api/agreement/").json()
    assert body["article"] is None
    assert body["figures"] == measure()
    assert AgreementSnapshot.objects.filter(article__isnull=True).count() == 1


def test_the_history_lists_the_projects_days(world, moderator):
    refresh_snapshots()
    [day] = client_for(moderator).get("/api/agreement/history/").json()
    assert day["figures"]["sentences"] == measure()["sentences"]


def test_an_articles_figures(world, moderator):
    article = world["article"]
    url = f"/api/agreement/articles/{article.pk}/"
    body = client_for(moderator).get(url).json()
    assert body["article"] == article.pk
    assert body["figures"] == measure(Scope(articles=(article.pk,)))
    assert client_for(moderator).get("/api/agreement/articles/999999/").status_code == 404


def test_a_selection_is_computed_live(world, moderator):
    first, _, third = world["people"]
    url = f"/api/agreement/selection/?reviewer={first.pk}&reviewer={third.pk}&since=2022-01-01"
    body = client_for(moderator).get(url).json()
    assert body == measure(Scope(reviewers=(first.pk, third.pk)))
    assert {p["reviewer_a"]["id"] for p in body["pairs"]} == {first.pk}


def test_the_confusion_table(world, moderator):
    first, second, _ = world["people"]
    url = f"/api/agreement/confusion/?a={second.pk}&b={first.pk}&article={world['article'].pk}"
    body = client_for(moderator).get(url).json()
    labels_b, labels_a = pair_labels(world["ratings"], 0, 1)
    assert body["counts"] == contingency(labels_a, labels_b).tolist()
    assert body["reviewer_a"] == {"id": second.pk, "username": second.username}


@pytest.mark.parametrize(
    "query, field",
    [
        ("selection/?article=abc", "article.0"),
        ("selection/?article=999999", "article"),
        ("selection/?reviewer=999999", "reviewer"),
        ("selection/?since=2022-13-01", "since"),
        ("selection/?since=2022-03-01&until=2022-02-01", "until"),
        ("confusion/?a=1", "b"),
        ("confusion/?a=999998&b=999999", "non_field_errors"),
        ("confusion/?a={same}&b={same}", "b"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(world, moderator, query, field):
    same = world["people"][0].pk
    response = client_for(moderator).get(f"/api/agreement/{query.format(same=same)}")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
