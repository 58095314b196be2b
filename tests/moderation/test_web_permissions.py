"""Who may use the moderation UI: every page and every action, for each persona. Anonymous
visitors are sent to log in, reviewers and staff without the role get a 403 page and change
nothing, moderators and superusers get the page or the change."""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User

from annotations.corpus.models import Article
from annotations.review.models import Adjudication, Annotation, History

pytestmark = pytest.mark.django_db

PERSONAS = ["outsider", "reviewer", "other_reviewer", "staff", "moderator", "superuser"]
REFUSED = {"reviewer", "other_reviewer", "staff"}
ALLOWED = {"moderator", "superuser"}
HTMX = {"HX-Request": "true"}


def client_as(client, request, persona):
    user = request.getfixturevalue(persona)
    if persona != "outsider":
        client.force_login(user)
    return client


def stored(d) -> tuple:
    """Everything a moderation action could change."""
    return (
        sorted(Annotation.objects.values_list("pk", "moderation_status", "version")),
        list(Adjudication.objects.values_list("sentence", "label")),
        Article.objects.values_list("locked", "hidden").get(pk=d.article.pk),
        sorted(User.objects.values_list("username", "is_active")),
        History.objects.count(),
    )


# The pages, by what they need from the disagreement fixture.
PAGES = {
    "queue": lambda d: "/moderation/",
    "pending tab": lambda d: "/moderation/?tab=pending",
    "decided tab": lambda d: "/moderation/?tab=decided",
    "filtered queue": lambda d: (
        f"/moderation/?article={d.article.pk}&reviewer={d.theirs.reviewer_id}"
    ),
    "reviewers": lambda d: "/moderation/reviewers/",
    "deactivation": lambda d: f"/moderation/reviewers/{d.theirs.reviewer_id}/deactivate",
    "history": lambda d: "/moderation/history/",
    "article history": lambda d: f"/moderation/history/?article={d.article.pk}",
    "person's history": lambda d: f"/moderation/history/?user={d.theirs.reviewer_id}",
}


@dataclass
class Action:
    url: str
    data: object  # the fixture's Disagreement -> the posted fields
    done: object  # the fixture's Disagreement -> whether the change is there
    htmx: bool = True  # answered with the item's fragment; else with a redirect


def _status(annotation) -> str:
    annotation.refresh_from_db()
    return annotation.moderation_status


ACTIONS = {
    "approve": Action(
        "/moderation/decide",
        lambda d: {
            "sentence": d.contested.pk,
            "annotation": d.theirs.pk,
            "decision": "approve",
            "expected_version": d.theirs.version,
        },
        lambda d: _status(d.theirs) == "approved",
    ),
    "reject": Action(
        "/moderation/decide",
        lambda d: {
            "sentence": d.contested.pk,
            "annotation": d.theirs.pk,
            "decision": "reject",
            "reason": "Source missing or wrong",
            "expected_version": d.theirs.version,
        },
        lambda d: _status(d.theirs) == "rejected",
    ),
    "adjudicate": Action(
        "/moderation/adjudicate",
        lambda d: {"sentence": d.contested.pk, "label": "disputed", "expected_version": 0},
        lambda d: Adjudication.objects.filter(sentence=d.contested, label="disputed").exists(),
    ),
    "lock from the queue": Action(
        "/moderation/article",
        lambda d: {"sentence": d.contested.pk, "change": "lock"},
        lambda d: Article.objects.get(pk=d.article.pk).locked,
    ),
    "hide from the queue": Action(
        "/moderation/article",
        lambda d: {"sentence": d.contested.pk, "change": "hide"},
        lambda d: Article.objects.get(pk=d.article.pk).hidden,
    ),
    "lock from the review page": Action(
        "/moderation/article",
        lambda d: {"article": d.article.pk, "change": "lock"},
        lambda d: Article.objects.get(pk=d.article.pk).locked,
        htmx=False,
    ),
    "bulk approve": Action(
        "/moderation/bulk",
        lambda d: {"decision": "approve", "annotation": [d.mine.pk, d.theirs.pk]},
        lambda d: _status(d.mine) == _status(d.theirs) == "approved",
        htmx=False,
    ),
    "reject all of a reviewer on an article": Action(
        "/moderation/bulk",
        lambda d: {
            "decision": "reject",
            "article": d.article.pk,
            "reviewer": d.mine.reviewer_id,
            "reason": "Wrong label: see the label guideline",
        },
        lambda d: _status(d.mine) == _status(d.single_label) == "rejected",
        htmx=False,
    ),
    "deactivate": Action(
        "/moderation/reviewers/{other}/deactivate",
        lambda d: {"reject_pending": "1", "reason": "Spam"},
        lambda d: (
            not User.objects.get(pk=d.theirs.reviewer_id).is_active
            and _status(d.theirs) == "rejected"
        ),
        htmx=False,
    ),
}


def action_url(action: Action, d) -> str:
    return action.url.format(other=d.theirs.reviewer_id)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", PAGES)
def test_every_moderation_page(client, request, disagreement, persona, page):
    url = PAGES[page](disagreement)
    response = client_as(client, request, persona).get(url)
    if persona == "outsider":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    elif persona in REFUSED:
        assert response.status_code == 403
        assert "This page is for moderators" in response.content.decode()
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", ACTIONS)
def test_every_moderation_action(client, request, disagreement, persona, name):
    action = ACTIONS[name]
    client = client_as(client, request, persona)
    before = stored(disagreement)
    headers = HTMX if action.htmx else {}
    response = client.post(
        action_url(action, disagreement), action.data(disagreement), headers=headers
    )
    if persona in ALLOWED:
        assert response.status_code == (200 if action.htmx else 302), response.content
        assert action.done(disagreement)
        actor = request.getfixturevalue(persona)
        assert History.objects.filter(actor=actor, via="ui").exists()
        return
    if persona == "outsider":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == 403
    assert stored(disagreement) == before
    assert not action.done(disagreement)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    "url",
    ["/moderation/decide", "/moderation/adjudicate", "/moderation/article", "/moderation/bulk"],
)
def test_actions_are_posts_only(client, request, disagreement, persona, url):
    client = client_as(client, request, persona)
    before = stored(disagreement)
    response = client.get(url)
    expected = {"outsider": 302, **dict.fromkeys(REFUSED, 403), **dict.fromkeys(ALLOWED, 405)}
    assert response.status_code == expected[persona]
    assert stored(disagreement) == before


def test_the_sentence_history_drawer_needs_a_login(client, disagreement):
    url = f"/history/sentence?sentence={disagreement.contested.pk}"
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
