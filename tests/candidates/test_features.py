"""Rule extractors on the seed article (sentences copied from it) and on other phrasings."""

import json

import pytest

from annotations.candidates.features import extract_reasons

PESKOV = (
    "Kremlin spokesman Dmitry Peskov said the rebel leaders asked for more military to fend off "
    'Ukrainian "aggression."'
)
AP = (
    "Peskov added that the rebel chiefs wrote to President Vladimir Putin, informing him that "
    "shelling by the Ukrainian army has caused people to flee and resulted in civilian deaths, "
    "the Associated Press reported."
)
PUTIN_CNBC = (
    'Putin previously claimed the troops being sent to the regions would act as "peacekeepers," '
    "but Western nations believe it could be another step toward a larger military action "
    "against Ukraine, CNBC reported."
)
REUTERS = (
    "The Organization for Security and Cooperation in Europe said on Friday that the two "
    "rebel-held regions in eastern Ukraine had around 1,400 explosions, Reuters reported."
)
NEWSWEEK = (
    "The Russian Federation's Ministry of Emergency Situations previously told reporters "
    "approximately 700,000 people in total are expected to evacuate from Donetsk to Russia, "
    "Newsweek previously reported."
)
PSAKI_QUOTE = (
    "\"So we'll continue to call out what we see as 'false flag' operations or efforts to spread "
    'misinformation about what the actual status is on the ground," she said.'
)
PSAKI = (
    "However, White House press secretary Jen Psaki said the request for Russian military help "
    'was an example of a "false flag" operation that the West previously warned Moscow would try '
    "to use to create an excuse for war, the AP reported."
)


def sources(text):
    return [a["source"] for a in extract_reasons(text)["attributions"]]


def quantities(text):
    return [(q["text"], q["value"], q["unit"]) for q in extract_reasons(text)["quantities"]]


@pytest.mark.parametrize(
    "text, source",
    [
        (AP, "the Associated Press"),
        (PUTIN_CNBC, "CNBC"),
        (REUTERS, "Reuters"),
        (NEWSWEEK, "Newsweek"),
        (PESKOV, "Kremlin spokesman Dmitry Peskov"),
        (PSAKI, "White House press secretary Jen Psaki"),
        (PSAKI, "the AP"),
    ],
)
def test_seed_attributions_name_the_source(text, source):
    assert source in sources(text)


def test_attribution_offsets_point_at_the_source():
    for attribution in extract_reasons(REUTERS)["attributions"]:
        assert REUTERS[attribution["start"] : attribution["end"]] == attribution["source"]


@pytest.mark.parametrize(
    "text, source, verb",
    [
        ("Officials said the bridge was closed after the blast.", "Officials", "said"),
        ("The ministry said in a statement that 12 soldiers died.", "The ministry", "said"),
        ("The mayor told reporters the water was safe to drink.", "The mayor", None),
        ("Turnout fell to 40 percent, according to the Electoral Commission.",
         "the Electoral Commission", "according to"),
        ("Prices doubled last year, according to U.S. officials, who asked not to be named.",
         "U.S. officials", "according to"),
        ("The plan will cut emissions in half, said Environment Minister Anna Berg.",
         "Environment Minister Anna Berg", "said"),
    ],
)  # fmt: skip
def test_attributions_beyond_the_seed(text, source, verb):
    found = extract_reasons(text)["attributions"]
    assert source in [a["source"] for a in found]
    if verb:
        assert verb in [a["verb"] for a in found]


@pytest.mark.parametrize(
    "text",
    [
        "He said the vote was rigged.",
        "I said that many times.",
        "They say it will rain tomorrow.",
        "The economy is growing at 3 percent.",
    ],
)
def test_pronouns_and_plain_statements_are_not_sources(text):
    assert sources(text) == []


def test_seed_quantities():
    assert ("1,400 explosions", 1400.0, "explosions") in quantities(REUTERS)
    assert ("700,000 people", 700000.0, "people") in quantities(NEWSWEEK)
    assert quantities(
        "More than 60,000 residents in Donetsk and Luhansk fled to Russia on Monday over "
        "concerns about the possibility of an invasion."
    ) == [("60,000 residents", 60000.0, "residents")]
    assert quantities("The order will last 30 days, starting Thursday.") == [
        ("30 days", 30.0, "days")
    ]
    hours = quantities(
        "U.S. intelligence officials told Newsweek that the Biden administration warned Ukrainian "
        "President Volodymyr Zelenskyy that, based on U.S. intelligence, Russia would likely "
        "begin an invasion within the next 48 hours."
    )
    assert hours == [("48 hours", 48.0, "hours")]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Unemployment is 5.1 percent.", [("5.1 percent", 5.1, "percent")]),
        ("They spent $2 trillion on it.", [("$2 trillion", 2e12, "USD")]),
        ("In 2008 we lost 800,000 jobs a month.", [("2008", 2008.0, None),
                                                   ("800,000 jobs", 800000.0, "jobs")]),
        ("It was the 50th anniversary of COVID-19 talks.", []),
        ("Inflation hit 9%.", [("9%", 9.0, "percent")]),
    ],
)  # fmt: skip
def test_quantities_beyond_the_seed(text, expected):
    assert quantities(text) == expected


def test_quote_speaker_after_the_quote():
    (quote,) = extract_reasons(PSAKI_QUOTE)["quotes"]
    assert quote["speaker"] == "she"
    assert quote["text"].startswith("So we'll continue")
    assert PSAKI_QUOTE[quote["start"]] == '"'


def test_quote_inside_reported_speech_belongs_to_the_source():
    (quote,) = extract_reasons(PESKOV)["quotes"]
    assert quote["text"] == "aggression"
    assert quote["speaker"] == "Kremlin spokesman Dmitry Peskov"


@pytest.mark.parametrize(
    "text, speaker",
    [
        ('"We will not back down," said Prime Minister Jones.', "Prime Minister Jones"),
        ('The senator said: "This bill is dead."', "The senator"),
        ('Critics called it a "historic mistake."', None),
    ],
)
def test_quote_speakers_beyond_the_seed(text, speaker):
    (quote,) = extract_reasons(text)["quotes"]
    assert quote["speaker"] == speaker


def test_dispute_cues_in_the_putin_sentence():
    cues = [c["cue"] for c in extract_reasons(PUTIN_CNBC)["dispute_cues"]]
    assert "claimed" in cues
    assert any("Western nations believe" in c for c in cues)


@pytest.mark.parametrize(
    "text",
    [
        "The Kremlin denied sending troops across the border.",
        "The company allegedly hid the losses from investors.",
        "He repeated the baseless claim that the election was stolen.",
        "Officials say the strike hit a school, but the army says it targeted a depot.",
    ],
)
def test_dispute_cues_beyond_the_seed(text):
    assert extract_reasons(text)["dispute_cues"]


@pytest.mark.parametrize(
    "text",
    [
        "The city council approved the budget on Tuesday.",
        "The plant produced 400 tonnes of steel.",
    ],
)
def test_neutral_sentences_have_no_contest_cues(text):
    reasons = extract_reasons(text)
    assert reasons["dispute_cues"] == [] and reasons["false_flag_cues"] == []


@pytest.mark.parametrize(
    "text, cue",
    [
        (PSAKI, "false flag"),
        (PSAKI_QUOTE, "false flag"),
        ("Moscow accused Kyiv of preparing a staged provocation in Donbas.", "staged provocation"),
        ("Analysts warned the incident could serve as a pretext for invasion.",
         "pretext for invasion"),
        ("State media called the bombing a false-flag attack.", "false-flag"),
    ],
)  # fmt: skip
def test_false_flag_cues(text, cue):
    assert cue in [c["cue"] for c in extract_reasons(text)["false_flag_cues"]]


def test_false_flag_phrase_is_not_also_a_dispute_cue():
    cues = [c["cue"].lower() for c in extract_reasons(PSAKI)["dispute_cues"]]
    assert not any("false" in c for c in cues)


def test_reasons_are_json_serialisable():
    for text in (PESKOV, AP, PUTIN_CNBC, REUTERS, NEWSWEEK, PSAKI_QUOTE, PSAKI, ""):
        reasons = extract_reasons(text)
        assert json.loads(json.dumps(reasons)) == reasons
