"""Sentence segmentation with exact character offsets. Plain Python, no Django.

Backed by sentencex (Wikimedia's rule-based segmenter, compiled, language-aware abbreviation
lists). It is kept behind split_sentences() so it can be swapped without touching callers.
"""

from dataclasses import dataclass

import sentencex

LANGUAGE = "en"


@dataclass(frozen=True, slots=True)
class SentenceSpan:
    paragraph: int
    start: int
    end: int
    text: str


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
    spans = []
    paragraph_index = 0
    for offset, paragraph in split_paragraphs(body):
        if not paragraph.strip():
            continue
        for start, end in _boundaries(paragraph):
            start, end = _trim(paragraph, start, end)
            if start < end:
                spans.append(
                    SentenceSpan(
                        paragraph_index, offset + start, offset + end, paragraph[start:end]
                    )
                )
        paragraph_index += 1
    return spans


def _boundaries(paragraph: str) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets in one paragraph.

    sentencex treats "..." as a possible sentence end but not the single character "…", so the
    segmenter sees "..." and its offsets are mapped back onto the original text.
    """
    if "…" not in paragraph:
        return [
            (b["start_index"], b["end_index"])
            for b in sentencex.get_sentence_boundaries(LANGUAGE, paragraph)
        ]
    original_offset = []  # for each character of the expanded text, its offset in paragraph
    for index, char in enumerate(paragraph):
        original_offset.extend([index] * (3 if char == "…" else 1))
    original_offset.append(len(paragraph))
    expanded = paragraph.replace("…", "...")
    return [
        (original_offset[b["start_index"]], original_offset[b["end_index"]])
        for b in sentencex.get_sentence_boundaries(LANGUAGE, expanded)
    ]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
