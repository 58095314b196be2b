"""Articles locked by a moderator: read-only for reviewers (and staff), editable by moderators."""

import pytest

from annotations.review.models import Annotation
from tests.reviewing import article_url, clear, label, load_article, save, sentence

pytestmark = pytest.mark.django_db


@pytest.fixture
def locked(db):
    article = load_article(body="Kyiv denied the report. It was quiet.")
    article.locked = True
    article.save()
    return article


def test_it_renders_read_only_with_a_notice(reviewer, client, locked):
    client.force_login(reviewer)
    html = client.get(article_url(locked)).content.decode()
    assert "This article is locked by a moderator: it is read-only." in html
    assert 'aria-keyshortcuts="1" disabled>' in html  # the toolbar's buttons are disabled
    assert 'id="details-dialog"' not in html
    assert html.count('class="sentence"') == 2


def test_the_server_refuses_a_reviewers_edits(reviewer, client, locked):
    first = sentence(locked, 0)
    client.force_login(reviewer)
    response = save(client, first, {"label": "disputed", "expected_version": 0})
    assert response.status_code == 403
    assert "locked by a moderator" in response.content.decode()
    assert not Annotation.objects.exists()


def test_clearing_a_label_on_a_locked_article_is_refused(reviewer, client, locked):
    first = sentence(locked, 0)
    locked.locked = False
    locked.save()
    label(first, reviewer, "disputed")
    locked.locked = True
    locked.save()
    client.force_login(reviewer)
    response = clear(client, first, {"expected_version": 1})
    assert response.status_code == 403
    assert Annotation.objects.filter(sentence=first, reviewer=reviewer).exists()


def test_a_moderator_can_still_edit_it(moderator, client, locked):
    client.force_login(moderator)
    html = client.get(article_url(locked)).content.decode()
    assert "as a moderator you can still edit it" in html and 'aria-keyshortcuts="1">' in html
    response = save(client, sentence(locked, 0), {"label": "disputed"})
    assert response.status_code == 200
    assert Annotation.objects.get(reviewer=moderator).label == "disputed"


def test_staff_who_are_no_moderators_cannot(staff, client, locked):
    client.force_login(staff)
    assert "it is read-only" in client.get(article_url(locked)).content.decode()
    assert save(client, sentence(locked, 0), {"label": "disputed"}).status_code == 403
    assert not Annotation.objects.exists()


def test_the_article_list_marks_it_locked(reviewer, client, locked):
    client.force_login(reviewer)
    assert '<span class="chip locked">locked</span>' in client.get("/").content.decode()
