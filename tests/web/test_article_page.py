"""The review page: candidate suggestions, my labels, others' labels after mine."""

import pytest

from tests.reviewing import add_candidate, article_url, label, load_article, sentence

pytestmark = pytest.mark.django_db

BODY = (
    "Putin said the troops were peacekeepers, Reuters reported. Kyiv called it a false flag.\n"
    "The weather was mild."
)
REASONS = {
    "attributions": [{"source": "Reuters", "verb": "reported", "start": 41, "end": 48}],
    "quotes": [{"text": "peacekeepers", "speaker": "Putin"}],
    "quantities": [{"text": "3,000 troops", "value": 3000, "unit": "troops"}],
    "dispute_cues": [{"cue": "denied"}],
    "false_flag_cues": [{"cue": "false flag"}],
    "model": {"version": "model-7", "contribution": 0.21},
    "rule_score": 0.6,
}


@pytest.fixture
def article(db):
    return load_article(body=BODY)


def page(client, article):
    response = client.get(article_url(article))
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_the_suggestion_score_label_and_reasons(reviewer, client, article):
    add_candidate(sentence(article, 0), 0.87, "sourced", REASONS)
    client.force_login(reviewer)
    html = page(client, article)
    assert 'data-score-tenths="9"' in html and '<meter min="0" max="1" value="0.87"' in html
    assert '<span class="chip suggested sourced" title="suggested label">Sourced?</span>' in html
    for reason in (
        "Attributed to Reuters (reported)",
        "Quote “peacekeepers” by Putin",
        "Quantity 3,000 troops (troops)",
        "Dispute cue “denied”",
        "False-flag cue “false flag”",
        "Rules score 0.60",
        "Model model-7: contribution +0.21",
    ):
        assert reason in html
    # The extracted source pre-fills the source dialog.
    assert 'data-suggested-source="Reuters"' in html


@pytest.mark.parametrize(
    "reasons",
    [
        {},
        {"attributions": "Reuters", "model": 3, "rule_score": "high"},
        {"quotes": [None, "x", {"speaker": "no text"}], "model": {"version": "m"}},
        ["not", "a", "dict"],
    ],
)
def test_reasons_of_an_unexpected_shape_are_left_out(reviewer, client, article, reasons):
    add_candidate(sentence(article, 0), 0.4, None, reasons)
    client.force_login(reviewer)
    html = page(client, article)
    reasons_shown = html[html.index("Why suggested") : html.index("</details>")]
    assert reasons_shown.endswith("<p>Score 0.400</p>")


def test_it_shows_my_label_and_details(reviewer, client, article):
    label(
        sentence(article, 1),
        reviewer,
        "false_flag",
        claimant="Kyiv",
        note="compare with the OSCE report",
        span_start=17,
        span_end=27,
    )
    client.force_login(reviewer)
    html = page(client, article)
    assert '<span class="chip my-label false_flag">&quot;False flag&quot; allegation</span>' in html
    assert "compare with the OSCE report" in html and '<dd data-field="claimant">Kyiv</dd>' in html
    assert '<mark title="claim span">false flag</mark>' in html
    assert html.count("Not labelled") == 2


def test_others_labels_stay_hidden_until_i_label_the_sentence(
    reviewer, other_reviewer, client, article
):
    first, second = sentence(article, 0), sentence(article, 1)
    label(first, other_reviewer, "disputed")
    label(second, other_reviewer, "disputed")
    label(second, reviewer, "sourced")
    client.force_login(reviewer)
    html = page(client, article)
    assert html.count("All reviewers:") == 1
    assert "All reviewers: Sourced 1 · Disputed 1" in html


def test_a_sourced_label_without_a_source_offers_the_extracted_one(reviewer, client, article):
    first = sentence(article, 0)
    add_candidate(first, 0.9, "sourced", REASONS)
    label(first, reviewer, "sourced")
    client.force_login(reviewer)
    assert "Suggested: “Reuters”. Press <kbd>s</kbd> to set it." in page(client, article)


def test_the_shortcuts_and_label_guideline_are_on_the_page(reviewer, client, article):
    client.force_login(reviewer)
    html = page(client, article)
    assert 'id="help-dialog"' in html
    assert "the claim is attributed to an identifiable source".lower() in html.lower()
    assert "the more specific wins" in html
