import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotations.corpus.seedfile import parse_seed_file
from annotations.corpus.segmenter import has_visible_text, split_sentences
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
    # Nothing visible is left out: only white space and sentences with nothing visible.
    covered = "".join(body[s.start : s.end] for s in spans)
    assert visible_characters(covered) == visible_characters(body)
    assert all(has_visible_text(span.text) for span in spans)


def visible_characters(text: str) -> str:
    return "".join(char for char in text if has_visible_text(char))


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


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # Numbered items written on one line, with or without their own full stops.
        (
            "1. Check the source 2. Call the author 3. File the note",
            ["1. Check the source", "2. Call the author", "3. File the note"],
        ),
        (
            "1. The ministry denied it. 2. The army confirmed it.",
            ["1. The ministry denied it.", "2. The army confirmed it."],
        ),
        ("1) Troops moved 2) Talks stalled", ["1) Troops moved", "2) Talks stalled"]),
        # An initial inside an item is no item of its own.
        (
            "1. Call Jonas E. Smith 2. Email the desk",
            ["1. Call Jonas E. Smith", "2. Email the desk"],
        ),
        ("1.) Troops moved 2.) Talks stalled", ["1.) Troops moved", "2.) Talks stalled"]),
        (
            "The report made two claims: 1. troops crossed 2. shelling rose",
            ["The report made two claims: 1. troops crossed", "2. shelling rose"],
        ),
        (
            "Two steps follow. 1. Read it 2. Sign it",
            ["Two steps follow.", "1. Read it", "2. Sign it"],
        ),
        # A paragraph that is one item of a list keeps its number.
        ("4. Nobody was hurt. Police left.", ["4. Nobody was hurt.", "Police left."]),
        (" 4. Nobody was hurt.\n5. ", ["4. Nobody was hurt.", "5."]),
        # Numbers that end sentences are no list.
        (
            "He ranked No. 1. She ranked 2. Others ranked 3.",
            ["He ranked No. 1.", "She ranked 2.", "Others ranked 3."],
        ),
    ],
)
def test_it_splits_inline_numbered_lists_at_each_item(body, expected):
    assert texts(body) == expected
    assert_offsets_hold(body)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "a. Read the report b. Call the ministry c. File the story",
            ["a. Read the report", "b. Call the ministry", "c. File the story"],
        ),
        ("a) yes b) no", ["a) yes", "b) no"]),
        ("A. Sources B. Methods C. Findings", ["A. Sources", "B. Methods", "C. Findings"]),
        # Two capital initials in order are names, not a list.
        ("A. Smith and B. Jones signed it.", ["A. Smith and B. Jones signed it."]),
        (
            "i. The first point ii. The second point iii. The third point",
            ["i. The first point", "ii. The second point", "iii. The third point"],
        ),
        ("I. Background II. Findings", ["I. Background", "II. Findings"]),
        ("viii) eight ix) nine x) ten", ["viii) eight", "ix) nine", "x) ten"]),
        # "i" follows "h" as a letter.
        ("h. The eighth i. The ninth", ["h. The eighth", "i. The ninth"]),
    ],
)
def test_it_splits_lettered_and_roman_lists_at_each_item(body, expected):
    assert texts(body) == expected
    assert_offsets_hold(body)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("• Troops moved • Talks stalled", ["• Troops moved", "• Talks stalled"]),
        ("‣ Troops moved. ‣ Talks stalled.", ["‣ Troops moved.", "‣ Talks stalled."]),
        ("⁃3. Troops moved ⁃4. Talks stalled", ["⁃3. Troops moved", "⁃4. Talks stalled"]),
        ("• 7. Troops moved • 8. Talks stalled", ["• 7. Troops moved", "• 8. Talks stalled"]),
        ("* Troops moved * Talks stalled", ["* Troops moved", "* Talks stalled"]),
        ("- Troops moved. - Talks stalled.", ["- Troops moved.", "- Talks stalled."]),
        ("- 1. Troops moved - 2. Talks stalled", ["- 1. Troops moved", "- 2. Talks stalled"]),
        # A spaced hyphen without a number is a dash; spaced stars are a break or arithmetic.
        ("- Donetsk - 533 explosions", ["- Donetsk - 533 explosions"]),
        ("He came - and left - quickly.", ["He came - and left - quickly."]),
        ("* * * Welcome back.", ["* * * Welcome back."]),
        ("It rose 5 * 3 times.", ["It rose 5 * 3 times."]),
    ],
)
def test_it_splits_bulleted_lists_at_each_bullet(body, expected):
    assert texts(body) == expected
    assert_offsets_hold(body)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("It was over... Nobody spoke.", ["It was over...", "Nobody spoke."]),
        ("It was over.... Nobody spoke.", ["It was over....", "Nobody spoke."]),
        ("It was over . . . . Nobody spoke.", ["It was over . . . .", "Nobody spoke."]),
        # The word's own full stop ends the sentence; the ellipsis opens the next.
        ("It was over. . . . Nobody spoke.", ["It was over.", ". . . Nobody spoke."]),
        ("It was over… Nobody spoke.", ["It was over…", "Nobody spoke."]),
        ("It was over…. Nobody spoke.", ["It was over….", "Nobody spoke."]),
        ("It was . . . over. Then not.", ["It was . . . over.", "Then not."]),
        ("It was … over. Then not.", ["It was … over.", "Then not."]),
        ("It was over...", ["It was over..."]),
        ("It was over. . . .", ["It was over. . . ."]),
    ],
)
def test_it_ends_sentences_at_ellipses_only_before_a_new_sentence(body, expected):
    assert texts(body) == expected
    assert_offsets_hold(body)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "Dr. Patel met Gov. Hochul in St. Petersburg. Prof. Lee left.",
            ["Dr. Patel met Gov. Hochul in St. Petersburg.", "Prof. Lee left."],
        ),
        (
            "Reporters asked Ms. Psaki. Ms. Psaki declined.",
            ["Reporters asked Ms. Psaki.", "Ms. Psaki declined."],
        ),
        (
            "Officials told Amb. Smith and Atty. Gen. Jones. They flew to Ft. Worth.",
            ["Officials told Amb. Smith and Atty. Gen. Jones.", "They flew to Ft. Worth."],
        ),
        (
            "Lt. Gen. Hodges and Capt. Ross said the U.S. Navy agreed.",
            ["Lt. Gen. Hodges and Capt. Ross said the U.S. Navy agreed."],
        ),
        ("She moved to the U.S. Then she wrote.", ["She moved to the U.S.", "Then she wrote."]),
    ],
)
def test_it_keeps_abbreviations_with_the_names_after_them(body, expected):
    assert texts(body) == expected
    assert_offsets_hold(body)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            'The minister said "We will not retreat." Then he left.',
            ['The minister said "We will not retreat."', "Then he left."],
        ),
        ("“Enough.” The crowd cheered.", ["“Enough.”", "The crowd cheered."]),
        ('He asked "Why?" Nobody answered.', ['He asked "Why?"', "Nobody answered."]),
        (
            "(The figures are disputed.) Officials declined to comment.",
            ["(The figures are disputed.)", "Officials declined to comment."],
        ),
        ("He asked (why?) Nobody answered.", ["He asked (why?)", "Nobody answered."]),
        ('(She said "No.") They left.', ['(She said "No.")', "They left."]),
        # Lower case after the closing mark: the sentence goes on.
        ('She said "It is over." he recalled.', ['She said "It is over." he recalled.']),
        (
            "The ministry (see the table.) disagreed.",
            ["The ministry (see the table.) disagreed."],
        ),
    ],
)
def test_it_ends_sentences_after_closing_quotes_and_parentheses(body, expected):
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
        # List markers, bullets, spaced ellipses and closing parentheses.
        "1.",
        "2.",
        "a)",
        "b.",
        "ii.",
        "•",
        "*",
        "-",
        ". . .",
        ". . . .",
        "(see",
        "below.)",
        "Ms.",
    ]
)
SENTENCE = st.lists(WORDS, min_size=1, max_size=25).map(" ".join)
PARAGRAPH = st.lists(SENTENCE, min_size=1, max_size=6).map(" ".join)
BODY = st.lists(st.one_of(PARAGRAPH, st.just(""), st.text(max_size=80)), min_size=1, max_size=6)


@settings(max_examples=300, deadline=None)
@given(BODY.map("\n".join))
def test_offsets_always_point_at_the_sentence_text(body):
    assert_offsets_hold(body)
