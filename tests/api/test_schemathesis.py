"""Schemathesis drives every operation of the live schema with a reviewer's token, and again
with a superuser's the operations whose input a reviewer never gets past the permission check
(loading articles, training runs, moderation) or whose other branches only a moderator reaches
(anyone's annotations, hidden articles): no answer is a 5xx, and every answer conforms to the
schema (status, content type, headers, body).

CI (FACTCHECK_REQUIRE_SERVICES=1) generates at least 100 cases per operation; a local run fewer.
"""

import os
from collections import Counter

import pytest
import schemathesis
from django.conf import settings as project_settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from annotations.review.services import annotation_save
from tests.api_support import client_for, load_seed_article

# What the API promises: no server error, and answers as documented. (Schemathesis's other
# default checks also expect every schema-valid request to succeed, which a request naming a
# sentence that does not exist, or a wrong password, cannot.)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
CASES_RUN: Counter[str] = Counter()
CASES_PER_OPERATION = 100 if os.environ.get("FACTCHECK_REQUIRE_SERVICES") == "1" else 20
# The host schemathesis's WSGI client sends.
HOST = override_settings(ALLOWED_HOSTS=["localhost"])

# Loaded when the tests are collected, one test per operation. (schemathesis's lazy
# from_fixture loader reads a pytest node attribute that pytest 9 no longer has.)
with HOST:
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())
privileged = schema.include(
    path_regex=r"^/api/(agreement|articles|training-runs|annotations|moderation|reviewers|history|exports|"
    r"sentences/[^/]+/adjudication)/"
)
FUZZ = settings(
    max_examples=CASES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def world(db, settings, reviewer, other_reviewer):
    """An article, the reviewer's label and another reviewer's to act on."""
    settings.ALLOWED_HOSTS = HOST.options["ALLOWED_HOSTS"]
    # Hundreds of writes in seconds: the throttle (tested on its own) would answer most with 429.
    settings.REST_FRAMEWORK = {
        **project_settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"auth": None, "auth_address": None, "write": None},
    }
    article = load_seed_article()
    first, second = article.sentences.order_by("index")[:2]
    for sentence, who in ((first, reviewer), (first, other_reviewer), (second, other_reviewer)):
        annotation_save(sentence=sentence, reviewer=who, changes={"label": "disputed"})
    # As Django's test client does: requests must not close the connection holding the test's
    # transaction.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def token_of(user) -> str:
    return client_for(user)._credentials["HTTP_AUTHORIZATION"]


@schema.parametrize()
@FUZZ
def test_the_api_keeps_its_schema(case, world, reviewer):
    CASES_RUN[case.operation.label] += 1
    case.call_and_validate(headers={"Authorization": token_of(reviewer)}, checks=CHECKS)


@privileged.parametrize()
@FUZZ
def test_the_api_keeps_its_schema_for_a_user_with_every_permission(case, world, superuser):
    CASES_RUN[f"{case.operation.label} (superuser)"] += 1
    response = case.call_and_validate(headers={"Authorization": token_of(superuser)}, checks=CHECKS)
    assert response.status_code != 403  # the input was read, not turned away at the door


@pytest.fixture(scope="module", autouse=True)
def report_cases(request):
    """Print how many cases each operation got (fewer than asked where hypothesis ran out of
    distinct requests, as for operations without parameters)."""
    yield
    plugins = request.config.pluginmanager
    terminal, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if terminal is not None and CASES_RUN:
        counts = ", ".join(f"{label} {n}" for label, n in sorted(CASES_RUN.items()))
        with capture.global_and_fixture_disabled():
            terminal.write_line(f"\nschemathesis cases per operation: {counts}")
