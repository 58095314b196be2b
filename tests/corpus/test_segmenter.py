import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotations.corpus.seedfile import parse_seed_file
from annotations.corpus.segmenter import split_sentences
from tests.conftest import SEED_ARTICLE


def texts(body: str) -> list[str]:
    return [span.text for span in split_sentences(body)]


def assert_offsets_hold(body: str) -> None:
    spans = split_sentences(body)
    previous_end = 0
    for span in spans:
        assert body[span.start : span.end] == span.text
        assert span.start >= previous_end, "sentences overlap or are out of order"
        assert "\n" not in span.text, "a sentence spans two paragraphs"
        assert span.text == span.text.strip()
        previous_end = span.end
    # Nothing but white space is left out between sentences.
    covered = "".join(body[s.start : s.end] for s in spans)
    assert "".join(covered.split()) == "".join(body.split())


def test_it_splits_the_seed_article_into_19_sentences():
    body = parse_seed_file("seed.txt", SEED_ARTICLE.read_bytes()).body
    sentences = split_sentences(body)
    assert len(sentences) == 19
    assert_offsets_hold(body)
    quoted = [s.text for s in sentences if s.text.startswith("\"So we'll continue")]
    assert len(quoted) == 1 and quoted[0].endswith("she said.")
    assert any(s.text.startswith("U.S. intelligence officials told Newsweek") for s in sentences)
    assert not any(s.text == "U.S." for s in sentences)


def test_it_numbers_paragraphs_and_skips_blank_lines():
    spans = split_sentences("One. Two.\n\nThree.\n \nFour.")
    assert [(s.paragraph, s.text) for s in spans] == [
        (0, "One."),
        (0, "Two."),
        (1, "Three."),
        (2, "Four."),
    ]


def test_it_leaves_white_space_around_sentences_out_of_their_offsets():
    # Bodies from seed files are trimmed, but split_sentences takes any text.
    body = "   Hello.  World.  \n\t Again. "
    spans = split_sentences(body)
    assert [(s.start, s.end, s.text) for s in spans] == [
        (3, 9, "Hello."),
        (11, 17, "World."),
        (22, 28, "Again."),
    ]
    assert_offsets_hold(body)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "Gen. Smith met Mr. Jones in the U.S. on Jan. 5. He left.",
            ["Gen. Smith met Mr. Jones in the U.S. on Jan. 5.", "He left."],
        ),
        (
            "Sen. Warren and Dr. Lee met Lt. Col. Vindman. Mrs. Lee stayed.",
            ["Sen. Warren and Dr. Lee met Lt. Col. Vindman.", "Mrs. Lee stayed."],
        ),
        (
            "J. R. R. Tolkien wrote it. Then he slept.",
            ["J. R. R. Tolkien wrote it.", "Then he slept."],
        ),
        (
            "Prices rose 3.2% to $1,400.50 on Monday. Others fell by 0.5 points.",
            ["Prices rose 3.2% to $1,400.50 on Monday.", "Others fell by 0.5 points."],
        ),
        (
            "The region had around 1,400 explosions. Donetsk recorded 533.",
            ["The region had around 1,400 explosions.", "Donetsk recorded 533."],
        ),
        (
            "\"It was a 'false flag' operation,\" she said. He agreed.",
            ["\"It was a 'false flag' operation,\" she said.", "He agreed."],
        ),
        (
            "“It was staged,” she said. “No.” He left.",
            ["“It was staged,” she said.", "“No.”", "He left."],
        ),
        ("Is it true? Yes! Sure.", ["Is it true?", "Yes!", "Sure."]),
        (
            "He waited... then left. Then... Nothing.",
            ["He waited... then left.", "Then...", "Nothing."],
        ),
        ("He waited… then left. Then… Nothing.", ["He waited… then left.", "Then…", "Nothing."]),
        ("The U.S. Army said so. The E.U. agreed.", ["The U.S. Army said so.", "The E.U. agreed."]),
        ("It cost $4.5 billion, i.e. a lot. OK.", ["It cost $4.5 billion, i.e. a lot.", "OK."]),
        ("No final stop here", ["No final stop here"]),
    ],
)
def test_it_gets_hard_boundaries_right(body, expected):
    assert texts(body) == expected
    assert_offsets_hold(body)


# Words that stress the segmenter: abbreviations, numbers, quotes, ellipses, non-ASCII.
WORDS = st.sampled_from(
    [
        "the",
        "U.S.",
        "Mr.",
        "Jan.",
        "1,400",
        "3.5",
        "officials",
        "said",
        "“quoted”",
        "'false",
        "flag'",
        "…",
        "...",
        "?",
        "!",
        "Dr.",
        "a",
        "e.g.",
        "Putin",
        "claimed,",
        "reported.",
        "i.e.",
        "(AP)",
        "–",
        "—",
        "é",
        "ü",
        "48",
        "hours.",
        '"Yes,"',
        "she",
        "said.",
    ]
)
SENTENCE = st.lists(WORDS, min_size=1, max_size=25).map(" ".join)
PARAGRAPH = st.lists(SENTENCE, min_size=1, max_size=6).map(" ".join)
BODY = st.lists(st.one_of(PARAGRAPH, st.just(""), st.text(max_size=80)), min_size=1, max_size=6)


@settings(max_examples=300, deadline=None)
@given(BODY.map("\n".join))
def test_offsets_always_point_at_the_sentence_text(body):
    assert_offsets_hold(body)
