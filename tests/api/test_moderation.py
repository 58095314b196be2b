"""Moderation through the API: who may do what, each decision and its version checks, bulk
decisions, adjudications, article switches, reviewers, the audit trail and the webhooks."""

import pytest
from django.contrib.auth.models import Group, User

from annotations.corpus.models import Article
from annotations.moderation.services import adjudicate, moderate
from annotations.review.models import Adjudication, Annotation, History
from annotations.review.services import annotation_save
from annotations.roles import MODERATORS_GROUP, is_moderator
from tests.api.test_permissions import PERSONAS, fill
from tests.api_support import client_for, load_articles
from tests.moderation import conftest as moderation

pytestmark = pytest.mark.django_db
disagreement = moderation.disagreement  # the shared fixture: two reviewers disagree


@pytest.fixture
def world(disagreement, moderator, other_reviewer):
    """The disagreement, with the reviewer's single label approved and adjudicated, and a second
    article, locked and hidden."""
    approved = moderate(annotation=disagreement.single_label, actor=moderator, decision="approve")
    adjudicate(sentence=disagreement.single, actor=moderator, label="not_claim")
    closed = load_articles(2)[1]
    Article.objects.filter(pk=closed.pk).update(locked=True, hidden=True)
    return {
        "article": disagreement.article.pk,
        "closed": closed.pk,
        "contested": disagreement.contested.pk,
        "single": disagreement.single.pk,
        "mine": disagreement.mine.pk,
        "theirs": disagreement.theirs.pk,
        "approved": approved.pk,
        "other": other_reviewer.pk,
        "row": History.objects.latest("id").pk,
    }


def state():
    """Everything a moderation request could change."""
    return (
        list(
            Annotation.objects.order_by("pk").values_list(
                "pk", "label", "moderation_status", "moderation_reason", "version"
            )
        ),
        list(Adjudication.objects.order_by("pk").values_list("sentence", "label", "version")),
        list(Article.objects.order_by("pk").values_list("pk", "locked", "hidden")),
        list(User.objects.order_by("pk").values_list("pk", "is_active")),
        History.objects.count(),
    )


def status_of(key):
    def check(response, world, user):
        stored = Annotation.objects.get(pk=world[key])
        return response.json()["moderation_status"] == stored.moderation_status

    return check


def adjudicated(label):
    def check(response, world, user):
        stored = Adjudication.objects.filter(sentence=world["contested"]).first()
        return response.json()["label"] == label and stored and stored.moderator == user

    return check


def article_is(key, **flags):
    def check(response, world, user):
        body, stored = response.json(), Article.objects.get(pk=world[key])
        return all(body[flag] == value == getattr(stored, flag) for flag, value in flags.items())

    return check


def history_seen(response, world, user):
    rows = response.json()["results"]
    if is_moderator(user):
        return len(rows) == History.objects.count()
    mine = History.objects.filter(reviewer=user).count()
    return len(rows) == mine and all(row["reviewer"] == user.username for row in rows)


MODERATORS = [401, 403, 403, 200, 403, 200]
READ_ONLY = [401, 405, 405, 405, 405, 405]
# (method, path, body, expected status for each persona in PERSONAS order, check of a 2xx)
MATRIX = [
    (
        "post",
        "/api/annotations/{theirs}/approve/",
        {"version": 1},
        MODERATORS,
        lambda response, world, user: (
            response.json()["moderation_status"] == "approved"
            and status_of("theirs")(response, world, user)
        ),
    ),
    (
        "post",
        "/api/annotations/{theirs}/reject/",
        {"reason": "Wrong label", "version": 1},
        MODERATORS,
        lambda response, world, user: (
            response.json()["moderation_reason"] == "Wrong label"
            and status_of("theirs")(response, world, user)
        ),
    ),
    (
        "post",
        "/api/annotations/{approved}/reopen/",
        {"version": 2},
        MODERATORS,
        lambda response, world, user: (
            response.json()["moderation_status"] == "pending"
            and status_of("approved")(response, world, user)
        ),
    ),
    (
        "get",
        "/api/sentences/{single}/adjudication/",
        None,
        MODERATORS,
        lambda response, world, user: response.json()["label"] == "not_claim",
    ),
    (
        "put",
        "/api/sentences/{contested}/adjudication/",
        {"label": "sourced", "version": 0},
        [401, 403, 403, 201, 403, 201],
        adjudicated("sourced"),
    ),
    (
        "delete",
        "/api/sentences/{single}/adjudication/",
        None,
        [401, 403, 403, 204, 403, 204],
        lambda response, world, user: (
            not Adjudication.objects.filter(sentence=world["single"]).exists()
        ),
    ),
    ("post", "/api/articles/{article}/lock/", None, MODERATORS, article_is("article", locked=True)),
    (
        "post",
        "/api/articles/{closed}/unlock/",
        None,
        MODERATORS,
        article_is("closed", locked=False),
    ),
    ("post", "/api/articles/{article}/hide/", None, MODERATORS, article_is("article", hidden=True)),
    ("post", "/api/articles/{closed}/show/", None, MODERATORS, article_is("closed", hidden=False)),
    (
        "post",
        "/api/moderation/bulk/",
        {"decision": "approve", "article": "{article}", "reviewer": "reviewer"},
        MODERATORS,
        lambda response, world, user: (
            response.json() == {"changed": 1}
            and Annotation.objects.get(pk=world["mine"]).moderation_status == "approved"
        ),
    ),
    (
        "get",
        "/api/moderation/queue/",
        None,
        MODERATORS,
        lambda response, world, user: (
            [item["sentence"]["id"] for item in response.json()["results"]] == [world["contested"]]
        ),
    ),
    (
        "get",
        "/api/reviewers/",
        None,
        MODERATORS,
        lambda response, world, user: (
            "other" in [r["username"] for r in response.json()["results"]]
        ),
    ),
    (
        "post",
        "/api/reviewers/{other}/deactivate/",
        {"reject_pending": True, "reason": "Spam"},
        MODERATORS,
        lambda response, world, user: (
            response.json()["rejected"] == 1 and not User.objects.get(pk=world["other"]).is_active
        ),
    ),
    ("get", "/api/history/", None, [401, 200, 200, 200, 200, 200], history_seen),
    ("post", "/api/history/", {"action": "created"}, READ_ONLY, None),
    ("put", "/api/history/{row}/", {"action": "created"}, READ_ONLY, None),
    ("patch", "/api/history/{row}/", {"action": "created"}, READ_ONLY, None),
    ("delete", "/api/history/{row}/", None, READ_ONLY, None),
]
CASES = [
    pytest.param(method, path, body, persona, expected[i], check, id=f"{method} {path} {persona}")
    for method, path, body, expected, check in MATRIX
    for i, persona in enumerate(PERSONAS)
]


@pytest.mark.parametrize("method, path, body, persona, expected, check", CASES)
def test_the_moderation_permission_matrix(
    request, world, method, path, body, persona, expected, check
):
    user = request.getfixturevalue(persona)
    client = client_for(None if persona == "outsider" else user)
    before = state()
    response = getattr(client, method)(path.format(**world), fill(body, world))
    assert response.status_code == expected, response.content
    if expected >= 300:
        assert state() == before
    if expected == 403:
        assert "moderator role" in response.json()["detail"]
    if expected < 300 and check is not None:
        assert check(response, world, user), response.content


# One decision at a time


@pytest.fixture
def api(moderator):
    return client_for(moderator)


def test_approving_answers_the_annotation_with_its_new_version_and_records_it_via_the_api(
    api, disagreement, moderator
):
    response = api.post(f"/api/annotations/{disagreement.theirs.pk}/approve/", {"version": 1})
    assert response.status_code == 200
    body = response.json()
    assert (body["moderation_status"], body["reviewer"], body["version"]) == (
        "approved",
        "other",
        2,
    )
    assert response.headers["ETag"] == '"2"'
    row = History.objects.latest("id")
    assert (row.action, row.actor, row.reviewer, row.via) == (
        "approved",
        moderator,
        disagreement.theirs.reviewer,
        "api",
    )
    assert (row.before["moderation_status"], row.after["moderation_status"]) == (
        "pending",
        "approved",
    )


@pytest.mark.parametrize("body", [{"version": 1}, {"version": 1, "reason": "  "}])
def test_a_rejection_without_a_reason_is_refused_and_changes_nothing(api, disagreement, body):
    before = state()
    response = api.post(f"/api/annotations/{disagreement.theirs.pk}/reject/", body)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["reason"]
    assert state() == before


def test_the_reviewer_sees_the_rejection_and_its_reason_and_revising_sets_it_back_to_pending(
    api, disagreement, reviewer
):
    url = f"/api/annotations/{disagreement.mine.pk}/"
    api.post(f"{url}reject/", {"reason": "Source missing", "version": 1})

    own = client_for(reviewer)
    body = own.get(url).json()
    assert (body["moderation_status"], body["moderation_reason"]) == ("rejected", "Source missing")
    sentence = own.get(f"/api/sentences/{disagreement.contested.pk}/").json()
    assert sentence["my_annotation"]["moderation_reason"] == "Source missing"

    revised = own.patch(url, {"source_name": "AP", "version": 2}).json()
    assert (revised["moderation_status"], revised["moderation_reason"]) == ("pending", "")


def test_reopening_clears_the_decision(api, disagreement):
    url = f"/api/annotations/{disagreement.mine.pk}/"
    api.post(f"{url}reject/", {"reason": "No", "version": 1})
    body = api.post(f"{url}reopen/", {"version": 2}).json()
    assert (body["moderation_status"], body["moderation_reason"], body["version"]) == (
        "pending",
        "",
        3,
    )
    assert History.objects.latest("id").action == "reopened"


def test_a_decision_on_a_stale_version_is_a_409_with_what_is_stored_now(
    api, disagreement, reviewer
):
    annotation_save(
        sentence=disagreement.contested, reviewer=reviewer, changes={"note": "a second look"}
    )
    response = api.post(f"/api/annotations/{disagreement.mine.pk}/approve/", {"version": 1})
    assert response.status_code == 409
    assert response.json()["current"]["note"] == "a second look"
    assert response.json()["current"]["version"] == 2
    assert "now version 2" in response.json()["detail"]
    assert Annotation.objects.get(pk=disagreement.mine.pk).moderation_status == "pending"


def test_a_stale_if_match_is_a_412_and_the_current_etag_succeeds(api, disagreement):
    url = f"/api/annotations/{disagreement.mine.pk}/"
    api.post(f"{url}approve/", {}, HTTP_IF_MATCH='"1"')

    response = api.post(f"{url}reject/", {"reason": "No"}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 412
    assert response.json()["current"]["moderation_status"] == "approved"
    assert response.headers["ETag"] == '"2"'
    assert api.post(f"{url}reject/", {"reason": "No"}, HTTP_IF_MATCH='"2"').status_code == 200


def test_a_decision_without_any_version_is_refused(api, disagreement):
    response = api.post(f"/api/annotations/{disagreement.mine.pk}/approve/", {})
    assert response.status_code == 400
    assert "send the version you read" in response.json()["errors"]["version"][0]


def test_a_decision_on_an_annotation_that_does_not_exist_is_a_404(api):
    for path in ("999999", "abc", "99999999999999999999999"):
        response = api.post(f"/api/annotations/{path}/approve/", {"version": 1})
        assert response.status_code == 404


# Adjudication


def test_adjudicating_creates_then_changes_then_removes_the_final_label(api, disagreement):
    url = f"/api/sentences/{disagreement.contested.pk}/adjudication/"
    assert api.get(url).status_code == 404

    created = api.put(url, {"label": "disputed", "reason": "AP says so", "version": 0})
    assert created.status_code == 201 and created.headers["ETag"] == '"1"'
    assert created.json()["moderator"] == "moderator"
    assert created.json()["article"] == disagreement.article.pk
    changed = api.put(url, {"label": "sourced"}, HTTP_IF_MATCH='"1"')
    assert changed.status_code == 200
    assert (changed.json()["label"], changed.json()["reason"], changed.json()["version"]) == (
        "sourced",
        "",
        2,
    )
    assert api.get(url).json() == changed.json()

    assert api.delete(url, HTTP_IF_MATCH='"2"').status_code == 204
    assert api.get(url).status_code == 404
    assert api.delete(url).status_code == 404
    assert [row.action for row in History.objects.filter(subject="adjudication")] == [
        "deleted",
        "adjudicated",
        "adjudicated",
    ]
    assert {row.via for row in History.objects.filter(subject="adjudication")} == {"api"}


def test_a_stale_adjudication_is_a_409_or_412_with_what_is_stored_now(api, disagreement):
    url = f"/api/sentences/{disagreement.contested.pk}/adjudication/"
    api.put(url, {"label": "disputed", "version": 0})

    again = api.put(url, {"label": "sourced", "version": 0})  # someone else adjudicated first
    assert again.status_code == 409
    assert again.json()["current"]["label"] == "disputed"
    stale = api.put(url, {"label": "sourced"}, HTTP_IF_MATCH='"0"')
    assert stale.status_code == 412 and stale.headers["ETag"] == '"1"'
    assert api.delete(url, HTTP_IF_MATCH='"7"').status_code == 412
    assert Adjudication.objects.get().label == "disputed"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"label": "fake", "version": 0}, "label"),
        ({"version": 0}, "label"),
        ({"label": "sourced"}, "version"),
        ({"label": "sourced", "version": -1}, "version"),
        ({"label": "sourced", "version": 0, "reason": "x" * 5001}, "reason"),
    ],
)
def test_a_bad_adjudication_is_a_400_naming_the_field(api, disagreement, body, field):
    response = api.put(f"/api/sentences/{disagreement.contested.pk}/adjudication/", body)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert not Adjudication.objects.exists()


# Bulk decisions


def test_a_bulk_rejection_by_ids_rejects_each_with_the_reason(api, disagreement, moderator):
    ids = [disagreement.mine.pk, disagreement.theirs.pk]
    response = api.post(
        "/api/moderation/bulk/", {"decision": "reject", "reason": "Spam", "annotations": ids}
    )
    assert response.json() == {"changed": 2}
    rejected = Annotation.objects.filter(pk__in=ids)
    assert {(a.moderation_status, a.moderation_reason) for a in rejected} == {("rejected", "Spam")}
    rows = History.objects.filter(action="rejected")
    assert sorted(row.subject_id for row in rows) == sorted(ids)
    assert {(row.actor, row.via) for row in rows} == {(moderator, "api")}
    again = api.post(
        "/api/moderation/bulk/", {"decision": "reject", "reason": "Spam", "annotations": ids}
    )
    assert again.json() == {"changed": 0}


def test_a_bulk_decision_on_a_reviewers_article_approves_their_pending_labels_or_reopens(
    api, disagreement
):
    mine = {disagreement.mine.pk, disagreement.single_label.pk}
    moderate(
        annotation=disagreement.single_label,
        actor=User.objects.get(username="moderator"),
        decision="reject",
        reason="No",
    )
    by_article = {"article": disagreement.article.pk, "reviewer": "reviewer"}
    approved = api.post("/api/moderation/bulk/", {"decision": "approve", **by_article})
    assert approved.json() == {"changed": 1}  # the rejected one keeps its rejection
    statuses = dict(Annotation.objects.filter(pk__in=mine).values_list("pk", "moderation_status"))
    assert statuses == {disagreement.mine.pk: "approved", disagreement.single_label.pk: "rejected"}
    assert Annotation.objects.get(pk=disagreement.theirs.pk).moderation_status == "pending"

    reopened = api.post("/api/moderation/bulk/", {"decision": "reopen", **by_article})
    assert reopened.json() == {"changed": 2}
    assert set(Annotation.objects.values_list("moderation_status", flat=True)) == {"pending"}


@pytest.mark.parametrize(
    "body, field",
    [
        ({"decision": "reject", "annotations": ["{mine}"]}, "reason"),
        ({"decision": "erase", "annotations": ["{mine}"]}, "decision"),
        ({"decision": "approve"}, "annotations"),
        ({"decision": "approve", "annotations": []}, "annotations"),
        ({"decision": "approve", "annotations": [999999]}, "annotations"),
        ({"decision": "approve", "annotations": [0]}, "annotations.0"),
        ({"decision": "approve", "article": "{article}"}, "reviewer"),
        ({"decision": "approve", "reviewer": "reviewer"}, "article"),
        ({"decision": "approve", "article": "{article}", "reviewer": "nobody"}, "reviewer"),
        ({"decision": "approve", "article": 999999, "reviewer": "reviewer"}, "article"),
        (
            {"decision": "approve", "annotations": ["{mine}"], "article": "{article}"},
            "non_field_errors",
        ),
    ],
)
def test_a_bad_bulk_decision_is_a_400_naming_the_field_and_changes_nothing(
    api, disagreement, body, field
):
    ids = {"mine": disagreement.mine.pk, "article": disagreement.article.pk}
    body = {
        key: [fill(item, ids) for item in value] if isinstance(value, list) else fill(value, ids)
        for key, value in body.items()
    }
    before = state()
    response = api.post("/api/moderation/bulk/", body)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert state() == before


# Reviewers


def test_the_reviewers_list_counts_each_ones_labels_by_decision(
    api, disagreement, moderator, reviewer
):
    reviewer.groups.add(Group.objects.get(name=MODERATORS_GROUP))  # two roles: counted once
    moderate(annotation=disagreement.mine, actor=moderator, decision="approve")
    moderate(annotation=disagreement.theirs, actor=moderator, decision="reject", reason="No")
    rows = {r["username"]: r for r in api.get("/api/reviewers/").json()["results"]}
    assert {name: (r["pending"], r["approved"], r["rejected"]) for name, r in rows.items()} == {
        "moderator": (0, 0, 0),
        "other": (0, 0, 1),
        "reviewer": (1, 1, 0),
    }


def test_deactivating_a_reviewer_rejects_their_pending_labels_and_shuts_their_token(
    api, disagreement, other_reviewer, moderator
):
    token_client = client_for(other_reviewer)
    response = api.post(
        f"/api/reviewers/{other_reviewer.pk}/deactivate/",
        {"reject_pending": True, "reason": "Left the team"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["rejected"] == 1
    assert (body["reviewer"]["is_active"], body["reviewer"]["rejected"]) == (False, 1)
    assert token_client.get("/api/me/").status_code == 401
    row = History.objects.get(action="deactivated")
    assert (row.actor, row.reviewer, row.via, row.after) == (
        moderator,
        other_reviewer,
        "api",
        {"is_active": False, "rejected_pending": 1},
    )


@pytest.mark.parametrize(
    "target, body, field",
    [
        ("other", {"reject_pending": True}, "reason"),
        ("other", {"reject_pending": "maybe"}, "reject_pending"),
        ("moderator", {}, "user"),
    ],
)
def test_a_deactivation_that_cannot_be_done_is_a_400_and_changes_nothing(
    api, disagreement, target, body, field
):
    user = User.objects.get(username=target)
    before = state()
    response = api.post(f"/api/reviewers/{user.pk}/deactivate/", body)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert state() == before


def test_a_superuser_cannot_be_deactivated_here(api, superuser):
    superuser.groups.add(Group.objects.get(name=MODERATORS_GROUP))  # so that it is listed
    response = api.post(f"/api/reviewers/{superuser.pk}/deactivate/", {})
    assert response.status_code == 400
    assert "superuser" in response.json()["errors"]["user"][0]
    assert User.objects.get(pk=superuser.pk).is_active


# The audit trail


def test_the_history_filters_by_sentence_article_user_action_and_entry_point(
    api, disagreement, moderator
):
    api.post(f"/api/annotations/{disagreement.theirs.pk}/approve/", {"version": 1})

    def actions(query):
        response = api.get(f"/api/history/?{query}")
        assert response.status_code == 200, response.content
        return [(row["action"], row["subject_id"]) for row in response.json()["results"]]

    theirs = disagreement.theirs.pk
    assert actions(f"sentence={disagreement.contested.pk}") == [
        ("approved", theirs),
        ("created", theirs),
        ("created", disagreement.mine.pk),
    ]
    assert len(actions(f"article={disagreement.article.pk}")) == 4
    assert actions("user=other") == [("approved", theirs), ("created", theirs)]
    assert actions("action=approved") == [("approved", theirs)]
    assert actions("via=api") == [("approved", theirs)]
    row = api.get("/api/history/?via=api").json()["results"][0]
    assert (row["actor"], row["reviewer"], row["via"]) == ("moderator", "other", "api")
    assert api.get(f"/api/history/{row['id']}/").json() == row


@pytest.mark.parametrize(
    "query, field",
    [
        ("user=nobody", "user"),
        ("action=erased", "action"),
        ("via=fax", "via"),
        ("article=x", "article"),
    ],
)
def test_a_bad_history_filter_is_a_400(api, query, field):
    response = api.get(f"/api/history/?{query}")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_a_reviewer_sees_the_decisions_on_their_labels_but_not_others_history(
    api, disagreement, reviewer
):
    api.post(f"/api/annotations/{disagreement.theirs.pk}/reject/", {"reason": "No", "version": 1})
    api.put(
        f"/api/sentences/{disagreement.contested.pk}/adjudication/",
        {"label": "sourced", "version": 0},
    )
    own = client_for(reviewer)
    rows = own.get("/api/history/").json()["results"]
    assert {row["subject_id"] for row in rows} == {
        disagreement.mine.pk,
        disagreement.single_label.pk,
    }
    theirs = History.objects.get(action="rejected").pk
    assert own.get(f"/api/history/{theirs}/").status_code == 404
    assert own.get("/api/history/?user=other").json()["results"] == []


# Webhooks


def test_decisions_through_the_api_are_announced_to_webhooks(
    api, disagreement, webhook_subscriber, django_capture_on_commit_callbacks
):
    deliveries = webhook_subscriber(
        "annotation.approved", "annotation.rejected", "sentence.adjudicated"
    )
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/annotations/{disagreement.mine.pk}/approve/", {"version": 1})
    with django_capture_on_commit_callbacks(execute=True):
        api.post(
            "/api/moderation/bulk/",
            {"decision": "reject", "reason": "No", "annotations": [disagreement.theirs.pk]},
        )
    url = f"/api/sentences/{disagreement.contested.pk}/adjudication/"
    with django_capture_on_commit_callbacks(execute=True):
        api.put(url, {"label": "sourced", "reason": "AP", "version": 0})
    with django_capture_on_commit_callbacks(execute=True):
        api.delete(url)

    sent = deliveries()
    assert [event for event, _ in sent] == [
        "annotation.approved",
        "annotation.rejected",
        "sentence.adjudicated",
        "sentence.adjudicated",
    ]
    approved, rejected = sent[0][1], sent[1][1]
    assert (approved["id"], approved["reviewer"], approved["moderation_status"]) == (
        disagreement.mine.pk,
        "reviewer",
        "approved",
    )
    assert (rejected["id"], rejected["moderation_reason"]) == (disagreement.theirs.pk, "No")
    assert sent[2][1] == {
        "sentence": disagreement.contested.pk,
        "article": disagreement.article.pk,
        "moderator": "moderator",
        "label": "sourced",
        "reason": "AP",
        "version": 1,
    }
    assert (sent[3][1]["label"], sent[3][1]["reason"]) == (None, "")
