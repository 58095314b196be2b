"""score_sentences: suggested labels on the seed article and what the scores rank first."""

import json

import pytest

from annotations.candidates import RULES_VERSION, SentenceInput, score_sentences
from annotations.candidates.model import ClaimModel
from annotations.candidates.scoring import IMPORTED, NEWS

SEED = {
    "peskov": (
        "Kremlin spokesman Dmitry Peskov said the rebel leaders asked for more military to fend "
        'off Ukrainian "aggression."'
    ),
    "ap": (
        "Peskov added that the rebel chiefs wrote to President Vladimir Putin, informing him that "
        "shelling by the Ukrainian army has caused people to flee and resulted in civilian "
        "deaths, the Associated Press reported."
    ),
    "psaki_quote": (
        "\"So we'll continue to call out what we see as 'false flag' operations or efforts to "
        'spread misinformation about what the actual status is on the ground," she said.'
    ),
    "putin_cnbc": (
        'Putin previously claimed the troops being sent to the regions would act as "peacekeepers,'
        '" but Western nations believe it could be another step toward a larger military action '
        "against Ukraine, CNBC reported."
    ),
    "reuters": (
        "The Organization for Security and Cooperation in Europe said on Friday that the two "
        "rebel-held regions in eastern Ukraine had around 1,400 explosions, Reuters reported."
    ),
    "newsweek": (
        "The Russian Federation's Ministry of Emergency Situations previously told reporters "
        "approximately 700,000 people in total are expected to evacuate from Donetsk to Russia, "
        "Newsweek previously reported."
    ),
    "psaki": (
        "However, White House press secretary Jen Psaki said the request for Russian military "
        'help was an example of a "false flag" operation that the West previously warned Moscow '
        "would try to use to create an excuse for war, the AP reported."
    ),
    "order": "The order will last 30 days, starting Thursday.",
}


def score(key_or_text, model=None):
    text = SEED.get(key_or_text, key_or_text)
    return score_sentences([SentenceInput(text)], model)[0]


@pytest.mark.parametrize("key", ["psaki_quote", "psaki"])
def test_false_flag_sentences(key):
    assert score(key).suggested_label == "false_flag"


@pytest.mark.parametrize(
    "key, source",
    [
        ("ap", "the Associated Press"),
        ("reuters", "Reuters"),
        ("newsweek", "Newsweek"),
        ("peskov", "Kremlin spokesman Dmitry Peskov"),
    ],
)
def test_sourced_sentences_name_their_source(key, source):
    result = score(key)
    assert result.suggested_label == "sourced"
    assert source in [a["source"] for a in result.reasons["attributions"]]


def test_putin_claim_contradicted_by_western_nations_is_disputed_but_keeps_cnbc():
    result = score("putin_cnbc")
    assert result.suggested_label == "disputed"
    assert "CNBC" in [a["source"] for a in result.reasons["attributions"]]


def test_sentence_without_cues_gets_no_label():
    assert score("order").suggested_label is None
    assert score("Thank you very much.").suggested_label is None


def test_rules_rank_factual_claims_above_small_talk():
    claim = score("Unemployment fell to 4.1 percent last year, the lowest rate in decades.")
    for chatter in ("Thank you.", "What do you think about that?", "I think we need to do better."):
        assert claim.score > score(chatter).score


def test_rules_alone_score_a_sentence_full_of_cues_high_and_small_talk_near_zero():
    # The score is shown as a bar: without a model it must still use the whole range.
    assert score("psaki").score > 0.8
    assert score("Thank you.").score < 0.05


def test_results_carry_rule_reasons_without_a_model():
    result = score("reuters")
    assert 0.0 <= result.score <= 1.0
    assert result.reasons["rule_score"] == result.score
    assert result.reasons["model"] == {"version": None, "contribution": 0.0}
    assert result.reasons["rules_version"] == RULES_VERSION
    assert json.loads(json.dumps(result.reasons)) == result.reasons


def test_one_result_per_input_in_order():
    items = [SentenceInput(SEED[k]) for k in ("order", "psaki", "ap")]
    labels = [r.suggested_label for r in score_sentences(items)]
    assert labels == [None, "false_flag", "sourced"]
    assert score_sentences([]) == []


def _toy_model():
    claims = ["Taxes rose 20 percent in 2015.", "We lost 70,000 factories since 2001."] * 10
    chatter = ["Thank you, Governor.", "What is your plan?", "Let me answer that."] * 10
    return ClaimModel.train(
        [(SentenceInput(t), 1) for t in claims] + [(SentenceInput(t), 0) for t in chatter]
    )


def test_model_moves_the_score_and_is_recorded():
    model = _toy_model()
    text = "Exports rose 12 percent in 2016."
    result = score(text, model)
    rules_alone = score(text).score
    # Imported-domain scoring (the default): the model's probability blended with the rules and
    # calibrated, which the model computes; it visibly moves the score.
    probability = model.predict([SentenceInput(text)])[0]
    assert result.score == pytest.approx(
        model.calibrated([probability], [rules_alone], [IMPORTED])[0]
    )
    assert abs(result.score - rules_alone) > 0.15
    assert result.reasons["rule_score"] == pytest.approx(rules_alone)
    assert result.reasons["model"] == {
        "version": model.version,
        "contribution": pytest.approx(result.score - rules_alone),
    }
    assert result.score > score("Thank you, Senator.", model).score
    assert score("psaki", model).suggested_label == "false_flag"


def test_a_model_trained_without_news_labels_leaves_news_to_the_rules():
    model = _toy_model()
    texts = ["Exports rose 12 percent in 2016.", SEED["psaki"], "Thank you, Senator."]
    news = score_sentences([SentenceInput(t, domain=NEWS) for t in texts], model)
    assert [r.score for r in news] == pytest.approx([score(t).score for t in texts])
    assert all(r.reasons["model"]["version"] == model.version for r in news)
