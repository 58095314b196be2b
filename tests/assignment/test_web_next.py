"""The review UI's "next" (`g` and the header's link): through the assignment service, with the
sentence shown passed over when asked, and a clear message when nothing needs me."""

import pytest

from annotations.assignment.models import ReviewClaim
from tests.conftest import make_reviewer
from tests.reviewing import label, sentence

from .conftest import scored_article

pytestmark = pytest.mark.django_db


def goes_to(response, article, index: int) -> bool:
    return (
        response.status_code == 302
        and response["Location"] == f"/articles/{article.pk}/?at={index}#s{index}"
    )


def test_next_goes_to_the_sentence_handed_out_and_back_to_it_until_labelled(
    article, reviewer, client
):
    client.force_login(reviewer)
    assert goes_to(client.get("/next/"), article, 1)
    assert goes_to(client.get("/next/"), article, 1)
    label(sentence(article, 1), reviewer, "sourced")
    assert goes_to(client.get("/next/"), article, 2)


def test_skip_passes_over_the_sentence_shown(article, reviewer, client):
    client.force_login(reviewer)
    client.get("/next/")
    response = client.get("/next/", {"skip": sentence(article, 1).pk})
    assert goes_to(response, article, 2)
    assert ReviewClaim.objects.get(reviewer=reviewer, sentence__index=1).skipped


@pytest.mark.parametrize("skip", ["abc", "-1", "99999999999999999999999", ""])
def test_a_bad_skip_is_ignored(article, reviewer, client, skip):
    client.force_login(reviewer)
    assert goes_to(client.get("/next/", {"skip": skip}), article, 1)


def test_k_spreads_reviewers_over_sentences(article, client):
    article.overlap = 1
    article.save()
    targets = []
    for name in ("r1", "r2", "r3"):
        client.force_login(make_reviewer(name))
        targets.append(client.get("/next/")["Location"])
    assert targets == [f"/articles/{article.pk}/?at={index}#s{index}" for index in (1, 2, 0)]


def test_when_nothing_needs_me_it_says_so(article, client):
    article.overlap = 1
    article.save()
    others = [make_reviewer(f"r{n}") for n in range(3)]
    for index, other in enumerate(others):
        label(sentence(article, index), other, "sourced")
    client.force_login(make_reviewer("late"))
    response = client.get("/next/", follow=True)
    assert response.redirect_chain == [("/", 302)]
    html = response.content.decode()
    assert "every open sentence has your label or the reviewers it needs" in html
    assert "Open any article to label more." in html


def test_an_account_without_a_role_is_told_why(article, staff, client):
    client.force_login(staff)
    response = client.get("/next/", follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert "labelling takes the reviewer role" in response.content.decode()
    assert not ReviewClaim.objects.exists()


# session, user, roles, the held claim; to claim: savepoint, the queue's first rows, those the
# user may take locked, their sentences, their loads, the claim's upsert, release
NEXT_QUERIES = 11


def test_next_does_not_grow_with_sentences_or_reviewers(article, client, django_assert_num_queries):
    client.force_login(make_reviewer("first"))
    with django_assert_num_queries(NEXT_QUERIES):
        client.get("/next/")
    for n in range(10):
        scored_article(f"More {n}", [0.1] * 30, f"https://b.example/{n}")
        client.force_login(make_reviewer(f"r{n}"))
        client.get("/next/")
    client.force_login(make_reviewer("last"))
    with django_assert_num_queries(NEXT_QUERIES):
        client.get("/next/")
