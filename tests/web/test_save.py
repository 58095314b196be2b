"""Tagging a sentence from the review page: one POST per action, answered with its fragment."""

import pytest

from annotations.review.models import Annotation, History
from tests.reviewing import clear, label, load_article, save, sentence

pytestmark = pytest.mark.django_db


@pytest.fixture
def first(db):
    return sentence(load_article(body="Russia said it would withdraw. Nobody believed it."), 0)


def test_it_saves_a_label_and_answers_with_only_that_sentence(reviewer, client, first):
    client.force_login(reviewer)
    response = save(client, first, {"label": "sourced", "expected_version": 0})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="sentence"') == 1 and "<html" not in html
    assert 'id="s0"' in html and "Saved" in html and 'data-version="1"' in html
    annotation = Annotation.objects.get(sentence=first, reviewer=reviewer)
    assert annotation.label == "sourced"
    assert History.objects.filter(subject_id=annotation.pk, action="created").exists()


def test_it_stores_span_claimant_source_and_note(reviewer, client, first):
    client.force_login(reviewer)
    data = {
        "label": "sourced",
        "span_start": 0,
        "span_end": 6,
        "claimant": "Kremlin",
        "source_name": "Reuters",
        "evidence_url": "https://example.org/report",
        "note": "checked the wire",
        "expected_version": 0,
    }
    response = save(client, first, data)
    assert response.status_code == 200
    html = response.content.decode()
    annotation = Annotation.objects.get(sentence=first, reviewer=reviewer)
    assert (annotation.span_start, annotation.span_end) == (0, 6)
    assert (annotation.claimant, annotation.source_name) == ("Kremlin", "Reuters")
    assert annotation.evidence_url == "https://example.org/report"
    assert annotation.note == "checked the wire"
    assert '<mark title="claim span">Russia</mark>' in html and "checked the wire" in html


def test_changing_the_label_keeps_the_note_and_source_already_stored(reviewer, client, first):
    label(first, reviewer, "sourced", note="keep me", source_name="TASS")
    client.force_login(reviewer)
    response = save(client, first, {"label": "disputed", "expected_version": 1})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-version="2"' in html
    assert 'data-label="disputed"' in html and "keep me" in html and "TASS" in html
    annotation = Annotation.objects.get(sentence=first, reviewer=reviewer)
    assert (annotation.label, annotation.note, annotation.source_name) == (
        "disputed",
        "keep me",
        "TASS",
    )
    assert annotation.version == 2


def test_it_can_remove_the_claim_span(reviewer, client, first):
    label(first, reviewer, "sourced", span_start=0, span_end=6)
    client.force_login(reviewer)
    response = save(client, first, {"label": "sourced", "clear_span": "1", "expected_version": 1})
    assert response.status_code == 200 and "<mark" not in response.content.decode()
    annotation = Annotation.objects.get(sentence=first, reviewer=reviewer)
    assert (annotation.span_start, annotation.span_end) == (None, None)


def test_clear_deletes_my_label(reviewer, client, first):
    label(first, reviewer, "not_claim")
    client.force_login(reviewer)
    response = clear(client, first, {"expected_version": 1})
    assert response.status_code == 200
    assert "Not labelled" in response.content.decode()
    assert not Annotation.objects.filter(sentence=first).exists()
    assert History.objects.filter(action="deleted").count() == 1


def test_bad_input_is_refused_with_a_message_naming_the_field(reviewer, client, first):
    client.force_login(reviewer)
    response = save(client, first, {"label": "sourced", "evidence_url": "ftp://x", "span_start": 3})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-state="refused"' in html
    assert "evidence url: enter an http:// or https:// URL" in html
    assert "span start: give both span_start and span_end" in html
    assert not Annotation.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"label": "true"}, "label: Select a valid choice"),
        ({"label": "sourced", "expected_version": "two"}, "expected version: Enter a whole number"),
        ({"note": "a note but no label"}, "label: choose a label"),
        ({"label": "sourced", "span_start": 5, "span_end": 500}, "span end: the span must lie"),
    ],
)
def test_it_refuses_values_it_cannot_store(reviewer, client, first, data, message):
    client.force_login(reviewer)
    response = save(client, first, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Annotation.objects.exists()


def test_a_stale_page_gets_a_conflict_instead_of_overwriting(reviewer, client, first):
    label(first, reviewer, "sourced", note="from the other tab")
    client.force_login(reviewer)
    # This page loaded before the other tab labelled the sentence.
    response = save(client, first, {"label": "not_claim", "expected_version": 0})
    assert response.status_code == 409
    html = response.content.decode()
    assert "changed elsewhere" in html and "from the other tab" in html
    assert Annotation.objects.get(sentence=first).label == "sourced"


def test_a_stale_clear_gets_a_conflict(reviewer, client, first):
    annotation = label(first, reviewer, "sourced")
    label(first, reviewer, "disputed")  # version 2, saved in another tab
    client.force_login(reviewer)
    response = clear(client, first, {"expected_version": annotation.version})
    assert response.status_code == 409
    assert Annotation.objects.get(sentence=first).label == "disputed"


def test_saving_touches_only_my_own_annotation(reviewer, other_reviewer, client, first):
    label(first, other_reviewer, "false_flag", note="theirs")
    client.force_login(reviewer)
    saved = save(client, first, {"label": "not_claim", "expected_version": 0}).content.decode()
    # Once I have labelled it, everyone's labels show, theirs and mine.
    assert "All reviewers: &quot;False flag&quot; allegation 1 · Not a claim 1" in saved
    cleared = clear(client, first, {"expected_version": 1}).content.decode()
    assert "Not labelled" in cleared and "All reviewers" not in cleared
    theirs = Annotation.objects.get(sentence=first, reviewer=other_reviewer)
    assert (theirs.label, theirs.note, theirs.version) == ("false_flag", "theirs", 1)


def test_it_needs_a_login_and_a_post(reviewer, client, first):
    response = save(client, first, {"label": "sourced"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(reviewer)
    assert client.get("/annotations/save", {"sentence": first.pk}).status_code == 405
    assert not Annotation.objects.exists()


@pytest.mark.parametrize("sentence_id", ["999999", "", "one", "-1"])
def test_an_unknown_sentence_is_a_404(reviewer, client, sentence_id):
    client.force_login(reviewer)
    for url in ("/annotations/save", "/annotations/clear"):
        response = client.post(url, {"sentence": sentence_id, "label": "sourced"})
        assert response.status_code == 404


def test_an_id_too_big_for_the_database_is_a_404(reviewer, client, first):
    client.force_login(reviewer)
    response = client.post(
        "/annotations/save",
        {"sentence": str(2**63), "label": "sourced"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 404 and not Annotation.objects.exists()
