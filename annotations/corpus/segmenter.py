"""Sentence segmentation with exact character offsets. Plain Python, no Django.

Backed by sentencex (Wikimedia's rule-based segmenter, compiled, language-aware abbreviation
lists). It is kept behind split_sentences() so it can be swapped without touching callers.
A thin layer of rules moves sentencex's cuts where it gets them wrong: inline lists (numbered,
lettered, roman, bulleted), a few titles it does not know ("Ms."), a sentence's own period
before a spaced ellipsis, and a sentence closed inside parentheses.
"""

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

import sentencex

LANGUAGE = "en"

# A list marker: "1." "2)" "3.)" "a." "b)" "iv." with an optional bullet before it ("• 9.",
# "⁃10."), standing alone as a word.
MARKER = re.compile(
    r"(?<!\S)(?:[•‣⁃◦▪●]\s*|[-*]\s+)?(?P<label>\d{1,3}|[ivx]{1,6}|[IVX]{1,6}|[a-zA-Z])"
    r"(?P<close>\.\)|[.)])(?=\s)"
)
AFTER_COLON = re.compile(r":\s+")
# Roman list labels, in order (lists longer than twenty items are not written inline).
ROMAN_NUMERALS = [
    *("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"),
    *("xi", "xii", "xiii", "xiv", "xv", "xvi", "xvii", "xviii", "xix", "xx"),
]
# Bullets that open a list item wherever they stand ("⁃9." too); "*" only between a space and a
# spaced word, not in "5 * 3" or the break "* * * Welcome back". " - " is no bullet: in news
# prose it is far more often a dash ("Donetsk - 533 explosions").
BULLETS = "•‣⁃◦▪●*"
BULLET = re.compile(r"(?<=\s)(?:[•‣⁃◦▪●]|(?<!\*\s)\*(?=\s+[^\W\d_]))")
# Titles sentencex cuts after ("told Ms. Psaki", "Ft. Worth"): a cut after one is dropped.
TITLE_BEFORE_CUT = re.compile(r"(?<![\w.])(?:Ms|Mx|Amb|Atty|Cllr|Ft|Gens)\.\s*$")
# "compounds. . . . The": the word's period ends the sentence; the ellipsis opens the next one.
PERIOD_THEN_ELLIPSIS = re.compile(r"(?<=\w)\.(?P<gap>(?: \.){3}\s+)(?=[\"“‘'(\[]?[A-Z])")
# "(See below.) Next": a sentence that ends inside parentheses, then a capital.
CLOSED_PARENTHESIS = re.compile(r"[.!?…][\"'”’]?\)(?P<gap>\s+)(?=[\"“‘']?[A-Z])")
# Characters that show nothing on their own: controls, format characters (right-to-left mark,
# zero-width joiner and space, byte order mark...), spaces of every width, unassigned code
# points, combining marks with no letter to sit on, and the blank "letters" Unicode has.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"})
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
PRINTABLE_ASCII = re.compile(r"[!-~]")


@dataclass(frozen=True, slots=True)
class SentenceSpan:
    paragraph: int
    start: int
    end: int
    text: str


def has_visible_text(text: str) -> bool:
    # Nearly every sentence holds a printable ASCII character: found without a per-character loop.
    if PRINTABLE_ASCII.search(text):
        return True
    return any(
        char not in BLANK_LETTERS and unicodedata.category(char) not in INVISIBLE_CATEGORIES
        for char in text
    )


def split_paragraphs(body: str) -> list[tuple[int, str]]:
    """(offset, text) of each paragraph: one paragraph per line of the body."""
    paragraphs = []
    offset = 0
    for line in body.split("\n"):
        paragraphs.append((offset, line))
        offset += len(line) + 1
    return paragraphs


def split_sentences(body: str) -> list[SentenceSpan]:
    """Sentences of body in order; body[s.start:s.end] == s.text, never across a line break."""
    return list(iter_sentences(body))


def iter_sentences(body: str) -> Iterator[SentenceSpan]:
    """split_sentences() a paragraph at a time, for a caller that may stop early."""
    paragraph_index = 0
    for offset, paragraph in split_paragraphs(body):
        if not paragraph.strip():
            continue
        cuts = sorted(_corrected_cuts(paragraph, _sentencex_cuts(paragraph)))
        for start, end in pairwise([0, *cuts, len(paragraph)]):
            start, end = _trim(paragraph, start, end)
            # A sentence with nothing visible has nothing a reviewer could label.
            if start < end and has_visible_text(paragraph[start:end]):
                yield SentenceSpan(
                    paragraph_index, offset + start, offset + end, paragraph[start:end]
                )
        paragraph_index += 1


def _sentencex_cuts(paragraph: str) -> set[int]:
    """Offsets in paragraph where sentencex starts a new sentence.

    sentencex treats "..." as a possible sentence end but not the single character "…", so the
    segmenter sees "..." and its offsets are mapped back onto the original text.
    """
    if "…" not in paragraph:
        boundaries = sentencex.get_sentence_boundaries(LANGUAGE, paragraph)
        return {b["end_index"] for b in boundaries[:-1]}
    original_offset = []  # for each character of the expanded text, its offset in paragraph
    for index, char in enumerate(paragraph):
        original_offset.extend([index] * (3 if char == "…" else 1))
    boundaries = sentencex.get_sentence_boundaries(LANGUAGE, paragraph.replace("…", "..."))
    return {original_offset[b["end_index"]] for b in boundaries[:-1]}


def _corrected_cuts(paragraph: str, cuts: set[int]) -> set[int]:
    """sentencex's cuts in paragraph, moved by the rules above."""
    # Each rule is looked for only when a cheap test finds its mark: most paragraphs have none.
    corrected = {cut for cut in cuts if not TITLE_BEFORE_CUT.search(paragraph, cut - 16, cut)}
    corrected.update(_bullets(paragraph))
    if ". . ." in paragraph:
        for match in PERIOD_THEN_ELLIPSIS.finditer(paragraph):
            corrected.add(match.start("gap"))
            _uncut(corrected, match.start("gap"), match.end("gap"))
    if ")" in paragraph:
        for match in CLOSED_PARENTHESIS.finditer(paragraph):
            _uncut(corrected, match.start(), match.end())
            corrected.add(match.end())
    # Last, as a marker's own ")" is no closing parenthesis ("1.) The first item").
    for marker, continues_a_list in _list_markers(paragraph, corrected):
        if continues_a_list:
            corrected.add(marker.start())
        # A marker belongs to its item: "1." alone is no sentence.
        _uncut(corrected, marker.start(), _skip_space(paragraph, marker.end()))
    return corrected


def _uncut(cuts: set[int], start: int, end: int) -> None:
    """Drop the cuts strictly after start and up to end."""
    cuts.difference_update(range(start + 1, end + 1))


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index].isspace():
        index += 1
    return index


def _bullets(paragraph: str) -> list[int]:
    """Where a bullet opens a list item after some text ("• One • Two")."""
    if not any(bullet in paragraph for bullet in BULLETS):
        return []
    return [match.start() for match in BULLET.finditer(paragraph)]


def _list_markers(paragraph: str, cuts: set[int]) -> list[tuple[re.Match, bool]]:
    """The list markers in paragraph, each with whether it continues a list begun before it.

    A marker counts when it opens the paragraph, or when it opens a sentence (or follows a colon)
    and later markers continue its sequence: "1. ... 2. ...", "a) ... b) ...", "i. ... ii. ...".
    """
    paragraph_start = _skip_space(paragraph, 0)
    openings = {_skip_space(paragraph, cut) for cut in cuts} | {paragraph_start}
    if ":" in paragraph:
        openings.update(match.end() for match in AFTER_COLON.finditer(paragraph))
    first = min((p for p in openings if MARKER.match(paragraph, p)), default=None)
    if first is None:  # the usual case, found without scanning the paragraph
        return []
    found = {}
    lists = []
    expecting = {}  # (closing mark, label) -> the markers of the list that label continues
    for marker in MARKER.finditer(paragraph, first):
        if marker.start() == paragraph_start:
            found[marker.start()] = (marker, False)
        markers = expecting.pop((marker["close"], marker["label"]), None)
        if markers is not None:
            markers.append(marker)
        elif marker.start() in openings:
            markers = [marker]
            lists.append(markers)
        else:
            continue
        for label in _successors(marker["label"]):
            expecting[marker["close"], label] = markers
    for opener, *rest in lists:
        # "A. Smith and B. Jones": two capital initials in order are names, not a list.
        initials = (
            len(rest) == 1
            and opener["close"] == "."
            and len(rest[0]["label"]) == 1
            and rest[0]["label"].isupper()
        )
        if rest and not initials:
            found[opener.start()] = (opener, False)
            found.update((marker.start(), (marker, True)) for marker in rest)
    return [found[start] for start in sorted(found)]


def _successors(label: str) -> list[str]:
    """The labels that may follow label in a list: "2" after "1", "b" after "a", and "ii" and
    "j" after "i"."""
    if label.isdigit():
        return [str(int(label) + 1)]
    successors = [chr(ord(label) + 1)] if len(label) == 1 else []
    if label.lower() in ROMAN_NUMERALS[:-1]:
        following = ROMAN_NUMERALS[ROMAN_NUMERALS.index(label.lower()) + 1]
        successors.append(following.upper() if label.isupper() else following)
    return successors


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
