"""What the moderation pages show, ready to print: a queue item with every reviewer's label side
by side, what each decision changed, and the audit trail's rows in words."""

from dataclasses import dataclass
from typing import NamedTuple

from annotations.moderation.selectors import QueueItem
from annotations.review.models import Annotation, History, ModerationStatus

from .presenters import LABEL_NAMES, reason_lines, review_url

BASIS_NAMES = {
    "adjudicated": "adjudicated",
    "majority": "majority of labels",
    "tie": "tie: unresolved until adjudicated",
}
# Past tense of each decision, for what the UI says once it is made.
DECIDED = {"approve": "Approved", "reject": "Rejected", "reopen": "Reopened"}


class ArticleChange(NamedTuple):
    """One of the article switches the UI offers, and what it means for reviewers."""

    flag: str
    value: bool
    done: str
    meaning: str


ARTICLE_CHANGES = {
    "lock": ArticleChange(
        "locked", True, "locked", "Article locked: reviewers can no longer change its labels."
    ),
    "unlock": ArticleChange(
        "locked", False, "unlocked", "Article unlocked: reviewers can change its labels again."
    ),
    "hide": ArticleChange("hidden", True, "hidden", "Article hidden: reviewers no longer see it."),
    "show": ArticleChange("hidden", False, "shown", "Article shown: reviewers see it again."),
}
# What the history leaves out of "what changed": the version moves on every change, and the
# reasons have a column of their own.
UNSHOWN_CHANGES = {"version", "moderation_reason", "reason"}


@dataclass
class AnnotationRow:
    """One reviewer's label in a queue item."""

    pk: str
    version: str
    reviewer: str
    label: str
    label_name: str
    claim: str  # the claim span's text; "" without one
    claimant: str
    source_name: str
    evidence_url: str
    note: str
    status: str  # pending, approved, rejected
    status_name: str
    reason: str
    decided_by: str
    describe: str  # what an action on it acts on, in words
    current: bool  # the one the item's actions apply to at first


@dataclass
class QueueItemView:
    anchor: str  # the element id, "q<sentence id>"
    pk: str
    article_pk: str
    article_title: str
    review_url: str  # the review page at the sentence
    number: str  # the sentence's number in its article, 1-based
    locked: bool
    hidden: bool
    previous: str
    text: str
    next: str
    score: str  # "" without a candidate
    suggested_label: str
    suggested_label_name: str
    reasons: list[str]
    gold_label: str
    gold_label_name: str
    gold_basis: str
    label_counts: str
    adjudication_version: str  # "0": none
    adjudication_label: str
    adjudication_label_name: str
    adjudication_reason: str
    adjudicated_by: str
    rows: list[AnnotationRow]
    state: str  # "done" after an action; "refused" when the server turned it down
    status: str


def annotation_row(annotation: Annotation, current: bool) -> AnnotationRow:
    text = annotation.sentence.text
    start, end = annotation.span_start, annotation.span_end
    status_name = ModerationStatus(annotation.moderation_status).label
    reviewer = annotation.reviewer.get_username()
    label_name = LABEL_NAMES.get(annotation.label, annotation.label)
    return AnnotationRow(
        pk=str(annotation.pk),
        version=str(annotation.version),
        reviewer=reviewer,
        label=annotation.label,
        label_name=label_name,
        claim=text[start:end] if start is not None and end is not None else "",
        claimant=annotation.claimant,
        source_name=annotation.source_name,
        evidence_url=annotation.evidence_url,
        note=annotation.note,
        status=annotation.moderation_status,
        status_name=status_name,
        reason=annotation.moderation_reason,
        decided_by=annotation.moderated_by.get_username() if annotation.moderated_by else "",
        describe=f"{reviewer}'s label: {label_name}, {status_name.lower()}",
        current=current,
    )


def queue_item_view(
    item: QueueItem, state: str = "", message: str = "", current: int | None = None
) -> QueueItemView:
    """The item as the queue shows it; its actions apply at first to the annotation `current`
    if it is there, else to the first pending one, else to the first."""
    sentence, candidate, adjudication, gold = (
        item.sentence,
        item.candidate,
        item.adjudication,
        item.gold,
    )
    pks = [a.pk for a in item.annotations]
    if current not in pks:
        current = (item.pending or item.annotations or [None])[0]
        current = current and current.pk
    for annotation in item.annotations:
        annotation.sentence = sentence  # for its claim span: no query of its own
    return QueueItemView(
        anchor=f"q{sentence.pk}",
        pk=str(sentence.pk),
        article_pk=str(sentence.article_id),
        article_title=sentence.article.title,
        review_url=review_url(sentence.article_id, sentence.index),
        number=str(sentence.index + 1),
        locked=sentence.article.locked,
        hidden=sentence.article.hidden,
        previous=item.previous.text if item.previous else "",
        text=sentence.text,
        next=item.next.text if item.next else "",
        score=f"{candidate.score:.2f}" if candidate else "",
        suggested_label=(candidate and candidate.suggested_label) or "",
        suggested_label_name=LABEL_NAMES.get(candidate.suggested_label, "") if candidate else "",
        reasons=reason_lines(candidate.reasons) if candidate else [],
        gold_label=gold.label if gold else "",
        gold_label_name=LABEL_NAMES.get(gold.label, "") if gold else "",
        gold_basis=BASIS_NAMES.get(gold.basis, gold.basis) if gold else "",
        label_counts=" · ".join(
            f"{name} {item.label_counts[value]}"
            for value, name in LABEL_NAMES.items()
            if item.label_counts[value]
        ),
        adjudication_version=str(adjudication.version if adjudication else 0),
        adjudication_label=adjudication.label if adjudication else "",
        adjudication_label_name=LABEL_NAMES.get(adjudication.label, "") if adjudication else "",
        adjudication_reason=adjudication.reason if adjudication else "",
        adjudicated_by=adjudication.moderator.get_username() if adjudication else "",
        rows=[annotation_row(a, a.pk == current) for a in item.annotations],
        state=state,
        status=message,
    )


def decision_message(decision: str, after: Annotation, changed: bool) -> str:
    """What a decision on one annotation did, in words."""
    label_name = LABEL_NAMES.get(after.label, after.label)
    whose = f"{after.reviewer.get_username()}'s label ({label_name})"
    if not changed:
        status = ModerationStatus(after.moderation_status).label.lower()
        return f"Nothing changed: {whose} was already {status}."
    if decision == "reject":
        return f"Rejected {whose}: {after.moderation_reason}"
    if decision == "reopen":
        return f"Reopened {whose}: pending again."
    return f"Approved {whose}."


def bulk_message(decision: str, changed: int, chosen: int) -> str:
    """How many labels a bulk decision changed, of how many it was given."""
    labels = f"{changed} label{'' if changed == 1 else 's'}"
    message = f"{DECIDED[decision]} {labels}."
    if changed < chosen:
        rest = chosen - changed
        message += f" {rest} of the {chosen} chosen {'was' if rest == 1 else 'were'} already so."
    return message


@dataclass
class HistoryRow:
    at: object  # datetime
    actor: str
    action: str
    via: str
    reviewer: str  # whose work it concerns
    article_pk: str
    article_title: str
    sentence_number: str  # "" for a row about an article or a user
    sentence_url: str  # the review page at the sentence; "" for a row about an article or a user
    changes: list[str]
    reason: str


def _shown(name: str, value) -> str:
    if value in (None, ""):
        return "–"
    if name == "label":
        return LABEL_NAMES.get(value, str(value))
    return str(value)


def changed_fields(before, after) -> list[str]:
    """`field: old → new` for each recorded field that differs (a creation or deletion lists
    what was there)."""
    before, after = before or {}, after or {}
    names = [*after, *(name for name in before if name not in after)]
    shown = [
        (name, _shown(name, before.get(name)), _shown(name, after.get(name)))
        for name in names
        if name not in UNSHOWN_CHANGES
    ]
    return [f"{name.replace('_', ' ')}: {old} → {new}" for name, old, new in shown if old != new]


def history_row(entry: History, with_article: bool = False) -> HistoryRow:
    after = entry.after or {}
    sentence = entry.sentence
    return HistoryRow(
        at=entry.at,
        actor=entry.actor.get_username(),
        action=entry.get_action_display(),
        via=entry.get_via_display() or "–",
        reviewer=entry.reviewer.get_username() if entry.reviewer else "",
        article_pk=str(entry.article_id or ""),
        article_title=entry.article.title if with_article and entry.article else "",
        sentence_number=str(sentence.index + 1) if sentence else "",
        sentence_url=review_url(sentence.article_id, sentence.index) if sentence else "",
        changes=changed_fields(entry.before, entry.after),
        reason=after.get("moderation_reason") or after.get("reason") or "",
    )
