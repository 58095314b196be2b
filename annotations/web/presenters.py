"""What the review page shows for each sentence, ready to print: the page has hundreds, and every
lookup and number formatting the template would do costs."""

from dataclasses import dataclass
from itertools import groupby

from django.urls import reverse

from annotations.labels import Label
from annotations.review.models import Annotation, ModerationStatus
from annotations.review.selectors import SentenceRow

LABEL_NAMES = dict(Label.choices)
# The review page's keys for the labels (the script reads them from the toolbar's buttons).
LABEL_KEYS = {Label.SOURCED: "1", Label.DISPUTED: "2", Label.FALSE_FLAG: "3", Label.NOT_CLAIM: "0"}


@dataclass
class SentenceItem:
    """What the review page shows for one sentence, ready to print: the page has hundreds, and
    every lookup and number formatting the template does costs."""

    anchor: str  # the element id, "s<index>", which links to the sentence
    number: str  # 1-based, for people
    pk: str
    # The text split around my claim span, to highlight it.
    text_before: str
    claim: str
    text_after: str
    # The candidate suggestion
    score: str  # "" without a candidate
    standing: str  # its rank in the article and percentile in the corpus, as far as known
    suggested_label: str
    suggested_label_name: str
    suggested_source: str
    reasons: str  # one finding a line
    # My annotation
    version: str  # "0": none
    label: str
    label_name: str
    has_span: bool
    details: list[tuple[str, str, str]]  # (title, field, value) of what I filled in
    offer_source: bool
    moderation: str  # my label's moderation status; "" without a label
    moderation_text: str  # and in words, with a rejection's reason
    label_counts: str  # everyone's labels; "" until I have labelled the sentence
    state: str  # "saved" right after a save; "refused" when the server turned it down
    status: str


DETAIL_FIELDS = (
    ("Claimant", "claimant"),
    ("Source", "source_name"),
    ("Evidence", "evidence_url"),
    ("Note", "note"),
)


def sentence_item(
    row: SentenceRow, can_edit: bool, state: str = "", message: str = ""
) -> SentenceItem:
    sentence, candidate, mine = row.sentence, row.candidate, row.mine
    text = sentence.text
    start, end = (mine.span_start, mine.span_end) if mine else (None, None)
    if start is None or end is None:
        start = end = len(text)
    reasons = candidate.reasons if candidate else {}
    sources = [
        a["source"] for a in _entries(reasons, "attributions") if isinstance(a.get("source"), str)
    ]
    return SentenceItem(
        anchor=f"s{sentence.index}",
        number=str(sentence.index + 1),
        pk=str(sentence.pk),
        text_before=text[:start],
        claim=text[start:end],
        text_after=text[end:],
        score=f"{candidate.score:.2f}" if candidate else "",
        standing=standing(candidate.rank, candidate.percentile) if candidate else "",
        suggested_label=(candidate and candidate.suggested_label) or "",
        suggested_label_name=LABEL_NAMES.get(candidate.suggested_label, "") if candidate else "",
        suggested_source=sources[0] if sources else "",
        reasons="\n".join([*reason_lines(reasons), f"Score {candidate.score:.3f}"])
        if candidate
        else "",
        version=str(mine.version if mine else 0),
        label=mine.label if mine else "",
        label_name=LABEL_NAMES[mine.label] if mine else "Not labelled",
        has_span=bool(mine and mine.span_start is not None),
        details=[
            (title, name, getattr(mine, name))
            for title, name in DETAIL_FIELDS
            if getattr(mine, name)
        ]
        if mine
        else [],
        offer_source=bool(
            can_edit and mine and mine.label == Label.SOURCED and not mine.source_name
        ),
        moderation=mine.moderation_status if mine else "",
        moderation_text=moderation_text(mine) if mine else "",
        label_counts=" · ".join(
            f"{name} {row.label_counts[value]}"
            for value, name in LABEL_NAMES.items()
            if row.label_counts[value]
        )
        if row.others_visible
        else "",
        state=state,
        status="Saved ✓" if state == "saved" else message,
    )


def paragraphs(rows: list[SentenceRow], can_edit: bool) -> list[list[SentenceItem]]:
    """The rows' items grouped by paragraph, in order."""
    return [
        [sentence_item(row, can_edit) for row in group]
        for _, group in groupby(rows, key=lambda row: row.sentence.paragraph)
    ]


def review_url(article_id: int, index: int) -> str:
    """The review page opened at one of its sentences: the window holding it (`at`), scrolled
    to it (`#s<index>`)."""
    url = reverse("annotations:article_detail", args=[article_id])
    return f"{url}?at={index}#s{index}"


def standing(rank: int | None, percentile: float | None) -> str:
    """Where a score stands: "#2 in article · percentile 97.3" (either part may be unknown)."""
    parts = []
    if rank is not None:
        parts.append(f"#{rank} in article")
    if percentile is not None:
        parts.append(f"percentile {percentile:.1f}")
    return " · ".join(parts)


def moderation_text(annotation: Annotation) -> str:
    """What a moderator decided about the reviewer's label, with a rejection's reason."""
    if annotation.moderation_status == ModerationStatus.PENDING:
        return "Pending review"
    decided = ModerationStatus(annotation.moderation_status).label
    reason = annotation.moderation_reason
    return f"{decided}: {reason}" if reason else decided


def _entries(reasons, key: str) -> list[dict]:
    """The dicts listed under reasons[key]; anything of another shape is left out."""
    value = reasons.get(key) if isinstance(reasons, dict) else None
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def reason_lines(reasons) -> list[str]:
    """Why the detector suggested the sentence, one short line per finding."""
    lines = [
        f"Attributed to {a['source']}" + (f" ({a['verb']})" if a.get("verb") else "")
        for a in _entries(reasons, "attributions")
        if a.get("source")
    ]
    lines += [
        f"Quote “{q['text']}”" + (f" by {q['speaker']}" if q.get("speaker") else "")
        for q in _entries(reasons, "quotes")
        if q.get("text")
    ]
    lines += [
        f"Quantity {n['text']}" + (f" ({n['unit']})" if n.get("unit") else "")
        for n in _entries(reasons, "quantities")
        if n.get("text")
    ]
    lines += [
        f"Dispute cue “{c['cue']}”" for c in _entries(reasons, "dispute_cues") if c.get("cue")
    ]
    lines += [
        f"False-flag cue “{c['cue']}”" for c in _entries(reasons, "false_flag_cues") if c.get("cue")
    ]
    if not isinstance(reasons, dict):
        return lines
    if _number(reasons.get("rule_score")):
        lines.append(f"Rules score {reasons['rule_score']:.2f}")
    model = reasons.get("model")
    if isinstance(model, dict) and model.get("version") and _number(model.get("contribution")):
        lines.append(f"Model {model['version']}: contribution {model['contribution']:+.2f}")
    return lines
