"""A hostile-input corpus against every operation of the API's own schema, as a superuser (so
that input gets past the permission checks): bodies nested beyond any parser, strings with NUL,
lone surrogates and right-to-left marks, huge and negative numbers, arrays where objects are
expected, 10,000-item arrays, overlong strings, hostile query parameters and path ids, bodies
too large. Never a 5xx, every answer JSON, and a refused write leaves every table as it was."""

import json
from urllib.parse import quote

import pytest
from django.conf import settings as project_settings
from django.contrib.auth.models import User
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token

from annotations.corpus.models import Article, Sentence
from annotations.export.models import ExportJob
from annotations.review.models import Adjudication, Annotation, History
from annotations.review.services import annotation_save
from annotations.training.models import TrainingRun
from tests.api_support import client_for, load_articles

pytestmark = pytest.mark.django_db

COUNTED = [Article, Sentence, Annotation, Adjudication, History, Token, ExportJob, TrainingRun]

# Values put in every field a request body has; raw JSON text, as some cannot be made in Python.
VALUES = {
    "nul": json.dumps("a\u0000b"),
    "lone surrogate": '"\\ud800"',
    "right-to-left marks": json.dumps("\u202e\u200f\u200dx\u202c"),
    "huge number": "1" + "0" * 400,
    "overflowing float": "1e999",
    "negative id": "-1",
    "array for an object": "[1, 2]",
    "object for a string": '{"a": {"b": []}}',
    "10,000 items": json.dumps([1] * 10_000),
    "overlong string": json.dumps("x" * 100_000),
}
# Whole bodies.
BODIES = {
    "nested arrays": "[" * 3000,
    "nested objects": '{"a":' * 3000,
    "array body": "[]",
    "string body": '"x"',
    "number body": "1",
}
# Percent-encoded as sent; the last two are not UTF-8 (a lone surrogate's bytes, a stray byte).
QUERY_VALUES = [
    *(quote(value) for value in ("%s", "%25s", "\x00", "²", "-1", "9" * 30, "x" * 5000, "[]")),
    "%ED%A0%80",
    "%FF",
]
PATH_IDS = ["²", "-1", "0", "9" * 30, "%s"]


def operations():
    """(method, path template, request body fields, query parameter names) of every operation."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in document["paths"].items():
        for method, operation in item.items():
            parameters = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            fields = []
            for content in operation.get("requestBody", {}).get("content", {}).values():
                reference = content["schema"].get("$ref", "")
                component = document["components"]["schemas"].get(reference.split("/")[-1], {})
                fields = list(component.get("properties", {})) or ["ids"]
            yield method.upper(), path, fields, parameters


OPERATIONS = list(operations())
WRITES = [op for op in OPERATIONS if op[0] in ("POST", "PUT", "PATCH", "DELETE")]
READS = [op for op in OPERATIONS if op[0] == "GET" and op[3]]


@pytest.fixture
def world(settings, reviewer):
    """A superuser's token client, an article, a label to act on; no throttling."""
    settings.REST_FRAMEWORK = {
        **project_settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"auth": None, "auth_address": None, "write": None},
    }
    [article] = load_articles(1)
    sentence = article.sentences.order_by("index").first()
    annotation, _ = annotation_save(
        sentence=sentence, reviewer=reviewer, changes={"label": "sourced"}
    )
    admin = User.objects.create_superuser("root", password="pw-root")
    client = client_for(admin)
    client.raise_request_exception = False
    ids = {"id": annotation.pk, "article_id": article.pk, "sentence_id": sentence.pk}
    return client, ids


def concrete(path: str, ids: dict, hostile_id: str | None = None) -> str:
    for name in ("id", "article_id", "sentence_id", "pk"):
        path = path.replace(f"{{{name}}}", hostile_id or str(ids.get(name, ids["id"])))
    return path


def counts() -> list[int]:
    return [model.objects.count() for model in COUNTED]


def check(response, before: list[int]) -> None:
    assert response.status_code < 500, response.content[:500]
    if response.content:
        assert response["Content-Type"].startswith("application/json"), response.content[:200]
    if response.status_code >= 400:
        assert counts() == before, "a refused request changed the database"


@pytest.mark.parametrize("method, path, fields, _", WRITES, ids=[f"{m} {p}" for m, p, *_ in WRITES])
def test_hostile_bodies_are_refused_cleanly(world, method, path, fields, _):
    client, ids = world
    url = concrete(path, ids)
    bodies = [*BODIES.values()]
    bodies += ["{" + ", ".join(f'"{f}": {v}' for f in fields) + "}" for v in VALUES.values()]
    for body in bodies:
        before = counts()
        response = client.generic(method, url, body, content_type="application/json")
        check(response, before)


@pytest.mark.parametrize("method, path, _, parameters", READS, ids=[p for _, p, *_ in READS])
def test_hostile_query_parameters_are_refused_cleanly(world, method, path, _, parameters):
    client, ids = world
    for value in QUERY_VALUES:
        query = "&".join(f"{name}={value}" for name in parameters)
        response = client.get(f"{concrete(path, ids)}?{query}")
        check(response, counts())


def test_hostile_ids_in_paths_are_not_found(world):
    client, ids = world
    for method, path, *_ in OPERATIONS:
        if "{" not in path:
            continue
        for hostile in PATH_IDS:
            before = counts()
            response = client.generic(
                method, concrete(path, ids, hostile), "{}", content_type="application/json"
            )
            check(response, before)
            assert response.status_code in (400, 404, 405), (
                method,
                path,
                hostile,
                response.content,
            )


def test_an_oversized_body_is_a_json_413(world, settings):
    client, ids = world
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    before = counts()
    body = json.dumps({"sentence": ids["sentence_id"], "label": "sourced", "note": "x" * 2000})
    response = client.post("/api/annotations/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"detail": "request body larger than 1000 bytes"}
    assert counts() == before


def test_too_many_form_fields_is_a_json_400(world, settings):
    client, _ = world
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    fields = "&".join(f"f{n}=1" for n in range(20))
    response = client.post(
        "/api/auth/token/", fields, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("too many fields or files")
    # As every 400 of the schema: what was wrong, by field.
    assert response.json()["errors"]["non_field_errors"] == [response.json()["detail"]]


def test_a_server_error_under_the_api_is_json(world, monkeypatch):
    client, _ = world

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("annotations.api.account.LabelVocabularyView.get", broken)
    response = client.get("/api/labels/")
    assert response.status_code == 500
    assert response.json() == {"detail": "server error; it has been logged"}
