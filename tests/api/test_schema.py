"""The OpenAPI schema documents every operation with its errors; Swagger UI and Redoc are served
from this server (drf-spectacular-sidecar), with nothing fetched from a CDN."""

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_the_schema_lists_every_endpoint_and_both_auth_schemes(schema):
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == {
        "/api/articles/",
        "/api/articles/{id}/",
        "/api/sentences/",
        "/api/sentences/{id}/",
        "/api/candidates/",
        "/api/candidates/{id}/",
        "/api/annotations/",
        "/api/annotations/{id}/",
        "/api/training-runs/",
        "/api/training-runs/{id}/",
        "/api/exports/",
        "/api/exports/{id}/",
        "/api/exports/{id}/download/",
        "/api/annotations/{id}/approve/",
        "/api/annotations/{id}/reject/",
        "/api/annotations/{id}/reopen/",
        "/api/sentences/{id}/adjudication/",
        "/api/articles/{id}/lock/",
        "/api/articles/{id}/unlock/",
        "/api/articles/{id}/hide/",
        "/api/articles/{id}/show/",
        "/api/moderation/bulk/",
        "/api/moderation/queue/",
        "/api/reviewers/",
        "/api/reviewers/{id}/deactivate/",
        "/api/history/",
        "/api/history/{id}/",
        "/api/assignments/next/",
        "/api/assignments/{id}/skip/",
        "/api/agreement/",
        "/api/agreement/history/",
        "/api/agreement/articles/{id}/",
        "/api/agreement/selection/",
        "/api/agreement/confusion/",
        "/api/me/",
        "/api/labels/",
        "/api/auth/token/",
    }
    schemes = schema["components"]["securitySchemes"]
    assert schemes["tokenAuth"]["in"] == "header" and schemes["cookieAuth"]["in"] == "cookie"


def test_every_operation_documents_its_error_answers(schema):
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        where = f"{method.upper()} {path}"
        if path != "/api/auth/token/":
            assert "401" in responses, where
        if "{id}" in path:
            assert "404" in responses, where
        if method != "get":
            assert "400" in responses, where
            assert responses["429"]["headers"]["Retry-After"]["required"], where
        if method in ("put", "patch"):
            assert {"409", "412"} <= set(responses), where
            assert any(p["name"] == "If-Match" for p in operation["parameters"]), where


def test_list_parameters_are_documented_with_their_allowed_values(schema):
    parameters = {
        p["name"]: p["schema"] for p in schema["paths"]["/api/annotations/"]["get"]["parameters"]
    }
    assert {"cursor", "page_size", "article", "label", "reviewer", "created_after"} <= set(
        parameters
    )
    assert parameters["label"]["enum"] == ["disputed", "false_flag", "not_claim", "sourced"]
    assert parameters["article"]["type"] == "integer"


@pytest.mark.parametrize(
    "page, asset", [("/api/docs/", "swagger-ui-bundle.js"), ("/api/redoc/", "redoc.standalone.js")]
)
def test_the_docs_are_served_offline(client, page, asset):
    html = client.get(page).content.decode()
    assert re.findall(r'(?:src|href)="(https?:[^"]*)"', html) == []
    [url] = re.findall(rf'"/static/(drf_spectacular_sidecar/[^"]*{re.escape(asset)})"', html)
    assert finders.find(url), f"{url} is not among the static files collectstatic serves"
